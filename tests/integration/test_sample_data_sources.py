"""The sample investment sources: fund ledgers, project lists and village lists, and their truth.

As in test_sample_data, the files are read back with a small reader of their own and the rules and
marts recomputed from the spec, never from the generator's bookkeeping.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import defaultdict
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from sample_data import generate
from tests.integration.test_sample_data import F as REGISTRY_FIELD
from tests.integration.test_sample_data import first_row, in_fields, read_sheet

CATEGORIES = {
    "产业": "industry",
    "产业扶贫": "industry",
    "基础设施": "infrastructure",
    "基础设施建设": "infrastructure",
    "教育": "education",
    "教育扶贫": "education",
    "医疗": "health",
    "健康扶贫": "health",
    "就业": "employment",
    "就业扶贫": "employment",
    "消费帮扶": "consumption",
    "消费扶贫": "consumption",
    "易地搬迁": "relocation",
    "易地扶贫搬迁": "relocation",
    "其他": "other",
}
SOURCES = {
    "财政专项": "fiscal",
    "财政专项资金": "fiscal",
    "信贷": "credit",
    "扶贫贷款": "credit",
    "单位自筹": "own_funds",
    "自筹资金": "own_funds",
    "社会募捐": "donation",
    "社会捐赠": "donation",
    "社会引资": "social_investment",
    "招商引资": "social_investment",
}
DONOR_TYPES = {"部门": "department", "企业": "enterprise", "社会组织": "social_org", "个人": "individual"}
STATUSES = {"未开工", "在建", "完工", "已完工", "已验收"}
WESTERN = {"15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
FIRST_DAY, LAST_DAY = date(2013, 1, 1), date(2021, 12, 31)
# Header spellings of each field, over the three ledger layouts and the two lists.
FIELDS = {
    "date": ("日期", "拨付日期"),
    "donor": ("帮扶单位", "帮扶单位名称"),
    "donor_type": ("单位类型", "帮扶主体类型"),
    "parent": ("所属单位", "上级单位"),
    "county": ("县", "受援县"),
    "township": ("乡镇", "受援乡镇"),
    "village": ("村", "受援村", "行政村"),
    "code": ("项目编号", "项目代码"),
    "category": ("资金类别", "帮扶类别", "项目类型"),
    "source": ("资金来源", "资金性质"),
    "amount": ("金额", "金额（元）", "投入资金（万元）", "合计"),
    "name": ("项目名称",),
    "start": ("开工日期",),
    "end": ("完工日期",),
    "planned": ("计划投资（万元）",),
    "status": ("项目状态",),
    "households": ("带动贫困户数",),
    "persons": ("带动贫困人口数",),
    "scale": ("建设规模",),
    "poor": ("是否贫困村",),
    "exit_year": ("出列年度",),
    "population": ("户籍人口",),
    "agricultural": ("农业人口",),
    "income": ("村集体经济收入（万元）",),
}
SHOWCASE_LEDGERS = {
    "funds/贵阳经开区帮扶紫云县资金台账.xlsx": "A",
    "funds/永州经济技术开发区帮扶资金到位情况表.csv": "B",
    "funds/那曲县扶贫资金投入明细.xls": "C",
    "funds/宁波市帮扶望谟县资金台账.xlsx": "A",
    "funds/新田县帮扶资金到位情况表.csv": "B",
    "funds/紫云县2019年帮扶资金台账.xlsx": "wide",
}
WIDE = "wide"  # a county's undated ledger of one year, one amount column per fund source
_DATE = re.compile(r"^(\d{4})(?:[年.\-/](\d{1,2})(?:[月.\-/](\d{1,2})日?)?月?|(\d{2})(\d{2}))$")


# ---------------------------------------------------------------- reading the files back


def _cell(value):
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def read_rows(out: Path, file: str, sheet: str) -> list[list]:
    """Rows of a sheet, index 0 being row 1; xlsx and xls cells keep their types (dates, numbers)."""
    path = out / file
    if path.suffix in (".xlsx", ".xls"):
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
        return [[_cell(v) for v in row] for row in rows]
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("gb18030")
    return list(csv.reader(io.StringIO(text, newline="")))


def text(value) -> str:
    return "" if value is None else str(value)


def day(value) -> date:
    if isinstance(value, date):
        return value
    match = _DATE.fullmatch(text(value).strip())
    assert match, value
    year, month, dd, month8, day8 = match.groups()
    if month8:
        return date(int(year), int(month8), int(day8))
    return date(int(year), int(month), int(dd or 1))


def number(value) -> float:
    return float(text(value).replace(",", "")) if isinstance(value, str) else float(value)


class Table:
    """A table found in a sheet: its columns by field, and its rows sorted by kind. A wide ledger's
    row reads as one movement of its 合计 column, in the year and county of its title; its fund
    source columns are ``parts``."""

    def __init__(self, rows: list[list], depth: int):
        upper = [text(v) for v in rows[2]]
        lower = [text(v) for v in rows[3]] if depth == 2 else [""] * len(upper)
        names = [low or up for up, low in zip(upper, lower)]
        self.columns = {field: names.index(h) for field, spellings in FIELDS.items() for h in spellings if h in names}
        self.parts = {c: name for c, name in enumerate(lower) if name in SOURCES}
        title = re.fullmatch(r"(.+县)(\d{4})年帮扶资金台账", text(rows[0][0]))
        self.title_county, self.title_year = (title.group(1), int(title.group(2))) if title else (None, None)
        self.unit = 1 if "金额（元）" in names else 10_000
        self.first = 2 + depth  # index of the first data row
        self.rows = rows
        self.kinds: dict[str, list[int]] = defaultdict(list)  # kind -> 1-based row numbers
        for number_, cells in enumerate(rows[self.first :], start=self.first + 1):
            filled = [text(c) for c in cells if text(c) != ""]
            head = text(cells[0])
            if not filled:
                self.kinds["blank"].append(number_)
            elif head in ("小计", "合计"):
                self.kinds[head].append(number_)
            elif len(filled) == 1 and re.match(r"^(注|备注|说明|填|审核|制表)", head):
                self.kinds["note"].append(number_)
            else:
                self.kinds["data"].append(number_)
        # Calamine trims trailing empty cells; pad so that every field can be looked up.
        width = max(self.columns.values()) + 1
        self.rows = [list(r) + [""] * (width - len(r)) for r in rows]

    def get(self, row: int, field: str):
        return self.rows[row - 1][self.columns[field]]

    def yuan(self, row: int) -> int:
        return int(round(number(self.get(row, "amount")) * self.unit))

    def part_yuan(self, row: int) -> list[int]:
        """The amounts a row books: its filled fund-source cells, or its one amount."""
        if not self.parts:
            return [self.yuan(row)]
        cells = [self.rows[row - 1][c] for c in self.parts]
        return [int(round(number(c) * self.unit)) for c in cells if text(c) != ""]

    def year(self, row: int) -> int:
        return day(self.get(row, "date")).year if "date" in self.columns else self.title_year

    def county(self, row: int) -> str:
        return text(self.get(row, "county")) if "county" in self.columns else self.title_county


def local_code(county: str, *names: str) -> str:
    parent = county
    for depth in range(1, len(names) + 1):
        parent += "-" + hashlib.sha1("/".join((county, *names[:depth])).encode("utf-8")).hexdigest()[:6]
    return parent


# ---------------------------------------------------------------- fixtures


def _run(out: Path, **kwargs):
    summary = generate(out, truth=out / "truth.json", **kwargs)
    truth = json.loads((out / "truth.json").read_text(encoding="utf-8"))
    tables = {}
    for entry in truth["files"]:
        if entry["source"] != "registry":
            depth = 2 if entry["source"] == "funds" and entry["layout"] in ("A", WIDE) else 1
            tables[entry["file"]] = Table(read_rows(out, entry["file"], entry["sheet"]), depth)
    return out, summary, truth, tables


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("sources"))


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("sources_many"), households=6000, fmt="csv", counties=20, seed=11)


@pytest.fixture(scope="module", params=["sample", "many"])
def run(request):
    return request.getfixturevalue(request.param)


def _entries(truth: dict, source: str) -> list[dict]:
    return [e for e in truth["files"] if e["source"] == source]


def _defects(truth: dict, rule: str) -> list[dict]:
    return [d for d in truth["defects"] if d["rule"] == rule]


def _project_codes(truth: dict, tables: dict) -> set[str]:
    return {text(tables[e["file"]].get(r, "code")) for e in _entries(truth, "projects") for r in tables[e["file"]].kinds["data"]}


def _ledgers(truth: dict) -> list[dict]:
    """Each county's one dated ledger (a county may send a wide ledger of one year besides)."""
    return [e for e in _entries(truth, "funds") if e["layout"] != WIDE]


