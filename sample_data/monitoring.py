"""Monitoring lists (防止返贫监测对象) of a few counties over 2021-2025, and their truth.

Each county's monitoring system exports its list of monitored households as of a date, every half
year and, for some counties, every month of one year (SCHEDULES): the counties per household and per
person in turn, a per-person list like the registry's national export. Exited households of the
county's registry become 脱贫不稳定户; 边缘易致贫户 and 突发严重困难户 are households of their own. The
files carry what real ones do (a merged title giving the date, a unit row, a 合计 row, notes, names,
ID numbers and phones) and, in the first county's lists, a few cases planted for the warehouse's
checks, with one household of a place only the monitoring lists name, listed in the truth under
"planted"; the household in two counties is the first county's and the second's.

Each elimination is judged, in the truth, against its province's monitoring line of the year as
data/reference/monitoring_lines.csv gives it (read here on its own): at or below the line, above
it, or line unknown. Where a county's eliminations meet known lines and none is at or below, the
first is made so, for the check that compares them.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np

from sample_data import idnumbers, names, table
from sample_data.counties import REFERENCE_DIR
from sample_data.layouts import LAYOUTS
from sample_data.table import Table
from sample_data.table_sinks import Header
from sample_data.truth import Log
from sample_data.vocab import EXITED_SUPPORTED, EXITED_UNSUPPORTED, NOT_EXITED
from schemas.vocabularies import ELIMINATION_METHOD, HELP_MEASURE, MONITORING_CATEGORY, RISK_TYPE

FIRST_DAY, LAST_DAY = date(2021, 1, 1), date(2025, 6, 30)
HALF_YEARS = [date(y, m, 30 if m == 6 else 31) for y in range(2021, 2026) for m in (6, 12) if date(y, m, 1) <= LAST_DAY]


@dataclass(frozen=True)
class Schedule:
    """How a county sends its lists: per household or per person, as of every half year's end and,
    in ``monthly_year``, of every month's end too."""

    per_person: bool
    monthly_year: int | None = None

    def snapshots(self) -> list[date]:
        year = self.monthly_year
        month_ends = {date(year + m // 12, m % 12 + 1, 1) - timedelta(days=1) for m in range(1, 13)} if year else set()
        return sorted(set(HALF_YEARS) | month_ends)


# One per county sending lists, in the order the sample's registry counties come, so a national
# sample lists no more counties than these: the layouts alternate, and two counties list a year
# month by month. The first county holds the planted cases.
SCHEDULES = (Schedule(False, 2024), Schedule(True), Schedule(False, 2023), Schedule(True))
COUNTIES = len(SCHEDULES)
PER_COUNTY = 36  # monitored households of each county, planted ones included
# A per-household list heads its place and household columns as registry layout A does.
HOUSEHOLD_HEADERS = (
    *(LAYOUTS["A"].header(c) for c in ("county_name", "township_name", "village_name", "household_id", "head_name", "id_number")),
    "人数",
    "劳动力人数",
    "监测对象类别",
    "纳入监测时间",
    "风险类型",
    "家庭年人均纯收入（元）",
    "帮扶措施",
    "是否风险消除",
    "风险消除时间",
    "风险消除方式",
    "联系电话",
)
PERSON_HEADERS = (
    "县(市、区)",
    "乡(镇)",
    "行政村",
    "户编号",
    "姓名",
    "证件号码",
    "与户主关系",
    "人数",
    "健康状况",
    "劳动能力",
    "监测对象类别",
    "纳入监测时间",
    "风险类型",
    "家庭年人均纯收入",
    "帮扶措施",
    "是否风险消除",
    "风险消除时间",
    "风险消除方式",
    "联系电话",
)
_NOTES = ("注：风险类型、帮扶措施可填多项，用“、”分隔。", "填表人：", "审核人：")
_HEALTH = ("健康", "健康", "长期慢性病", "患有大病", "残疾")
_RELATIONS = ("配偶", "之子", "之女", "之孙子", "之孙女", "之父", "之母")
_YOUNG = (date(1996, 1, 1), date(2004, 12, 31))
# The planted cases, for the warehouse's checks; each a household of its own.
EARLY, NO_MEASURE, NO_LABOUR, UNSTABLE_NOT_EXITED, EDGE_REGISTERED, TWO_COUNTIES, DROPPED = (
    "eliminated_within_six_months",
    "eliminated_without_measure",
    "eliminated_without_labour",
    "unstable_not_exited_in_registry",
    "edge_household_registered_poor",
    "household_in_two_counties",
    "missing_from_later_snapshot",
)
# A household of a relocation site (易地扶贫搬迁安置点) set up after the registry closed: its 街道 and
# 社区 are named by the monitoring lists alone, never by the county's registry or village list (whose
# places end in 镇, 乡 and 村), so dim_region and the marts must learn the place from the lists.
MONITORING_ONLY_PLACE = "place_only_in_monitoring"
RELOCATION_TOWNSHIP, RELOCATION_VILLAGE = "安居街道", "幸福社区"
# The eliminations at or below their province's known monitoring line (truth "planted"), and how
# each elimination stands against its line.
BELOW_LINE = "income_at_or_below_line"
AT_OR_BELOW_LINE, ABOVE_LINE, LINE_UNKNOWN = "at_or_below_line", "above_line", "line_unknown"
# Rows each county's last list carries that staging must quarantine, each a household of no spell.
ROW_DEFECTS = (
    ("eliminated_before_taken_in", "eliminated_date"),
    ("unknown_code_in_list", "risk_types"),
    ("eliminated_without_date", "risk_eliminated"),
)


@dataclass
class Head:
    """A registry household a monitoring list can name again."""

    id_number: str
    name: str
    township: str
    village: str
    size: int
    income: float
    phone: str
    exited: bool


@dataclass
class Monitored:
    household_id: str
    county_code: str
    head: Head
    in_registry: bool
    category: str
    taken_in: date
    risks: list[str]
    measures: list[str]
    income_entry: float
    income_exit: float | None
    labour: int
    eliminated: date | None = None
    method: str | None = None
    dropped_after: date | None = None  # last list it is on, though never eliminated
    members: list[tuple[str, str, str, str]] = field(default_factory=list)  # relation, name, ID, health
    labour_skills: list[str] = field(default_factory=list)
    planted: str | None = None  # the planted case it is

    def on(self, snapshot: date) -> bool:
        return self.taken_in <= snapshot and (self.dropped_after is None or snapshot <= self.dropped_after)


class RegistryHeads:
    """Collects, while a county's registry is written, a few of its clean households: the exited
    ones a 脱贫不稳定户 is drawn from, and poor ones for a planted 边缘易致贫户. ``tibetan``: the
    county's persons bear Tibetan names, in its monitoring lists as in its registry."""

    def __init__(self, county_code: str, tibetan: bool = False, limit: int = 40):
        self.county_code, self.tibetan, self.limit = county_code, tibetan, limit
        self.exited: list[Head] = []
        self.poor: list[Head] = []

    def __call__(self, batch, clean: np.ndarray, geo) -> None:
        status = batch.status
        usable = clean & ~batch.old_id
        for wanted, target in (
            ((status == EXITED_SUPPORTED) | (status == EXITED_UNSUPPORTED), self.exited),
            (status == NOT_EXITED, self.poor),
        ):
            for i in np.flatnonzero(usable & wanted)[: max(0, self.limit - len(target))].tolist():
                number = idnumbers.render(
                    self.county_code,
                    batch.birth_year[i : i + 1],
                    batch.birth_month[i : i + 1],
                    batch.birth_day[i : i + 1],
                    batch.sequence[i : i + 1],
                    np.zeros(1, dtype=bool),
                    np.zeros(1, dtype=np.int64),
                )[0]
                village = int(batch.village[i])
                target.append(
                    Head(
                        number,
                        batch.head[i],
                        geo.township_names[geo.village_township[village]],
                        str(geo.village_names[village]),
                        int(batch.size[i]),
                        float(batch.income[i]),
                        f"1{int(batch.phone[i])}",
                        target is self.exited,
                    )
                )


def _day(rng: np.random.Generator, first: date, last: date) -> date:
    return first + timedelta(days=int(rng.integers(0, (last - first).days + 1)))


def _codes(rng: np.random.Generator, vocabulary, most: int) -> list[str]:
    codes = list(vocabulary.codes)
    return sorted(rng.choice(codes, size=int(rng.integers(1, most + 1)), replace=False).tolist())


def _new_heads(rng: np.random.Generator, county_code: str, geo, count: int, tibetan: bool) -> list[Head]:
    """Households outside the registry, headed by persons born after every registry head."""
    allocator = idnumbers.Allocator(rng, *_YOUNG)
    year, month, day, sequence = allocator.draw(rng, count)
    numbers = idnumbers.render(county_code, year, month, day, sequence, np.zeros(count, dtype=bool), np.zeros(count, dtype=np.int64))
    heads = names.head_names(rng, sequence % 2 == 1, tibetan)
    villages = rng.integers(0, len(geo.village_codes), size=count)
    return [
        Head(
            n,
            h,
            geo.township_names[geo.village_township[v]],
            str(geo.village_names[v]),
            int(rng.integers(1, 7)),
            float(round(rng.uniform(4500, 9000))),
            f"1{int(rng.integers(3, 10))}{int(rng.integers(0, 10**9)):09d}",
            False,
        )
        for n, h, v in zip(numbers, heads, villages.tolist())
    ]


def plan_county(county_code: str, geo, registry: RegistryHeads, rng: np.random.Generator, planted: bool) -> list[Monitored]:
    """The county's monitored households and their spells; ``planted``: the county holding the planted cases."""
    unstable = registry.exited[: PER_COUNTY // 3]
    others = _new_heads(rng, county_code, geo, PER_COUNTY - len(unstable), registry.tibetan)
    households = []
    for i, head in enumerate(unstable + others):
        category = "01" if head.exited else ("02" if i % 3 else "03")
        taken_in = _day(rng, FIRST_DAY, LAST_DAY - timedelta(days=30))
        entry = float(round(rng.uniform(4200, 7800)))
        labour = int(rng.integers(1, min(head.size, 3) + 1))
        spell = Monitored(
            f"{county_code}M{i + 1:05d}",
            county_code,
            head,
            head.exited,
            category,
            taken_in,
            _codes(rng, RISK_TYPE, 3),
            _codes(rng, HELP_MEASURE, 3),
            entry,
            None,
            labour,
        )
        if rng.random() < 0.5:
            eliminated = taken_in + timedelta(days=int(rng.integers(190, 560)))
            if eliminated <= LAST_DAY:
                spell.eliminated, spell.method = eliminated, ("by_help" if rng.random() < 0.8 else "natural")
                spell.income_exit = float(round(entry * rng.uniform(1.3, 1.8)))
        households.append(spell)
    if planted:
        _plant(households, registry, others, rng)
    return households


def _plant(households: list[Monitored], registry: RegistryHeads, others: list[Head], rng: np.random.Generator) -> None:
    """Turns a few of the county's new households into the planted cases (each its own household)."""
    new = [h for h in households if not h.in_registry]

    def eliminate(spell: Monitored, months: int) -> None:
        spell.taken_in = date(2022, 3, 10)
        spell.eliminated, spell.method = spell.taken_in + timedelta(days=30 * months), "by_help"
        spell.income_exit = float(round(spell.income_entry * 1.5))

    eliminate(new[0], 4)
    new[0].planted = EARLY
    eliminate(new[1], 9)
    new[1].measures, new[1].planted = [], NO_MEASURE
    eliminate(new[2], 10)
    new[2].labour, new[2].planted = 0, NO_LABOUR
    new[3].category, new[3].planted = "01", UNSTABLE_NOT_EXITED
    if registry.poor:
        edge = new[4]
        edge.head, edge.in_registry, edge.category, edge.planted = registry.poor[0], True, "02", EDGE_REGISTERED
        edge.labour = min(edge.labour, edge.head.size)
    new[5].taken_in, new[5].eliminated, new[5].dropped_after, new[5].planted = date(2021, 2, 1), None, date(2022, 12, 31), DROPPED
    new[5].income_exit, new[5].method = None, None
    new[6].planted = TWO_COUNTIES
    new[7].head = replace(new[7].head, township=RELOCATION_TOWNSHIP, village=RELOCATION_VILLAGE)
    new[7].planted = MONITORING_ONLY_PLACE


def _members(spell: Monitored, rng: np.random.Generator, allocator: idnumbers.Allocator, tibetan: bool) -> None:
    """The household's members for a per-person list: the head and size − 1 more; the first
    ``labour`` of them able to work."""
    size = spell.head.size
    others = size - 1
    if others:
        year, month, day, sequence = allocator.draw(rng, others)
        numbers = idnumbers.render(
            spell.county_code, year, month, day, sequence, np.zeros(others, dtype=bool), np.zeros(others, dtype=np.int64)
        )
        member_names = names.head_names(rng, sequence % 2 == 1, tibetan)
    else:
        numbers, member_names = [], []
    health = [_HEALTH[int(h)] for h in rng.integers(0, len(_HEALTH), size=size)]
    spell.members = [("户主", spell.head.name, spell.head.id_number, health[0])] + [
        (_RELATIONS[int(rng.integers(0, len(_RELATIONS)))], n, x, h) for n, x, h in zip(member_names, numbers, health[1:])
    ]
    spell.labour = min(spell.labour, size)
    spell.labour_skills = ["普通劳动力"] * spell.labour + ["无劳动力"] * (size - spell.labour)


def _date_text(day: date | None, form: int) -> str:
    if day is None:
        return ""
    return (day.isoformat(), f"{day.year}年{day.month}月{day.day}日", f"{day.year}.{day.month}.{day.day}")[form]


def _names(codes: list[str], vocabulary, by_code: bool, joiner: str) -> str:
    return joiner.join(codes if by_code else [vocabulary.codes[c] for c in codes])


def _household_values(spell: Monitored, snapshot: date, rng: np.random.Generator) -> dict[str, str]:
    eliminated = spell.eliminated is not None and spell.eliminated <= snapshot
    form, by_code = int(rng.integers(0, 3)), bool(rng.random() < 0.2)
    return {
        "category": MONITORING_CATEGORY.codes[spell.category] if not by_code else spell.category,
        "taken_in": _date_text(spell.taken_in, form),
        "risks": _names(spell.risks, RISK_TYPE, by_code, ("、", "，", "/")[int(rng.integers(0, 3))]),
        "income": f"{(spell.income_exit if eliminated else spell.income_entry):.0f}",
        "measures": _names(spell.measures, HELP_MEASURE, by_code, "、"),
        "eliminated": "是" if eliminated else "否",
        "eliminated_on": _date_text(spell.eliminated, form) if eliminated else "",
        "method": ELIMINATION_METHOD.codes[spell.method] if eliminated else "",
    }


def _defect_rows(spell: Monitored, snapshot: date, rule: str) -> dict[str, str]:
    values = _household_values(spell, snapshot, np.random.default_rng(0))
    if rule == "eliminated_before_taken_in":
        values.update(eliminated="是", eliminated_on=_date_text(spell.taken_in - timedelta(days=40), 0), method="帮扶消除")
    elif rule == "unknown_code_in_list":
        values["risks"] = "因病、因懒"
    else:
        values.update(eliminated="是", eliminated_on="", method="")
    return values


def monitoring_lines() -> dict[tuple[str, int], float]:
    """The known lines of the shipped reference table: (province code, year) → yuan."""
    with open(REFERENCE_DIR / "monitoring_lines.csv", encoding="utf-8", newline="") as handle:
        return {
            (row["province_code"], int(row["year"])): float(row["line_yuan"]) for row in csv.DictReader(handle) if row["line_yuan"].strip()
        }


def _line_of(spell: Monitored, lines: dict[tuple[str, int], float]) -> float | None:
    return lines.get((spell.county_code[:2] + "0000", spell.eliminated.year)) if spell.eliminated else None


def income_judgement(spell: Monitored, lines: dict[tuple[str, int], float]) -> str | None:
    if spell.eliminated is None:
        return None
    line = _line_of(spell, lines)
    if line is None:
        return LINE_UNKNOWN
    return AT_OR_BELOW_LINE if spell.income_exit <= line else ABOVE_LINE


def _plant_below_line(households: list[Monitored], lines: dict[tuple[str, int], float]) -> None:
    """Where the county's eliminations meet known lines and none is at or below its line, the
    first such elimination (of a household planted for nothing else) reports an income 100 yuan
    below the line."""
    judged = [h for h in households if h.planted is None and income_judgement(h, lines) in (AT_OR_BELOW_LINE, ABOVE_LINE)]
    if judged and all(income_judgement(h, lines) == ABOVE_LINE for h in judged):
        judged[0].income_exit = _line_of(judged[0], lines) - 100


@dataclass
class CountyLists:
    county_code: str
    county_name: str
    per_person: bool
    tibetan: bool
    households: list[Monitored]
    defects: list[Monitored]  # households whose rows in the last list break a row rule
    snapshots: list[date]


def _write(lists: CountyLists, snapshot: date, out, log: Log, rng: np.random.Generator, fmt: str) -> dict:
    kind, sheet = ("xlsx", "监测对象") if fmt == "xlsx" else ("utf-8-sig", "")
    file = f"monitoring/{lists.county_name}防止返贫监测对象_{snapshot.year}年{snapshot.month:02d}月.{fmt}"
    title = f"{lists.county_name}防止返贫监测对象名单（截至{snapshot.year}年{snapshot.month}月{snapshot.day}日）"
    headers = PERSON_HEADERS if lists.per_person else HOUSEHOLD_HEADERS
    planned = Table(
        "monitoring",
        "per_person" if lists.per_person else "per_household",
        lists.county_code,
        file,
        sheet,
        kind,
        title,
        "单位：人、元",
        Header(headers),
        tuple(12 for _ in headers),
        notes=list(_NOTES),
    )
    on = [h for h in lists.households if h.on(snapshot)]
    rows, persons = [], 0
    last = snapshot == lists.snapshots[-1]
    entries = [(h, None) for h in on] + ([(h, rule) for h, (rule, _) in zip(lists.defects, ROW_DEFECTS)] if last else [])
    for spell, rule in entries:
        values = _household_values(spell, snapshot, rng) if rule is None else _defect_rows(spell, snapshot, rule)
        head = spell.head
        place = [lists.county_name, head.township, head.village, spell.household_id]
        # The household's own columns, the last nine of both layouts; a per-person list gives them on the head's row only.
        household = [
            values["category"],
            values["taken_in"],
            values["risks"],
            values["income"],
            values["measures"],
            values["eliminated"],
            values["eliminated_on"],
            values["method"],
            head.phone,
        ]
        column = dict(ROW_DEFECTS).get(rule) if rule else None
        if lists.per_person:
            for position, (relation, name, number, health) in enumerate(spell.members):
                mine = position == 0
                planned.data(
                    [
                        *place,
                        name,
                        number,
                        relation,
                        str(head.size),
                        health,
                        spell.labour_skills[position],
                        *(household if mine else [""] * len(household)),
                    ],
                    rule if mine else (None if rule is None else "household_member_rejected"),
                    column if mine else (None if rule is None else "relation"),
                )
        else:
            planned.data([*place, head.name, head.id_number, str(head.size), str(spell.labour), *household], rule, column)
        if rule is None:
            rows.append(spell)
        persons += head.size
    planned.total(["合计", "", "", f"{len(entries)}户", "", "", str(persons)] + [""] * (len(headers) - 7))
    entry = table.write(planned, out, log)
    first = 4  # title, unit, header: the first data row as Excel numbers it
    excel_rows, row = {}, first
    for spell, rule in entries:
        if rule is None:
            excel_rows[spell.household_id] = row
        row += len(spell.members) if lists.per_person else 1
    return {
        **entry,
        "snapshot_date": snapshot.isoformat(),
        "households": len(rows),
        "rows": excel_rows,
        "persons": sum(h.head.size for h in rows),
    }


def _truth_of(spell: Monitored, lines: dict[tuple[str, int], float]) -> dict:
    return {
        "household_id": spell.household_id,
        "county_code": spell.county_code,
        "township": spell.head.township,
        "village": spell.head.village,
        "in_registry": spell.in_registry,
        "category_code": spell.category,
        "taken_in_date": spell.taken_in.isoformat(),
        "risk_type_codes": ",".join(spell.risks),
        "measure_codes": ",".join(spell.measures) or None,
        "income_entry_yuan": spell.income_entry,
        "income_exit_yuan": spell.income_exit,
        "household_size": spell.head.size,
        "labour_count": spell.labour,
        "eliminated_date": spell.eliminated.isoformat() if spell.eliminated else None,
        "elimination_method_code": spell.method,
        "last_listed": spell.dropped_after.isoformat() if spell.dropped_after else None,
        "line_yuan": _line_of(spell, lines),
        "income_line_judgement": income_judgement(spell, lines),
    }


def write(out, counties: list[tuple[str, str, object, RegistryHeads]], seed: int, log: Log, fmt: str = "xlsx") -> tuple[list[str], dict]:
    """``counties``: (code, name as written, geography, registry heads) of the counties that send
    lists, each as its place in SCHEDULES says (those beyond COUNTIES send none); as xlsx, or as
    UTF-8 CSV with the other sources when ``fmt`` is csv. Returns the files and the truth."""
    files, truth_households, snapshots_truth = [], [], []
    planned_cases: dict[str, list[str]] = {}
    all_lists = []
    for index, ((code, name, geo, registry), schedule) in enumerate(zip(counties, SCHEDULES)):
        rng = np.random.default_rng([seed, 7, index])
        households = plan_county(code, geo, registry, rng, planted=index == 0)
        defects = [
            Monitored(f"{code}X{i + 1:05d}", code, head, False, "02", date(2024, 3, 1), ["01"], ["02"], 5000.0, None, 1)
            for i, head in enumerate(_new_heads(rng, code, geo, len(ROW_DEFECTS), registry.tibetan))
        ]
        all_lists.append(CountyLists(code, name, schedule.per_person, registry.tibetan, households, defects, schedule.snapshots()))
    if len(all_lists) >= 2:
        # The same head in a second county: a household that moved, or one listed twice.
        moved = next(h for h in all_lists[0].households if h.planted == TWO_COUNTIES)
        there = all_lists[1].households[-1].head
        head = replace(moved.head, township=there.township, village=there.village)
        twin = Monitored(
            f"{all_lists[1].county_code}M{len(all_lists[1].households) + 1:05d}",
            all_lists[1].county_code,
            head,
            False,
            moved.category,
            moved.taken_in + timedelta(days=92),
            moved.risks,
            moved.measures,
            moved.income_entry,
            None,
            moved.labour,
        )
        twin.planted = TWO_COUNTIES
        all_lists[1].households.append(twin)
    lines = monitoring_lines()
    for lists in all_lists:
        _plant_below_line(lists.households, lines)
    for lists in all_lists:
        rng = np.random.default_rng([seed, 8, lists.county_code])
        if lists.per_person:
            allocator = idnumbers.Allocator(rng, *_YOUNG)
            for spell in lists.households + lists.defects:
                _members(spell, rng, allocator, lists.tibetan)
        for snapshot in lists.snapshots:
            entry = _write(lists, snapshot, out, log, rng, fmt)
            files.append(entry["file"])
            snapshots_truth.append(
                {
                    k: entry[k]
                    for k in (
                        "file",
                        "sheet",
                        "county_code",
                        "layout",
                        "snapshot_date",
                        "households",
                        "persons",
                        "data_rows",
                        "clean_rows",
                        "rows",
                    )
                }
            )
        for spell in lists.households:
            truth_households.append({**_truth_of(spell, lines), "snapshots": [s.isoformat() for s in lists.snapshots if spell.on(s)]})
            if spell.planted:
                planned_cases.setdefault(spell.planted, []).append(spell.household_id)
            if income_judgement(spell, lines) == AT_OR_BELOW_LINE:
                planned_cases.setdefault(BELOW_LINE, []).append(spell.household_id)
    return files, {"households": truth_households, "snapshots": snapshots_truth, "planted": planned_cases}
