"""A county's registry as the national system exports it: "贫困户信息列表", one row per household
member, a household running from its head's row to the next; no 户编号, no 识别年度, the year it is
as of only in the file name; the 27 columns of the real export, line breaks inside header cells and
the bank-card header merged over two cells. As .xlsx or as legacy .xls.

Households come from the same model as the household registries; each gets members (spouse,
children, parents) with their own ID numbers, drawn from the county's allocator so that no number
repeats. A few households are broken the ways such exports break (no head, two heads, a member
with a wrong ID number, a schooling stage the age contradicts, a labour skill outside the list, a
person listed in two households) and are quarantined whole; one states a wrong 人数, which loads
(sized by its members) and is listed by a warning check.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

import numpy as np

from sample_data import geography, idnumbers, names, table
from sample_data.counties import REFERENCE_DIR, CountySpec
from sample_data.households import Model
from sample_data.table_sinks import Header
from sample_data.truth import Log, Mart
from sample_data.vocab import ATTRIBUTES, CAUSES

AS_OF = 2019  # the year in the file name; households identified later are not in the export
HEADERS = (
    "省（自治区、直辖市）",
    "市（盟、州）",
    "县(市、区、旗)",
    "镇(乡)",
    "行政村",
    "姓名",
    "性别",
    "证件号码",
    "人数",
    "与户主关系",
    "民族",
    "文化程度",
    "在校生状况",
    "健康状况",
    "劳动能力\n页面（劳动技能）",
    "务工状况",
    "务工时间（月）",
    "是否参加新农合\n页面（是否参加新型农村合作医疗）",
    "是否参加新型养老保险\n页面（是否参加新型农村社会养老保险）",
    "是否参加城镇职工基本养老保险",
    "脱贫属性",
    "贫困户属性",
    "主要致贫原因",
    "人均纯收入",
    "联系电话",
    "开户银行名称",
    "银行卡号",
    "",
)
CARD = HEADERS.index("银行卡号")  # its header cell is merged with the empty one to its right
C = {h.split("\n")[0]: i for i, h in enumerate(HEADERS)}
# The national system's member vocabularies.
_ETHNIC = ("汉族", "苗族", "布依族", "彝族", "土家族", "侗族")
_HEALTH = ("健康", "健康", "健康", "长期慢性病", "患有大病", "残疾")
_WORK = ("省外务工", "县外省内务工", "乡（镇）内务工", "乡（镇）外县内务工")
_BANKS = ("农村信用社", "中国农业银行", "中国邮政储蓄银行", "农村商业银行")
_YOUNG_FIRST, _YOUNG_LAST = date(1996, 1, 1), date(AS_OF, 12, 31)

# Defects, each on a household of its own; the rule the rows it names are quarantined with.
NO_HEAD, TWO_HEADS, BAD_ID, SCHOOLING, LABOUR, DUPLICATE = (
    "household_without_head",
    "household_with_two_heads",
    "id_check_digit",
    "schooling_contradicts_age",
    "unknown_code",
    "person_in_two_households",
)
MEMBER_REJECTED = "household_member_rejected"


@dataclass
class Member:
    relation: str
    male: bool
    born: int  # day index for its allocator
    young: bool  # born 1996 or later: numbered by the county's second allocator
    id_number: str = ""
    name: str = ""
    rule: str | None = None  # the rule this member's own row breaks
    column: str = "relation"


@dataclass
class Household:
    position: int  # in the model's batch
    members: list[Member] = field(default_factory=list)
    stated: int = 0  # 人数 as written
    defect: str | None = None


@cache
def _region_names() -> dict[str, str]:
    with open(REFERENCE_DIR / "regions_2023.csv", encoding="utf-8", newline="") as handle:
        return {r["region_code"]: r["region_name"] for r in csv.DictReader(handle)}


def file_of(spec: CountySpec) -> str:
    return f"registry/{spec.file_stem}.{spec.file_format}"


class PersonExportWriter:
    """Plans a county of households and their members from its own random stream, then writes it."""

    def __init__(self, spec: CountySpec, households: int, rng: np.random.Generator, mart: Mart, log: Log):
        self.spec, self.rng, self.mart, self.log = spec, rng, mart, log
        self.geo = geography.build(spec.code, households, 1, rng, spec.tibetan)
        self.model = Model(self.geo, rng, spec.tibetan, 0.0)
        self.count = households
        self.young = idnumbers.Allocator(rng, _YOUNG_FIRST, _YOUNG_LAST)

    def write(self, out: Path) -> list[str]:
        spec = self.spec
        self.mart.start_county(self.geo)
        batch = self.model.batch(0, self.count)
        listed = np.flatnonzero(batch.identified <= AS_OF)
        households = [self._household(batch, int(p)) for p in listed]
        self._number(households, batch)
        self._plan_defects(households)
        every_row = spec.file_format == "xlsx"  # 人数 on every row; the .xls gives it on the head's row
        planned = table.Table(
            source="registry",
            layout="persons",
            county_code=spec.code,
            file=file_of(spec),
            sheet=spec.sheets[0],
            kind=spec.file_format,
            title=spec.titles[0],
            unit="",
            header=Header(HEADERS, merged_right=(CARD,)),
            widths=(12,) * len(HEADERS),
        )
        exited_by = (batch.exited > 0) & (batch.exited <= AS_OF)
        returned_by = (batch.returned > 0) & (batch.returned <= AS_OF)
        clean_households, clean_persons, mismatched = [], 0, 0
        for household in households:
            rows = self._rows(household, batch, exited_by, returned_by, every_row)
            rejected = household.defect is not None and household.defect != "size"
            for member, cells in zip(household.members, rows):
                rule = (member.rule or MEMBER_REJECTED) if rejected else None
                planned.data(cells, rule, member.column if member.rule else "relation")
            if not rejected:
                clean_households.append(household)
                clean_persons += len(household.members)
                mismatched += household.defect == "size"
        entry = table.write(planned, out, self.log)
        positions = np.array([h.position for h in clean_households], dtype=np.int64)
        sizes = np.array([len(h.members) for h in clean_households], dtype=np.int64)
        self.mart.add_snapshot(batch.village[positions], sizes, AS_OF, exited_by[positions], returned_by[positions])
        self.mart.finish_county(spec.code)
        entry.update(households=len(clean_households), persons=clean_persons, size_mismatches=mismatched, as_of_year=AS_OF)
        return [planned.file]

    def _household(self, batch, position: int) -> Household:
        """The head and the members 人数 says the household has."""
        rng = self.rng
        head_born = int(batch.birth_year[position])
        male = bool(batch.sequence[position] % 2 == 1)
        household = Household(position, [Member("户主", male, -1, False)])
        for _ in range(int(batch.size[position]) - 1):
            if len(household.members) == 1 and rng.random() < 0.85:
                household.members.append(Member("配偶", not male, head_born + int(rng.integers(-3, 4)), False))
                continue
            child_born = head_born + int(rng.integers(20, 36))
            if child_born <= AS_OF:
                son = bool(rng.random() < 0.5)
                household.members.append(Member("之子" if son else "之女", son, child_born, child_born >= _YOUNG_FIRST.year))
            else:
                father = bool(rng.random() < 0.5)
                household.members.append(
                    Member("之父" if father else "之母", father, max(head_born - int(rng.integers(22, 32)), 1940), False)
                )
        household.stated = len(household.members)
        return household

    def _number(self, households: list[Household], batch) -> None:
        """ID numbers and names: heads keep the model's; the others are drawn from the allocators."""
        code, rng = self.spec.code, self.rng
        head_ids = idnumbers.render(
            code,
            batch.birth_year,
            batch.birth_month,
            batch.birth_day,
            batch.sequence,
            np.zeros(len(batch), dtype=bool),
            np.zeros(len(batch), dtype=np.int64),
        )
        others = [m for h in households for m in h.members[1:]]
        for young in (False, True):
            chosen = [m for m in others if m.young == young]
            if not chosen:
                continue
            allocator = self.young if young else self.model.ids
            span = allocator.days
            days = np.array([min(max(self._day_of_year(m.born, allocator), 0), span - 1) for m in chosen], dtype=np.int64)
            days = np.minimum(days + rng.integers(0, 365, size=len(days)), span - 1)
            male = np.array([m.male for m in chosen])
            numbered = np.zeros(len(chosen), dtype=bool)
            # The sequence's last digit is odd for a man: a number of the wrong parity is passed
            # over (never handed out again) and the next one of that day taken.
            while not numbered.all():
                waiting = np.flatnonzero(~numbered)
                year, month, day, sequence = allocator.take(days[waiting])
                fits = (sequence % 2 == 1) == male[waiting]
                numbers = idnumbers.render(
                    code,
                    year[fits],
                    month[fits],
                    day[fits],
                    sequence[fits],
                    np.zeros(int(fits.sum()), dtype=bool),
                    np.zeros(int(fits.sum()), dtype=np.int64),
                )
                for position, number in zip(waiting[fits], numbers):
                    chosen[position].id_number = number
                numbered[waiting[fits]] = True
        for household in households:
            household.members[0].id_number = head_ids[household.position]
            household.members[0].name = batch.head[household.position]
        named = names.head_names(rng, np.array([m.male for m in others], dtype=bool), self.spec.tibetan)
        for member, name in zip(others, named):
            member.name = name

    @staticmethod
    def _day_of_year(year: int, allocator: idnumbers.Allocator) -> int:
        return (date(year, 1, 1) - allocator.first).days

    def _plan_defects(self, households: list[Household]) -> None:
        """One household per defect, apart from each other; none when the county is too small."""
        if len(households) < 40:
            return
        rng = self.rng
        village = [self.geo.village_of(np.array([h.position]))[0] for h in households]
        first_of_village = [i for i in range(1, len(households)) if village[i] != village[i - 1]]
        taken: set[int] = set()

        def pick(candidates) -> int | None:
            free = [i for i in candidates if not taken & {i - 1, i, i + 1}]
            if not free:
                return None
            chosen = free[int(rng.integers(len(free)))]
            taken.add(chosen)
            return chosen

        # A household without its head's row at the start of a village: its rows cannot join the
        # household above, which lies in another village.
        chosen = pick([i for i in first_of_village if len(households[i].members) >= 2])
        if chosen is not None:
            households[chosen].defect = NO_HEAD
            households[chosen].members[0].relation = "配偶" if households[chosen].members[1].relation != "配偶" else "之子"
            for member in households[chosen].members:
                member.rule = NO_HEAD
        larger = [i for i, h in enumerate(households) if len(h.members) >= 3]
        chosen = pick(larger)
        if chosen is not None:
            households[chosen].defect = TWO_HEADS
            households[chosen].members[1].relation = "户主"
            for member in households[chosen].members:
                member.rule = TWO_HEADS
        pairs = [i for i, h in enumerate(households) if len(h.members) >= 2]
        for rule, column in ((BAD_ID, "id_number"), (SCHOOLING, "schooling"), (LABOUR, "labour_skill"), (DUPLICATE, "id_number")):
            chosen = pick(pairs[len(pairs) // 4 :] if rule == DUPLICATE else pairs)
            if chosen is None:
                continue
            member = households[chosen].members[-1]
            households[chosen].defect = rule
            member.rule, member.column = rule, column
            if rule == BAD_ID:
                number = member.id_number
                member.id_number = number[:17] + idnumbers.CHECK_CHARS[("10X98765432".index(number[17]) + 1) % 11]
            elif rule == DUPLICATE:
                earlier = [i for i in range(chosen - 1) if i not in taken and households[i].defect is None]
                member.id_number = households[earlier[int(rng.integers(len(earlier)))]].members[-1].id_number
        chosen = pick(range(len(households)))
        if chosen is not None:
            households[chosen].defect = "size"
            households[chosen].stated += 1

    def _rows(self, household: Household, batch, exited_by, returned_by, every_row: bool) -> list[list]:
        rng, spec, p = self.rng, self.spec, household.position
        village = int(batch.village[p])
        names_of = _region_names()
        status = "返贫" if returned_by[p] else "已脱贫" if exited_by[p] else "未脱贫"
        attribute = ATTRIBUTES[int(batch.attribute[p])][1]
        cause = CAUSES[int(batch.cause[p])][1]
        income = float(batch.income[p])
        rows = []
        for index, member in enumerate(household.members):
            age = AS_OF - int(member.id_number[6:10])
            cells: list = [None] * len(HEADERS)
            cells[C["省（自治区、直辖市）"]] = names_of.get(spec.code[:2] + "0000", "")
            cells[C["市（盟、州）"]] = names_of.get(spec.code[:4] + "00", "")
            cells[C["县(市、区、旗)"]] = spec.written_name
            cells[C["镇(乡)"]] = self.geo.township_names[int(self.geo.village_township[village])]
            cells[C["行政村"]] = str(self.geo.village_names[village])
            cells[C["姓名"]] = member.name
            cells[C["性别"]] = "男" if member.male else "女"
            cells[C["证件号码"]] = member.id_number
            if every_row or index == 0:
                cells[C["人数"]] = household.stated
            cells[C["与户主关系"]] = member.relation
            cells[C["民族"]] = _ETHNIC[int(rng.integers(len(_ETHNIC)))]
            cells[C["文化程度"]] = "学龄前儿童" if age < 6 else ("小学" if age < 30 or rng.random() < 0.5 else "初中")
            cells[C["在校生状况"]] = _schooling(age)
            cells[C["健康状况"]] = _HEALTH[int(rng.integers(len(_HEALTH)))]
            cells[C["劳动能力"]] = (
                "无劳动力" if age < 16 else ("丧失劳动力" if age >= 65 else ("技能劳动力" if rng.random() < 0.2 else "普通劳动力"))
            )
            working = 16 <= age < 60 and rng.random() < 0.6
            cells[C["务工状况"]] = _WORK[int(rng.integers(len(_WORK)))] if working else "非务工"
            cells[C["务工时间（月）"]] = int(rng.integers(3, 13)) if working else 0
            cells[C["是否参加新农合"]] = "是" if rng.random() < 0.97 else "否"
            cells[C["是否参加新型养老保险"]] = ("是" if rng.random() < 0.8 else "否") if age >= 16 else "否"
            cells[C["是否参加城镇职工基本养老保险"]] = "否"
            cells[C["脱贫属性"]] = status
            cells[C["贫困户属性"]] = attribute
            cells[C["主要致贫原因"]] = cause
            cells[C["人均纯收入"]] = income
            if index == 0:
                cells[C["联系电话"]] = f"1{int(batch.phone[p])}"
                cells[C["开户银行名称"]] = _BANKS[int(rng.integers(len(_BANKS)))]
                cells[C["银行卡号"]] = _card(rng)
            if member.rule == SCHOOLING:
                cells[C["在校生状况"]] = "小学" if age > 20 else "本科" if age < 15 else "学前教育"
            if member.rule == LABOUR:
                cells[C["劳动能力"]] = "全劳力"
            rows.append(cells)
        return rows


def _schooling(age: int) -> str:
    if 6 <= age <= 11:
        return "小学"
    if 12 <= age <= 14:
        return "初中"
    if 15 <= age <= 17:
        return "高中"
    if 3 <= age <= 5:
        return "学前教育"
    return "非在校生"


def _card(rng: np.random.Generator) -> str:
    """A 19-digit card number of the kind rural banks issue, with its Luhn check digit."""
    body = "622848" + "".join(str(d) for d in rng.integers(0, 10, size=12))
    digits = [int(c) for c in body][::-1]
    total = sum(d * 2 - 9 if i % 2 == 0 and d * 2 > 9 else d * 2 if i % 2 == 0 else d for i, d in enumerate(digits))
    return body + str((10 - total % 10) % 10)