def _showcase(entries: list[dict]) -> list[dict]:
    """Entries of the showcase counties: files of the others open with their county code."""
    return [e for e in entries if not e["file"].split("/")[1][:6].isdigit()]


def _per_person(truth: dict) -> set[str]:
    """Counties sending the national per-person export: it lists only the households identified by
    its year, so it cannot say how many the projects could reach (tests/integration/test_person_registry.py)."""
    return {e["county_code"] for e in truth["files"] if e.get("layout") == "persons"}


def _registry_households(out: Path, truth: dict) -> dict[str, int]:
    """Households the household registry files place in each village (every data row but duplicates)."""
    skipped = {(s["file"], s["sheet"], s["row"]) for s in truth["skipped_rows"]}
    duplicates = {(d["file"], d["sheet"], d["row"]) for d in truth["defects"] if d["rule"] == "duplicate_household"}
    counts: dict[str, int] = defaultdict(int)
    for entry in truth["files"]:
        if entry["source"] != "registry" or entry["county_code"] in _per_person(truth):
            continue
        rows = in_fields(entry, read_sheet(out, entry["file"], entry["sheet"]))
        for number_, cells in enumerate(rows[first_row(entry) - 1 :], start=first_row(entry)):
            key = (entry["file"], entry["sheet"], number_)
            if key not in skipped and key not in duplicates:
                township, village = cells[REGISTRY_FIELD["township_name"]], cells[REGISTRY_FIELD["village_name"]]
                counts[local_code(entry["county_code"], township, village)] += 1
    return counts


