"""The sample-data generator: layouts, encodings, planted defects and the truth it reports.

The checks here read the written files back with their own small reader and recompute the rules
and the mart from the spec, so a generator bug cannot hide behind its own bookkeeping. Only the
order of the nineteen columns, where each cell stands, is taken from the layouts' declaration;
every value in them is judged here.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import subprocess
import sys
import unicodedata
from collections import defaultdict
from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from sample_data import generate
from sample_data.layouts import COLUMNS

F = {name: i for i, name in enumerate(COLUMNS)}
WIDTH = len(COLUMNS)
GROUP = range(F["housing_secure"], F["medical_secure"] + 1)
FIRST_DATA_ROW = 5  # under a title, a unit line and a two-row header
PLAIN = "plain"
SECTION = re.compile(r"^[一二三四五六七八九十]+、(.+[镇乡])$")
PLACEHOLDER_CELLS = {"N", "示例", "…"}

ATTRIBUTES = dict(
    zip(
        "一般贫困户 低保贫困户 特困供养贫困户 一般脱贫户 低保脱贫户 特困供养脱贫户 边缘易致贫户 脱贫不稳定户".split(),
        ["01", "02", "03", "04", "05", "06", "07", "08"],
    )
)
CAUSES = dict(
    zip(
        "因病 因残 因学 因灾 缺土地 缺水 缺技术 缺劳力 缺资金 交通条件落后 自身发展动力不足 其他".split(),
        [f"{i:02d}" for i in range(1, 13)],
    )
)
STATUSES = {"未脱贫": "0", "已脱贫（享受政策）": "1", "返贫": "3", "已脱贫（不享受政策）": "4"}
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
SHOWCASE_FILES = {
    "registry/紫云县建档立卡贫困户信息表.xlsx",
    "registry/永州经济技术开发区建档立卡户花名册.xlsx",
    "registry/那曲县建档立卡贫困户.csv",
    "registry/望谟县扶贫对象信息.csv",
    "registry/新田县建档立卡贫困户信息表.xlsx",
}
LEVELS = ("province", "city", "county", "township", "village")
COUNTERS = (
    "registered_households",
    "registered_persons",
    "exited_households",
    "exited_persons",
    "cumulative_exited_households",
    "cumulative_exited_persons",
    "remaining_households",
    "remaining_persons",
    "returned_households",
)


# ---------------------------------------------------------------- reading the files back


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)


def read_sheet(out: Path, file: str, sheet: str) -> list[list[str]]:
    """Rows of a sheet as text, index 0 being row 1."""
    path = out / file
    if path.suffix == ".xlsx":
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
        return [[_text(v) for v in row] + [""] * (WIDTH - len(row)) for row in rows]
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig") if raw.startswith(b"\xef\xbb\xbf") else raw.decode("gb18030")
    return list(csv.reader(io.StringIO(text, newline="")))


def norm(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def year(value: str) -> int | None:
    value = norm(value).removesuffix("年")
    return int(value) if value else None


def income(value: str) -> float:
    return float(norm(value).replace(",", ""))


def code(value: str, names: dict[str, str]) -> str | None:
    if value in names:
        return names[value]
    return norm(value) if norm(value) in names.values() else None


def check_char(first17: str) -> str:
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, WEIGHTS)) % 11]


def broken_rules(cells: list[str]) -> set[str]:
    """The spec's row rules a single row breaks (duplicates need the whole sheet)."""
    broken = set()
    number = cells[F["id_number"]]
    if len(number) == 18 and check_char(number[:17]) != number[17]:
        broken.add("id_check_digit")
    identified, exited = year(cells[F["identification_year"]]), year(cells[F["exit_year"]])
    if exited is not None and exited < identified:
        broken.add("exit_before_identification")
    amount = income(cells[F["income_per_person"]])
    if amount < 0 or amount >= 100_000:
        broken.add("income_range")
    if (
        code(cells[F["attribute_code"]], ATTRIBUTES) is None
        or code(cells[F["main_cause_code"]], CAUSES) is None
        or code(cells[F["status_code"]], STATUSES) is None
    ):
        broken.add("unknown_code")
    return broken


PER_PERSON = "贫困户信息列表"  # the national per-person exports (tests/integration/test_person_registry.py)