# ---------------------------------------------------------------- files, formats, determinism


def test_every_county_has_three_sources(run):
    out, summary, truth, _ = run
    counties = {e["county_code"] for e in _entries(truth, "registry")}
    for source in ("funds", "projects", "villages"):
        entries = _ledgers(truth) if source == "funds" else _entries(truth, source)
        assert {e["county_code"] for e in entries} == counties and len(entries) == len(counties)
        assert all(e["file"].startswith(f"{source}/") and (out / e["file"]).is_file() for e in _entries(truth, source))
        assert all(e["file"] in summary["files"] for e in _entries(truth, source))
    layouts = [e["layout"] for e in _ledgers(truth)]
    assert layouts == (["A", "B", "C"] * 7)[: len(layouts)]
    assert [e["county_code"] for e in _entries(truth, "funds") if e["layout"] == WIDE] == ["520425"]


def test_showcase_file_names_and_formats(sample, many):
    out, _, truth, _ = sample
    assert {e["file"]: e["layout"] for e in _showcase(_entries(truth, "funds"))} == SHOWCASE_LEDGERS
    assert (out / "projects/紫云县扶贫项目库.xlsx").is_file() and (out / "villages/紫云县行政村基本情况表.xlsx").is_file()
    xls = (out / "funds/那曲县扶贫资金投入明细.xls").read_bytes()
    assert xls.startswith(b"\xd0\xcf\x11\xe0")
    gb = (out / "funds/永州经济技术开发区帮扶资金到位情况表.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        gb.decode("utf-8")
    assert gb.decode("gb18030").startswith("永州经济技术开发区2016-2020年")
    out, _, truth, _ = many
    for entry in truth["files"]:
        if entry["source"] == "registry":
            continue
        raw = (out / entry["file"]).read_bytes()
        assert entry["file"].endswith(".csv")
        assert raw.startswith(b"\xef\xbb\xbf") == (entry["layout"] != "B" or entry["source"] != "funds"), entry["file"]
    extra = [e for e in _entries(truth, "projects") if e["file"].split("/")[1][:6].isdigit() and e["county_code"] not in _per_person(truth)]
    assert len(extra) == 15 and all(e["file"].startswith(f"projects/{e['county_code']}_") for e in extra)


def test_legacy_ledger_has_date_cells_and_date_text(sample):
    out, _, _, tables = sample
    table = tables["funds/那曲县扶贫资金投入明细.xls"]
    dates = [table.get(r, "date") for r in table.kinds["data"]]
    cells = [d for d in dates if isinstance(d, date)]
    texts = [d for d in dates if isinstance(d, str)]
    assert cells and texts and all(re.fullmatch(r"\d{8}", t) for t in texts)
    assert 0.3 < len(cells) / len(dates) < 0.7
    assert all(isinstance(table.get(r, "amount"), (int, float)) for r in table.kinds["data"])


def test_ledger_a_two_row_header(sample):
    out, _, _, tables = sample
    file = "funds/贵阳经开区帮扶紫云县资金台账.xlsx"
    rows = tables[file].rows
    assert text(rows[0][0]) == "贵阳经开区2016-2020年对口帮扶紫云县资金台账" and text(rows[1][0]) == "单位：万元"
    assert [text(v) for v in rows[2][:13]] == [
        "序号",
        "日期",
        "帮扶单位",
        "单位类型",
        "所属单位",
        "受援地",
        "",
        "",
        "项目编号",
        "资金类别",
        "资金来源",
        "金额",
        "备注",
    ]
    assert [text(v) for v in rows[3][5:8]] == ["县", "乡镇", "村"]
    merged = set(CalamineWorkbook.from_path(str(out / file)).get_sheet_by_name("资金台账").merged_cell_ranges)
    assert ((2, 5), (2, 7)) in merged and ((0, 0), (0, 12)) in merged
    assert all(((2, c), (3, c)) in merged for c in range(13) if c not in (5, 6, 7))


def _source_contents(out: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(out)): p.read_bytes() for folder in ("funds", "projects", "villages") for p in sorted((out / folder).iterdir())
    }


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_same_seed_gives_the_same_sources(tmp_path, fmt):
    first, second, other = (
        generate(tmp_path / name, households=300, fmt=fmt, seed=seed, truth=tmp_path / f"{name}.json")
        for name, seed in (("a", 7), ("b", 7), ("c", 8))
    )
    assert _source_contents(tmp_path / "a") == _source_contents(tmp_path / "b")
    assert (tmp_path / "a.json").read_bytes() == (tmp_path / "b.json").read_bytes()
    assert _source_contents(tmp_path / "a") != _source_contents(tmp_path / "c")


# ---------------------------------------------------------------- rows, totals and defects


def test_file_entries_count_the_rows(run):
    _, _, truth, tables = run
    skipped = defaultdict(lambda: defaultdict(set))
    for s in truth["skipped_rows"]:
        skipped[s["file"]][s["reason"]].add(s["row"])
    for entry in truth["files"]:
        if entry["source"] == "registry":
            continue
        kinds = tables[entry["file"]].kinds
        defects = [d for d in truth["defects"] if d["file"] == entry["file"] and d["row"] in kinds["data"]]
        assert entry["data_rows"] == len(kinds["data"]) and entry["defect_rows"] == len(defects)
        assert entry["clean_rows"] == entry["data_rows"] - entry["defect_rows"]
        assert entry["blank_rows"] == len(kinds["blank"]) and entry["note_rows"] == len(kinds["note"]) >= 1
        assert entry["total_rows"] == len(kinds["小计"]) + len(kinds["合计"])
        assert len(kinds["合计"]) == 1 and kinds["合计"][0] > max(kinds["data"])
        assert skipped[entry["file"]]["total"] == set(kinds["小计"]) | set(kinds["合计"])
        assert skipped[entry["file"]]["blank"] == set(kinds["blank"])
        assert skipped[entry["file"]]["note"] == set(kinds["note"])
    assert truth["projects_total"] == sum(e["clean_rows"] for e in _entries(truth, "projects"))
    assert truth["villages_listed"] == sum(e["data_rows"] for e in _entries(truth, "villages"))


def test_subtotals_and_totals_add_up(run):
    _, _, truth, tables = run
    mismatched = {d["file"]: d["row"] for d in _defects(truth, "total_mismatch")}
    assert mismatched, "every sample carries a ledger whose 合计 does not add up"
    for entry in _entries(truth, "funds"):
        table = tables[entry["file"]]
        data = table.kinds["data"]
        start = 0
        for subtotal in table.kinds["小计"]:
            group = [r for r in data if start < r < subtotal]
            assert table.yuan(subtotal) == sum(table.yuan(r) for r in group)
            assert len({text(table.get(r, "donor_type")) for r in group}) == 1
            start = subtotal
        assert bool(table.kinds["小计"]) == (entry["layout"] == "A")
        (total,) = table.kinds["合计"]
        adds_up = table.yuan(total) == sum(table.yuan(r) for r in data)
        assert adds_up != (entry["file"] in mismatched)
        assert mismatched.get(entry["file"], total) == total
        for column in table.parts:  # a wide ledger's 合计 row adds up each fund source's column too
            cells = [table.rows[r - 1][column] for r in data]
            assert round(number(table.rows[total - 1][column]) * 10_000) == sum(round(number(c) * 10_000) for c in cells if text(c) != "")
    for entry in _entries(truth, "projects") + _entries(truth, "villages"):
        table = tables[entry["file"]]
        (total,) = table.kinds["合计"]
        for field in ("planned", "households", "persons", "population", "agricultural", "income"):
            if field in table.columns:
                assert number(table.get(total, field)) == pytest.approx(sum(number(table.get(r, field)) for r in table.kinds["data"]))


def _fund_rules(table: Table, row: int, codes: set[str]) -> set[str]:
    broken = set()
    if min(table.part_yuan(row)) <= 0:
        broken.add("amount_not_positive")
    code = text(table.get(row, "code"))
    if code and code not in codes:
        broken.add("unknown_project")
    if "date" in table.columns and not FIRST_DAY <= day(table.get(row, "date")) <= LAST_DAY:
        broken.add("date_out_of_range")
    return broken