def registry(entries: list[dict]) -> list[dict]:
    """The entries (files, defects, skipped rows) of the household registry files; the investment
    sources and the per-person exports have their own tests."""
    return [e for e in entries if e["file"].startswith("registry/") and PER_PERSON not in e["file"]]


def per_person_counties(truth: dict) -> set[str]:
    return {e["county_code"] for e in truth["files"] if e.get("layout") == "persons"}


def local_code(county: str, *names: str) -> str:
    parent = county
    for depth in range(1, len(names) + 1):
        parent += "-" + hashlib.sha1("/".join((county, *names[:depth])).encode("utf-8")).hexdigest()[:6]
    return parent


# ---------------------------------------------------------------- fixtures


def _run(out: Path, **kwargs) -> tuple[Path, dict, dict]:
    summary = generate(out, truth=out / "truth.json", **kwargs)
    return out, summary, json.loads((out / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def many(tmp_path_factory):
    return _run(tmp_path_factory.mktemp("many"), households=6000, fmt="csv", counties=20, seed=11, per_person=0)


@pytest.fixture(scope="module", params=["sample", "many"])
def run(request):
    return request.getfixturevalue(request.param)


def first_row(entry: dict) -> int:
    return entry.get("first_data_row", FIRST_DATA_ROW)


def in_fields(entry: dict, rows: list[list[str]]) -> list[list[str]]:
    """Rows under the header with their cells in COLUMNS order, whatever columns the file has; a
    township the table leaves out is the sheet's name or the last section row's. Single-cell rows
    (notes, section rows) and header rows stay as they are."""
    columns = entry.get("columns", list(COLUMNS))
    township = entry["sheet"] if "township_name" not in columns else None
    mapped = [list(row) for row in rows[: first_row(entry) - 1]]
    for row in rows[first_row(entry) - 1 :]:
        filled = [c for c in row if c]
        if len(filled) == 1 and row[0] == filled[0]:
            if section := SECTION.match(row[0]):
                township = section.group(1)
            mapped.append(list(row) + [""] * (WIDTH - len(row)))
            continue
        cells = [""] * WIDTH
        for i, name in enumerate(columns[: len(row)]):
            if name in F:
                cells[F[name]] = row[i]
        if "township_name" not in columns and any(cells) and not set(filled) <= PLACEHOLDER_CELLS and cells[0] != "合计":
            cells[F["township_name"]] = township
        mapped.append(cells)
    return mapped


def _read_all(out: Path, truth: dict) -> dict[tuple[str, str], list[list[str]]]:
    return {(e["file"], e["sheet"]): in_fields(e, read_sheet(out, e["file"], e["sheet"])) for e in registry(truth["files"])}


@pytest.fixture(scope="module")
def sheets(run):
    return _read_all(run[0], run[2])


@pytest.fixture(scope="module")
def sample_sheets(sample):
    return _read_all(sample[0], sample[2])


# ---------------------------------------------------------------- determinism and files


def _contents(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_same_seed_gives_the_same_bytes(tmp_path, fmt):
    first, second, other = (
        _contents(_run(tmp_path / name, households=300, fmt=fmt, seed=seed)[0]) for name, seed in (("a", 7), ("b", 7), ("c", 8))
    )
    assert first == second
    assert first["truth.json"] != other["truth.json"]
    assert any(first[name] != other[name] for name in first if name.endswith(".csv"))


def test_default_sample_files(sample):
    out, summary, truth = sample
    exports = {f for f in summary["files"] if PER_PERSON in f}
    assert len(exports) == 1 and exports.pop().endswith(".xlsx")  # one county sends the per-person export
    assert {f for f in summary["files"] if f.startswith("registry/") and PER_PERSON not in f} == SHOWCASE_FILES
    assert {p.relative_to(out).as_posix() for p in (out / "registry").iterdir() if PER_PERSON not in p.name} == SHOWCASE_FILES
    assert sum(p.stat().st_size for p in out.rglob("*") if p.is_file()) < 5_000_000
    assert truth["seed"] == 7 and truth["households"] == 2000
    assert (
        summary["clean_households"]
        == truth["clean_households"]
        == (
            sum(e["clean_rows"] for e in registry(truth["files"]))
            + sum(e["households"] for e in truth["files"] if e.get("layout") == "persons")
        )
    )
    # 新田县 sends one sheet per township, each named after it (as CSV files: one per 片区, below).
    xintian = [e for e in registry(truth["files"]) if "新田县" in e["file"]]
    assert len(xintian) >= 5 and all(e["sheet"].endswith(("镇", "乡")) and e["form"] == "sheet_per_township" for e in xintian)
    assert {e["form"] for e in registry(truth["files"])} == {PLAIN, "numbered_three_rows", "section_rows", "sheet_per_township"}
    per_county = defaultdict(int)
    for entry in registry(truth["files"]):
        per_county[entry["county_code"]] += entry["data_rows"]
    assert all(300 <= n <= 500 for n in per_county.values()), per_county


def test_encodings(sample):
    out = sample[0]
    gb = (out / "registry/那曲县建档立卡贫困户.csv").read_bytes()
    assert not gb.startswith(b"\xef\xbb\xbf")
    with pytest.raises(UnicodeDecodeError):
        gb.decode("utf-8")
    assert gb.decode("gb18030").startswith("那曲县")
    assert (out / "registry/望谟县扶贫对象信息.csv").read_bytes().startswith("\ufeff望谟县".encode("utf-8"))


# ---------------------------------------------------------------- layout


def test_title_unit_and_two_row_header(run, sheets):
    _, _, truth = run
    for entry in registry(truth["files"]):
        if entry["form"] != PLAIN:  # the other forms: tests/integration/test_sample_layouts.py
            continue
        rows = sheets[entry["file"], entry["sheet"]]
        assert all(len(row) == WIDTH for row in rows), entry["file"]
        title, unit, upper, lower = rows[:4]
        assert "建档立卡" in title[0] or "扶贫对象" in title[0]
        assert "单位" in unit[0] or "统计时间" in unit[0]
        assert not any(title[1:]) and not any(unit[1:])
        assert upper[GROUP[0]] == "两不愁三保障" and not any(upper[c] for c in GROUP[1:])
        assert all(lower[c] for c in GROUP)
        assert all(upper[c] and not lower[c] for c in range(WIDTH) if c not in GROUP)
        assert rows[FIRST_DATA_ROW - 1][F["county_name"]]


def test_xlsx_merged_ranges(sample):
    out, _, truth = sample
    for entry in registry(truth["files"]):
        if not entry["file"].endswith(".xlsx") or entry["form"] != PLAIN:
            continue
        merged = set(CalamineWorkbook.from_path(str(out / entry["file"])).get_sheet_by_name(entry["sheet"]).merged_cell_ranges)
        last = WIDTH - 1
        assert ((0, 0), (0, last)) in merged
        assert ((2, GROUP[0]), (2, GROUP[-1])) in merged
        assert all(((2, c), (3, c)) in merged for c in range(WIDTH) if c not in GROUP)


def test_written_forms_per_layout(sample, sample_sheets):
    _, _, truth = sample
    forms = defaultdict(set)
    for entry in registry(truth["files"]):
        for row in sample_sheets[entry["file"], entry["sheet"]][first_row(entry) - 1 :]:
            if row[0] and row[0] not in ("合计", "N", "示例") and len([c for c in row if c]) > 1:
                forms[entry["layout"], "county"].add(row[F["county_name"]])
                forms[entry["layout"], "attribute"].add(row[F["attribute_code"]])
                forms[entry["layout"], "year"].add(row[F["identification_year"]])
                forms[entry["layout"], "income"].add(row[F["income_per_person"]])
                forms[entry["layout"], "status"].add(row[F["status_code"]])
    assert forms["C", "county"] == {"那曲县"} and forms["D", "county"] == {"望谟县"}
    assert forms["A", "county"] == {"紫云县", "新田县"} and forms["B", "county"] == {"永州经济技术开发区"}
    assert any("," in v for v in forms["A", "income"])
    assert any(v.endswith("年") and not v.isascii() and v[0] != "2" for v in forms["B", "year"])
    assert all(v.endswith("年") for v in forms["B", "year"])
    assert "01" in forms["B", "attribute"] and "一般脱贫户" in forms["A", "attribute"]
    assert {"0", "1"} <= forms["D", "status"] and "已脱贫（享受政策）" in forms["C", "status"]


# ---------------------------------------------------------------- defects and skipped rows


def test_every_listed_defect_is_in_its_row(run, sheets):
    _, _, truth = run
    assert truth["defects"] and not truth["defects_truncated"]
    for defect in registry(truth["defects"]):
        rows = sheets[defect["file"], defect["sheet"]]
        cells = rows[defect["row"] - 1]
        if defect["rule"] == "duplicate_household":
            earlier = rows[: defect["row"] - 1]
            assert cells in earlier, defect
            assert defect["column"] == "household_id"
        else:
            assert broken_rules(cells) == {defect["rule"]}, (defect, cells)
            assert defect["column"] in COLUMNS


def test_rows_without_a_listed_defect_are_clean(run, sheets):
    _, _, truth = run
    listed = {(d["file"], d["sheet"], d["row"]) for d in truth["defects"]}
    skipped = {(s["file"], s["sheet"], s["row"]): s["reason"] for s in truth["skipped_rows"]}
    ids_by_county, numbers_by_county = defaultdict(set), defaultdict(set)
    for entry in registry(truth["files"]):
        rows = sheets[entry["file"], entry["sheet"]]
        counts = defaultdict(int)
        for number, cells in enumerate(rows[first_row(entry) - 1 :], start=first_row(entry)):
            key = (entry["file"], entry["sheet"], number)
            if key in skipped:
                counts[skipped[key]] += 1
                continue
            counts["data"] += 1
            if key in listed:
                counts["defect"] += 1
                continue
            county = entry["county_code"]
            assert broken_rules(cells) == set(), (key, cells)
            household_id, id_number = cells[F["household_id"]], cells[F["id_number"]]
            assert household_id not in ids_by_county[county] and len(household_id) == 16
            assert household_id.startswith(county) and id_number.startswith(county)
            upgraded = id_number if len(id_number) == 18 else id_number[:6] + "19" + id_number[6:]
            assert upgraded[:17] not in numbers_by_county[county]
            ids_by_county[county].add(household_id)
            numbers_by_county[county].add(upgraded[:17])
            assert 1 <= int(norm(cells[F["household_size"]])) <= 12
            status = code(cells[F["status_code"]], STATUSES)
            exited, returned = year(cells[F["exit_year"]]), year(cells[F["returned_year"]])
            assert 2013 <= year(cells[F["identification_year"]]) <= 2020
            assert (status == "0") == (exited is None) and (status == "3") == (returned is not None)
            assert returned is None or exited < returned <= 2021
            assert all(cells[c] in ("是", "否") for c in GROUP)
            phone = cells[F["phone"]]
            assert len(phone) == 11 and phone[0] == "1" and phone[1] in "3456789"
            assert len(id_number) == 18 or county == "522326"
        assert counts["data"] == entry["data_rows"] and counts["defect"] == entry["defect_rows"]
        assert counts["blank"] == entry["blank_rows"] and counts["total"] == 1
        assert counts["section"] == entry["section_rows"] and (entry["section_rows"] > 0) == (entry["form"] == "section_rows")
        placeholders = 2 if entry["form"] == "numbered_three_rows" else 0
        assert counts["note"] == entry["note_rows"] and 1 <= entry["note_rows"] - placeholders <= 3


def test_showcase_counties_carry_every_rule(sample):
    _, _, truth = sample
    rules = defaultdict(set)
    for defect in registry(truth["defects"]):
        rules[defect["file"]].add(defect["rule"])
    expected = {"duplicate_household", "id_check_digit", "exit_before_identification", "income_range", "unknown_code"}
    assert all(rules[file] == expected for file in SHOWCASE_FILES)
    assert {r: n for r, n in truth["defect_counts"].items() if r in expected} == {
        r: sum(d["rule"] == r for d in truth["defects"]) for r in expected
    }


def test_old_ids_only_in_wangmo(sample, sample_sheets):
    _, _, truth = sample
    old = defaultdict(int)
    for entry in registry(truth["files"]):
        for cells in sample_sheets[entry["file"], entry["sheet"]][first_row(entry) - 1 :]:
            if len(cells[F["id_number"]]) == 15:
                old[entry["county_code"]] += 1
    assert set(old) == {"522326"} and 1 <= old["522326"] <= 25


def test_skipped_rows_are_what_they_say(run, sheets):
    _, _, truth = run
    entry_of = {(e["file"], e["sheet"]): e for e in registry(truth["files"])}
    for skipped in registry(truth["skipped_rows"]):
        cells = sheets[skipped["file"], skipped["sheet"]][skipped["row"] - 1]
        filled = [c for c in cells if c]
        if skipped["reason"] == "blank":
            assert not filled
            assert skipped["row"] < len(sheets[skipped["file"], skipped["sheet"]])
        elif skipped["reason"] == "total":
            assert cells[0] == "合计" and len(filled) >= 2
        elif skipped["reason"] == "section":
            assert len(filled) == 1 and SECTION.match(cells[0])
        elif set(filled) <= PLACEHOLDER_CELLS:
            assert skipped["reason"] == "note" and skipped["row"] in (
                first_row(entry_of[skipped["file"], skipped["sheet"]]),
                first_row(entry_of[skipped["file"], skipped["sheet"]]) + 1,
            )
        else:
            assert len(filled) == 1 and cells[0] == filled[0]


# ---------------------------------------------------------------- truth mart


def _mart(truth) -> dict[tuple[str, str], dict[int, dict]]:
    regions: dict[tuple[str, str], dict[int, dict]] = defaultdict(dict)
    for row in truth["mart_poverty_exit"]:
        regions[row["region_level"], row["region_code"]][row["year"]] = row
    return regions


def test_mart_is_sorted_and_complete(run):
    _, _, truth = run
    rows = truth["mart_poverty_exit"]
    keys = [(LEVELS.index(r["region_level"]), r["region_code"], r["year"]) for r in rows]
    assert keys == sorted(keys) and len(set(keys)) == len(keys)
    years = {r["year"] for r in rows}
    assert years == set(range(2014, max(years) + 1)) and max(years) == 2021
    assert all(len(by_year) == len(years) for by_year in _mart(truth).values())


def _covers(region: tuple[str, str], county: str) -> bool:
    level, code_ = region
    return code_.startswith({"province": county[:2], "city": county[:4]}.get(level, county))


def test_mart_arithmetic(run):
    _, _, truth = run
    regions = _mart(truth)
    children: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for level, code_ in regions:
        if level == "village":
            parent = ("township", code_.rsplit("-", 1)[0])
        elif level == "township":
            parent = ("county", code_.split("-")[0])
        elif level == "county":
            parent = ("city", code_[:4] + "00")
        elif level == "city":
            parent = ("province", code_[:2] + "0000")
        else:
            continue
        children[parent].append((level, code_))
    # A per-person export's returns have no year (returned_households leaves them out) but count
    # in remaining_* from its as-of year: the identity is checked where no such export lies below.
    exports = per_person_counties(truth)
    for region, by_year in regions.items():
        returned = 0
        for y in sorted(by_year):
            row = by_year[y]
            returned += row["returned_households"]
            if any(_covers(region, county) for county in exports):
                continue
            assert row["remaining_households"] == row["registered_households"] - row["cumulative_exited_households"] + returned
            assert row["remaining_persons"] >= 0 and row["registered_persons"] >= row["registered_households"]
        if region[0] != "village":
            assert children[region], region
            for y, row in by_year.items():
                for counter in COUNTERS:
                    assert row[counter] == sum(regions[child][y][counter] for child in children[region]), (region, y)
    assert (
        sum(regions["province", p][2020]["registered_households"] for lvl, p in regions if lvl == "province") == truth["clean_households"]
    )


def test_mart_matches_the_clean_rows_of_the_files(run, sheets):
    """The mart recomputed from the files, skipping the rows the truth lists as defects."""
    _, _, truth = run
    listed = {(d["file"], d["sheet"], d["row"]) for d in truth["defects"]}
    skipped = {(s["file"], s["sheet"], s["row"]) for s in truth["skipped_rows"]}
    households = defaultdict(list)
    for entry in registry(truth["files"]):
        for number, cells in enumerate(sheets[entry["file"], entry["sheet"]][first_row(entry) - 1 :], start=first_row(entry)):
            if (entry["file"], entry["sheet"], number) in listed | skipped:
                continue
            county = entry["county_code"]
            township, village = cells[F["township_name"]], cells[F["village_name"]]
            record = (
                year(cells[F["identification_year"]]),
                year(cells[F["exit_year"]]),
                year(cells[F["returned_year"]]),
                int(norm(cells[F["household_size"]])),
            )
            for key in (("county", county), ("township", local_code(county, township)), ("village", local_code(county, township, village))):
                households[key].append(record)
    exports = per_person_counties(truth)
    regions = {k: v for k, v in _mart(truth).items() if not any(k[1].startswith(code) for code in exports)}
    assert {k for k in regions if k[0] in ("county", "township", "village")} == set(households)
    for key, records in households.items():
        for y, row in regions[key].items():
            registered = [r for r in records if r[0] <= y]
            assert row["registered_households"] == len(registered)
            assert row["registered_persons"] == sum(r[3] for r in registered)
            assert row["exited_households"] == sum(r[1] == y for r in records)
            assert row["exited_persons"] == sum(r[3] for r in records if r[1] == y)
            assert row["cumulative_exited_persons"] == sum(r[3] for r in records if r[1] and r[1] <= y)
            assert row["returned_households"] == sum(r[2] == y for r in records)
            assert row["remaining_persons"] == (
                row["registered_persons"] - row["cumulative_exited_persons"] + sum(r[3] for r in records if r[2] and r[2] <= y)
            )


# ---------------------------------------------------------------- many counties, scale, arguments


def test_twenty_counties_as_csv(many):
    out, summary, truth = many
    files = [f for f in summary["files"] if f.startswith("registry/")]
    assert len({e["county_code"] for e in truth["files"]}) == 20
    assert all(f.endswith(".csv") for f in files) and len(files) == 21  # 新田县 sends one file per 片区
    assert "registry/新田县建档立卡贫困户信息表_第一片区.csv" in files
    extra = [e for e in registry(truth["files"]) if e["file"].split("/")[1][:6].isdigit()]
    assert len(extra) == 15
    assert all(e["file"] == f"registry/{e['county_code']}_{e['file'].split('_', 1)[1]}" for e in extra)
    assert all(e["file"].endswith("建档立卡户.csv") for e in extra)
    assert [e["layout"] for e in extra] == ["A", "D"] * 7 + ["A"]
    for entry in extra:
        assert (out / entry["file"]).read_bytes().startswith(b"\xef\xbb\xbf")
    county_rows = {r["region_code"] for r in truth["mart_poverty_exit"] if r["region_level"] == "county"}
    assert county_rows == {e["county_code"] for e in registry(truth["files"])}
    # Monitoring lists come from the first four counties however many the sample holds, so a national
    # sample does not write lists by the thousand.
    counties = list(dict.fromkeys(e["county_code"] for e in registry(truth["files"])))
    monitoring = [s["file"] for s in truth["monitoring"]["snapshots"]]
    assert {s["county_code"] for s in truth["monitoring"]["snapshots"]} == set(counties[:4])
    assert summary["monitoring_lists"] == len(monitoring) and all(f.endswith(".csv") for f in monitoring)


_MEMORY_PROBE = """
import resource, sys
from pathlib import Path
from sample_data import generate
generate(Path(sys.argv[1]), households=int(sys.argv[2]), fmt="csv", truth=Path(sys.argv[1]) / "truth.json")
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)
"""


def _probe(out: Path, households: int) -> int:
    result = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, str(out), str(households)],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    return int(result.stdout.split()[0])


def test_large_csv_generation_streams(tmp_path):
    small_peak = _probe(tmp_path / "small", 20_000)
    peak = _probe(tmp_path / "large", 200_000)
    # Ten times the households must not mean ten times the memory: rows are never all held.
    # (How fast it writes is the benchmark's business, not a unit test's.)
    assert peak - small_peak < 60, (small_peak, peak)
    lines = sum(1 for p in (tmp_path / "large/registry").iterdir() for _ in p.open("rb"))
    assert lines > 200_000


@pytest.mark.parametrize("kwargs", [{"fmt": "xls"}, {"counties": 4}, {"counties": 900}, {"households": -1}])
def test_bad_arguments_are_refused(tmp_path, kwargs):
    with pytest.raises(ValueError):
        generate(tmp_path, **kwargs)