def test_every_row_breaks_exactly_the_rules_listed(run):
    _, _, truth, tables = run
    codes = _project_codes(truth, tables)
    listed = {(d["file"], d["row"]): d for d in truth["defects"] if d["row"] is not None}
    columns = {"amount_not_positive": "amount", "unknown_project": "project_code", "date_out_of_range": "fund_date"}
    for entry in _entries(truth, "funds"):
        table = tables[entry["file"]]
        for row in table.kinds["data"]:
            defect = listed.get((entry["file"], row))
            assert _fund_rules(table, row, codes) == ({defect["rule"]} if defect else set()), (entry["file"], row)
            assert defect is None or (defect["column"] == columns[defect["rule"]] and defect["sheet"] == entry["sheet"])
            assert table.county(row) and text(table.get(row, "category")) in CATEGORIES
            assert text(table.get(row, "donor_type")) in DONOR_TYPES
            if table.parts:  # a wide row: its 合计 column is its parts', each a movement of its column's source
                assert table.yuan(row) == sum(table.part_yuan(row)) and table.part_yuan(row)
            else:
                assert text(table.get(row, "source")) in SOURCES
    for entry in _entries(truth, "projects"):
        table = tables[entry["file"]]
        for row in table.kinds["data"]:
            defect = listed.get((entry["file"], row))
            out_of_range = not FIRST_DAY <= day(table.get(row, "start")) <= LAST_DAY
            assert out_of_range == (defect is not None), (entry["file"], row)
            assert defect is None or (defect["rule"], defect["column"]) == ("date_out_of_range", "start_date")
            assert text(table.get(row, "category")) in CATEGORIES and text(table.get(row, "status")) in STATUSES
            assert re.fullmatch(r"\d+(\.\d+)?万?\D{1,6}", text(table.get(row, "scale")))
    for entry in _entries(truth, "villages"):
        assert not any((entry["file"], r) in listed for r in tables[entry["file"]].kinds["data"])


def test_showcase_files_carry_every_rule(sample):
    _, _, truth, _ = sample
    rules = defaultdict(set)
    for d in truth["defects"]:
        rules[d["file"]].add(d["rule"])
    for entry in _showcase(_ledgers(truth)):
        assert {"amount_not_positive", "unknown_project", "date_out_of_range"} <= rules[entry["file"]]
    for entry in _entries(truth, "funds"):
        if entry["layout"] == WIDE:  # undated, no project to mistype: one row's negative cell
            assert rules[entry["file"]] == {"amount_not_positive"} and entry["defect_rows"] == 1
    for entry in _showcase(_entries(truth, "projects")):
        assert rules[entry["file"]] == {"date_out_of_range"}
    for rule in ("amount_not_positive", "unknown_project", "date_out_of_range", "total_mismatch", "village_not_in_list"):
        assert truth["defect_counts"][rule] == len(_defects(truth, rule))
    rows = sum(e["data_rows"] for e in _entries(truth, "funds"))
    for rule in ("amount_not_positive", "unknown_project"):
        assert len(_defects(truth, rule)) <= 0.04 * rows


def test_one_registry_village_is_missing_from_its_list(run):
    out, _, truth, tables = run
    (missing,) = _defects(truth, "village_not_in_list")
    assert missing["row"] is None and missing["column"] == "village_name" and missing["file"].startswith("villages/")
    county = missing["village_code"].split("-")[0]
    assert [e["file"] for e in _entries(truth, "villages") if e["county_code"] == county] == [missing["file"]]
    households = _registry_households(out, truth)
    assert households[missing["village_code"]] >= 1
    listed = defaultdict(set)
    for entry in _entries(truth, "villages"):
        table = tables[entry["file"]]
        for r in table.kinds["data"]:
            listed[entry["county_code"]].add(
                local_code(entry["county_code"], text(table.get(r, "township")), text(table.get(r, "village")))
            )
    registry_villages = set(households)
    everything = set().union(*listed.values())
    assert registry_villages - everything == {missing["village_code"]}
    assert len(everything - registry_villages) >= len(listed)  # a few villages without registered households


# ---------------------------------------------------------------- the models behind the files


def test_projects_sit_in_registry_villages(run):
    out, _, truth, tables = run
    households = _registry_households(out, truth)
    codes: list[str] = []
    for entry in _entries(truth, "projects"):
        table = tables[entry["file"]]
        for row in table.kinds["data"]:
            code = text(table.get(row, "code"))
            codes.append(code)
            if entry["county_code"] in _per_person(truth):
                continue
            village = local_code(entry["county_code"], text(table.get(row, "township")), text(table.get(row, "village")))
            registered, reached = households[village], int(table.get(row, "households"))
            assert registered >= 1 and min(5, registered) <= reached <= registered, (code, registered, reached)
            assert 3 * reached - 1 <= int(table.get(row, "persons")) <= 4.5 * reached + 1
            planned = number(table.get(row, "planned"))
            assert 0.5 <= planned <= 2000 and round(planned, 2) == planned
            start, end = day(table.get(row, "start")), text(table.get(row, "end"))
            assert (text(table.get(row, "status")) == "未开工") == (end == "")
            assert code[-8:-4] == str(start.year) or not FIRST_DAY <= start <= LAST_DAY
            assert re.fullmatch(r"([A-Z]+|\d{6}-)20\d\d-\d{3}", code)
    assert len(codes) == len(set(codes))


def test_movements_fund_projects_of_their_own_county(run):
    _, _, truth, tables = run
    projects: dict[str, tuple[str, str, str]] = {}
    for entry in _entries(truth, "projects"):
        table = tables[entry["file"]]
        for row in table.kinds["data"]:
            projects[text(table.get(row, "code"))] = (
                entry["county_code"],
                text(table.get(row, "township")),
                text(table.get(row, "village")),
            )
    listed = {(d["file"], d["row"]) for d in truth["defects"]}
    placed = coded = rows = 0
    for entry in _entries(truth, "funds"):
        table = tables[entry["file"]]
        for row in table.kinds["data"]:
            if (entry["file"], row) in listed:
                continue
            rows += 1
            code, township, village = (text(table.get(row, f)) for f in ("code", "township", "village"))
            placed += bool(township)
            assert township or not village
            if code:
                coded += 1
                county, project_township, project_village = projects[code]
                assert county == entry["county_code"]
                assert township in ("", project_township) and village in ("", project_village)
    assert 0.6 < placed / rows < 0.8 and 0.75 < coded / rows < 0.92


def test_ziyun_follows_the_public_figures(sample):
    _, _, truth, tables = sample
    ledger = tables["funds/贵阳经开区帮扶紫云县资金台账.xlsx"]
    wide = tables["funds/紫云县2019年帮扶资金台账.xlsx"]  # 2019, in the county's own wide ledger
    donors = defaultdict(set)
    for row in ledger.kinds["data"]:
        assert text(ledger.get(row, "parent")) == "贵阳经开区" and text(ledger.get(row, "county")) == "紫云县"
        assert ledger.year(row) != 2019
    for table in (ledger, wide):
        for row in table.kinds["data"]:
            donors[text(table.get(row, "donor_type"))].add(text(table.get(row, "donor")))
    assert len(donors["部门"]) == 27 and 28 <= len(donors["企业"]) <= 36 and set(donors) == {"部门", "企业"}
    total = sum(table.yuan(r) for table in (ledger, wide) for r in table.kinds["data"])
    assert 23_000_000 < total < 24_700_000
    assert len(tables["projects/紫云县扶贫项目库.xlsx"].kinds["data"]) == 127
    individuals = [
        e
        for e in _showcase(_ledgers(truth))
        if any(text(tables[e["file"]].get(r, "donor_type")) == "个人" for r in tables[e["file"]].kinds["data"])
    ]
    assert len(individuals) == 4  # every other showcase county names a few people among its donors


# ---------------------------------------------------------------- truth marts


def _recomputed_investment(truth: dict, tables: dict) -> dict[tuple, dict]:
    """mart_investment from the clean rows of the files, by the spec."""
    listed = {(d["file"], d["row"]) for d in truth["defects"] if d["row"] is not None}
    benefits = {}
    for entry in _entries(truth, "projects"):
        table = tables[entry["file"]]
        for row in table.kinds["data"]:
            if (entry["file"], row) not in listed:
                benefits[text(table.get(row, "code"))] = (int(table.get(row, "households")), int(table.get(row, "persons")))
    groups: dict[tuple, list] = {}
    for entry in _entries(truth, "funds"):
        table, county = tables[entry["file"]], entry["county_code"]
        for row in table.kinds["data"]:
            if (entry["file"], row) in listed:
                continue
            township, village = text(table.get(row, "township")), text(table.get(row, "village"))
            regions = [("province", county[:2] + "0000"), ("city", county[:4] + "00"), ("county", county)]
            if township:
                regions.append(("township", local_code(county, township)))
            if village:
                regions.append(("village", local_code(county, township, village)))
            key = (table.year(row), CATEGORIES[text(table.get(row, "category"))], DONOR_TYPES[text(table.get(row, "donor_type"))])
            for region in regions:
                group = groups.setdefault((*region, *key), [0, set()])
                group[0] += table.yuan(row)
                if text(table.get(row, "code")) in benefits:
                    group[1].add(text(table.get(row, "code")))
    expected = {}
    for key, (amount, codes) in groups.items():
        households = sum(benefits[c][0] for c in codes)
        expected[key] = {
            "amount_yuan": float(amount),
            "project_count": len(codes),
            "households_benefited": households,
            "persons_benefited": sum(benefits[c][1] for c in codes),
            "yuan_per_household_benefited": _fen_half_up(amount, households) if households else None,
        }
    return expected


def _fen_half_up(amount: float, households: int) -> float:
    """amount ÷ households to the fen, a half fen away from zero, as the warehouse's DECIMAL."""
    return float((Decimal(amount) / households).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _recomputed_project_reach(truth: dict, tables: dict) -> dict[tuple, dict]:
    """mart_project_reach from the clean rows of the files, by the spec: each clean project with a
    clean movement, once, at its list's place, in the year of its first movement, under its type."""
    listed = {(d["file"], d["row"]) for d in truth["defects"] if d["row"] is not None}
    projects = {}
    for entry in _entries(truth, "projects"):
        table, county = tables[entry["file"]], entry["county_code"]
        for row in table.kinds["data"]:
            if (entry["file"], row) not in listed:
                township, village = text(table.get(row, "township")), text(table.get(row, "village"))
                places = [
                    ("province", county[:2] + "0000"),
                    ("city", county[:4] + "00"),
                    ("county", county),
                    ("township", local_code(county, township)),
                    ("village", local_code(county, township, village)),
                ]
                projects[text(table.get(row, "code"))] = (
                    places,
                    CATEGORIES[text(table.get(row, "category"))],
                    int(table.get(row, "households")),
                    int(table.get(row, "persons")),
                )
    first_year, booked = {}, defaultdict(int)
    for entry in _entries(truth, "funds"):
        table = tables[entry["file"]]
        for row in table.kinds["data"]:
            code = text(table.get(row, "code"))
            if (entry["file"], row) in listed or code not in projects:
                continue
            year = table.year(row)
            first_year[code] = min(first_year.get(code, year), year)
            booked[code] += table.yuan(row)
    expected: dict[tuple, dict] = {}
    for code, year in first_year.items():
        places, category, households, persons = projects[code]
        for place in places:
            figures = expected.setdefault(
                (*place, year, category), {"projects": 0, "households_benefited": 0, "persons_benefited": 0, "booked_yuan": 0.0}
            )
            figures["projects"] += 1
            figures["households_benefited"] += households
            figures["persons_benefited"] += persons
            figures["booked_yuan"] += booked[code]
    return expected


def test_mart_project_reach_matches_the_clean_rows_and_adds_up(run):
    _, _, truth, tables = run
    rows = truth["mart_project_reach"]
    actual = {
        (r["region_level"], r["region_code"], r["year"], r["category"]): {
            k: r[k] for k in ("projects", "households_benefited", "persons_benefited", "booked_yuan")
        }
        for r in rows
    }
    assert len(actual) == len(rows)
    assert actual == _recomputed_project_reach(truth, tables)
    # Summed over years and types, every level counts each funded clean project once.
    funded = len({code for entry in _entries(truth, "funds") for code in _clean_codes(truth, tables, entry)})
    for level in ("province", "city", "county", "township", "village"):
        assert sum(r["projects"] for r in rows if r["region_level"] == level) == funded > 0, level


def _clean_codes(truth: dict, tables: dict, entry: dict) -> set[str]:
    """Codes of the clean projects that a clean movement of the ledger is booked on."""
    listed = {(d["file"], d["row"]) for d in truth["defects"] if d["row"] is not None}
    clean = {
        text(tables[e["file"]].get(r, "code"))
        for e in _entries(truth, "projects")
        for r in tables[e["file"]].kinds["data"]
        if (e["file"], r) not in listed
    }
    table = tables[entry["file"]]
    return {text(table.get(r, "code")) for r in table.kinds["data"] if (entry["file"], r) not in listed} & clean


def test_mart_investment_matches_the_clean_rows(run):
    _, _, truth, tables = run
    rows = truth["mart_investment"]
    actual = {
        (r["region_level"], r["region_code"], r["year"], r["category"], r["donor_type"]): {
            k: r[k] for k in ("amount_yuan", "project_count", "households_benefited", "persons_benefited", "yuan_per_household_benefited")
        }
        for r in rows
    }
    assert len(actual) == len(rows)
    assert actual == _recomputed_investment(truth, tables)
    levels = ("province", "city", "county", "township", "village")
    keys = [(levels.index(r["region_level"]), r["region_code"], r["year"], r["category"], r["donor_type"]) for r in rows]
    assert keys == sorted(keys)


def test_mart_investment_arithmetic(run):
    _, _, truth, _ = run
    rows = truth["mart_investment"]
    by_level = defaultdict(lambda: defaultdict(float))
    counts = defaultdict(lambda: defaultdict(int))
    for r in rows:
        parent = {"county": r["region_code"][:2] + "0000"}.get(r["region_level"], r["region_code"])
        by_level[r["region_level"]][parent, r["year"], r["category"], r["donor_type"]] += r["amount_yuan"]
        counts[r["region_level"]][parent, r["year"], r["category"], r["donor_type"]] += r["project_count"]
        assert r["amount_yuan"] > 0 and 2016 <= r["year"] <= 2020
        if r["households_benefited"]:
            assert r["yuan_per_household_benefited"] == _fen_half_up(r["amount_yuan"], r["households_benefited"])
        else:
            assert r["yuan_per_household_benefited"] is None and r["project_count"] == 0
    assert by_level["province"] == pytest.approx(by_level["county"]) and counts["province"] == counts["county"]
    total = sum(r["amount_yuan"] for r in rows if r["region_level"] == "county")
    assert total == pytest.approx(truth["fact_investment_total_yuan"], abs=0.005)
    assert sum(r["amount_yuan"] for r in rows if r["region_level"] == "province") == pytest.approx(total)
    assert sum(r["amount_yuan"] for r in rows if r["region_level"] == "township") <= total


def _villages(truth: dict, tables: dict) -> dict[str, dict]:
    villages = {}
    for entry in _entries(truth, "villages"):
        table, county = tables[entry["file"]], entry["county_code"]
        for row in table.kinds["data"]:
            exit_year = text(table.get(row, "exit_year")).removesuffix("年")
            villages[local_code(county, text(table.get(row, "township")), text(table.get(row, "village")))] = {
                "poor": text(table.get(row, "poor")),
                "exit_year": int(exit_year) if exit_year else None,
                "population": int(table.get(row, "population")),
                "agricultural": int(table.get(row, "agricultural")),
            }
    return villages


def test_village_exit_years_follow_the_rule(run):
    _, _, truth, tables = run
    villages = _villages(truth, tables)
    remaining = defaultdict(dict)
    for r in truth["mart_poverty_exit"]:
        if r["region_level"] == "village":
            remaining[r["region_code"]][r["year"]] = r["remaining_persons"]
    poor = [code for code, v in villages.items() if v["poor"] == "是"]
    assert 0.15 < len(poor) / len(villages) < 0.45
    never = 0
    for code, village in villages.items():
        assert village["poor"] in ("是", "否") and (village["exit_year"] is None) == (village["poor"] == "否")
        assert 0.8 * village["population"] - 1 <= village["agricultural"] <= 0.95 * village["population"] + 1
        if village["poor"] == "否":
            continue
        percent = 3 if code[:2] in WESTERN else 2
        years = [y for y in range(2014, 2021) if remaining[code].get(y, 0) / village["agricultural"] < percent / 100]
        assert village["exit_year"] == (years[0] if years else 2020), code
        never += not years
    assert never <= max(1, 0.1 * len(poor))


def test_poverty_exit_mart_counts_exited_villages_and_incidence(run):
    _, _, truth, tables = run
    villages = _villages(truth, tables)
    inhabited = {r["region_code"] for r in truth["mart_poverty_exit"] if r["region_level"] == "village"}

    def subtree(level: str, code: str, village: str) -> bool:
        county = village.split("-")[0]
        return {
            "province": county[:2] + "0000" == code,
            "city": county[:4] + "00" == code,
            "county": county == code,
            "township": village.rsplit("-", 1)[0] == code,
            "village": village == code,
        }[level]

    checked = 0
    rows = truth["mart_poverty_exit"]
    for r in rows[:: max(1, len(rows) // 400)]:
        inside = [c for c in villages if subtree(r["region_level"], r["region_code"], c)]
        assert r["villages_exited"] == sum(villages[c]["exit_year"] == r["year"] for c in inside)
        denominator = sum(villages[c]["agricultural"] for c in inside if c in inhabited)
        expected = round(100 * r["remaining_persons"] / denominator, 4) if denominator else None
        assert r["poverty_incidence"] == expected, r
        checked += 1
    assert checked > 100
    assert sum(r["villages_exited"] for r in rows if r["region_level"] == "province") == sum(v["poor"] == "是" for c, v in villages.items())
