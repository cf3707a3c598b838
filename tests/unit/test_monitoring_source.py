"""Monitoring lists (防止返贫监测对象) as a source: the generator's snapshots stage to its truth, per
household and folded from a per-person list; every row rule has a file that breaks it; no name, ID
number, phone or health status reaches stg_monitoring or the quarantine unmasked."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from etl_project.core.regions import RegionIndex
from etl_project.ingest.readers.extract import SourceFileError
from etl_project.ingest.staging.monitoring import date_in_text, parse_code_list, stage_file
from sample_data.generate import generate
from sample_data.monitoring import HOUSEHOLD_HEADERS, PERSON_HEADERS
from schemas.monitoring_sources import STG_MONITORING
from schemas.vocabularies import HELP_MEASURE, RISK_TYPE
from tests.builders import VALID_IDS, write_table

KEY = b"monitoring-test-key"


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("raw")
    truth_path = out.parent / "truth.json"
    generate(out, households=600, seed=11, truth=truth_path)
    truth = json.loads(truth_path.read_text(encoding="utf-8"))
    regions = RegionIndex()
    staged = {entry["file"]: stage_file(out / entry["file"], entry["file"], regions, KEY) for entry in truth["monitoring"]["snapshots"]}
    return out, truth, staged


def _households(truth: dict) -> dict[str, dict]:
    return {h["household_id"]: h for h in truth["monitoring"]["households"]}


def test_the_generator_writes_four_counties_in_both_layouts_over_2021_2025(generated):
    """The sample's first four registry counties send lists, per household and per person in turn,
    as of every half year's end from 2021 to mid-2025; the first and the third also list every
    month's end of one year (2024 for the first, whose lists hold the planted cases)."""
    _, truth, _ = generated
    snapshots = truth["monitoring"]["snapshots"]
    counties = list(dict.fromkeys(s["county_code"] for s in snapshots))
    assert len(counties) == 4
    assert [{s["layout"] for s in snapshots if s["county_code"] == c} for c in counties] == [{"per_household"}, {"per_person"}] * 2
    half_years = {f"{y}-{md}" for y in range(2021, 2026) for md in ("06-30", "12-31")} - {"2025-12-31"}
    monthly_years = []
    for county in counties:
        dates = {s["snapshot_date"] for s in snapshots if s["county_code"] == county}
        assert half_years <= dates, county
        months = dates - half_years
        years = {d[:4] for d in months}
        assert len(years) <= 1, county
        if years:
            (year,) = years
            month_ends = {(pd.Timestamp(f"{year}-{m:02d}-01") + pd.offsets.MonthEnd(0)).date().isoformat() for m in range(1, 13)}
            assert months | {d for d in half_years if d.startswith(year)} == month_ends, county
        monthly_years.append(years.pop() if years else None)
    assert monthly_years[0] == "2024" and monthly_years[2] and not monthly_years[1] and not monthly_years[3]
    # The planted cases are the first county's, but for the other half of the household in two counties
    # and the eliminations at or below a known line, which are wherever the lines are known.
    households = _households(truth)
    elsewhere = ("household_in_two_counties", "income_at_or_below_line")
    planted = {h for case, listed in truth["monitoring"]["planted"].items() if case not in elsewhere for h in listed}
    assert {households[h]["county_code"] for h in planted} == {counties[0]}
    assert [households[h]["county_code"] for h in truth["monitoring"]["planted"]["household_in_two_counties"]] == counties[:2]


def test_each_snapshot_stages_to_the_truth(generated):
    _, truth, staged = generated
    households = _households(truth)
    for snapshot in truth["monitoring"]["snapshots"]:
        rows = staged[snapshot["file"]].staged
        assert len(rows) == snapshot["households"], snapshot["file"]
        by_row = {row: households[h] for h, row in snapshot["rows"].items()}
        assert set(rows["source_row"]) == set(by_row), snapshot["file"]
        as_of = pd.Timestamp(snapshot["snapshot_date"])
        assert set(rows["snapshot_date"]) == {as_of}
        for row in rows.itertuples():
            expected = by_row[row.source_row]
            gone = expected["eliminated_date"] is not None and pd.Timestamp(expected["eliminated_date"]) <= as_of
            assert (row.township_name, row.village_name) == (expected["township"], expected["village"])
            assert row.category_code == expected["category_code"]
            assert row.taken_in_date == pd.Timestamp(expected["taken_in_date"])
            assert row.risk_type_codes == expected["risk_type_codes"]
            assert (None if pd.isna(row.measure_codes) else row.measure_codes) == expected["measure_codes"]
            assert row.household_size == expected["household_size"]
            assert row.labour_count == expected["labour_count"]
            assert bool(row.risk_eliminated) == gone
            assert (row.eliminated_date == pd.Timestamp(expected["eliminated_date"])) if gone else pd.isna(row.eliminated_date)
            assert (row.elimination_method_code == expected["elimination_method_code"]) if gone else pd.isna(row.elimination_method_code)
            income = expected["income_exit_yuan"] if gone else expected["income_entry_yuan"]
            assert float(row.income_per_person_yuan) == pytest.approx(income)


def test_the_planted_row_defects_and_only_they_are_quarantined(generated):
    _, truth, staged = generated
    files = set(staged)
    expected = {(d["file"], d["row"], d["rule"]) for d in truth["defects"] if d["file"] in files}
    found = {(f, int(r), rule) for f, s in staged.items() for r, rule in zip(s.quarantine["source_row"], s.quarantine["rule"])}
    assert expected and found == expected
    rules = {rule for _, _, rule in found}
    assert {"eliminated_before_taken_in", "unknown_code_in_list", "eliminated_without_date", "household_member_rejected"} <= rules


def test_every_row_is_accounted_for(generated):
    _, truth, staged = generated
    for snapshot in truth["monitoring"]["snapshots"]:
        result = staged[snapshot["file"]]
        assert result.rows_loaded + result.rows_quarantined == snapshot["data_rows"]
        assert result.skipped_total == 1


def test_the_same_head_in_two_counties_has_one_key_and_the_planted_cases_are_listed(generated):
    _, truth, staged = generated
    planted = truth["monitoring"]["planted"]
    assert set(planted) == {
        "eliminated_within_six_months",
        "eliminated_without_measure",
        "eliminated_without_labour",
        "unstable_not_exited_in_registry",
        "edge_household_registered_poor",
        "household_in_two_counties",
        "missing_from_later_snapshot",
        "place_only_in_monitoring",
        "income_at_or_below_line",
    }
    households = _households(truth)
    pair = planted["household_in_two_counties"]
    assert len(pair) == 2 and len({households[h]["county_code"] for h in pair}) == 2
    keys = {}
    for snapshot in truth["monitoring"]["snapshots"]:
        rows = staged[snapshot["file"]].staged.set_index("source_row")
        for household, row in snapshot["rows"].items():
            keys.setdefault(household, set()).add(rows.loc[row, "household_key"])
    assert all(len(k) == 1 for k in keys.values())
    assert keys[pair[0]] == keys[pair[1]]
    assert len({next(iter(k)) for h, k in keys.items() if h not in pair}) == len(keys) - 2
    dropped = households[planted["missing_from_later_snapshot"][0]]
    later = [
        s["snapshot_date"]
        for s in truth["monitoring"]["snapshots"]
        if s["county_code"] == dropped["county_code"] and s["snapshot_date"] > dropped["last_listed"]
    ]
    assert dropped["eliminated_date"] is None and dropped["snapshots"][-1] == dropped["last_listed"] and later
    assert all(dropped["household_id"] not in s["rows"] for s in truth["monitoring"]["snapshots"] if s["snapshot_date"] in later)
    early = households[planted["eliminated_within_six_months"][0]]
    assert (pd.Timestamp(early["eliminated_date"]) - pd.Timestamp(early["taken_in_date"])).days < 183
    assert households[planted["eliminated_without_measure"][0]]["measure_codes"] is None
    assert households[planted["eliminated_without_labour"][0]]["labour_count"] == 0
    assert not households[planted["unstable_not_exited_in_registry"][0]]["in_registry"]
    assert households[planted["edge_household_registered_poor"][0]]["in_registry"]


def _personal_values(path: Path) -> set[str]:
    sheet = openpyxl.load_workbook(path, read_only=True).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(h) for h in rows[2]]
    wanted = [i for i, h in enumerate(header) if h in ("户主姓名", "姓名", "证件号码", "联系电话")]
    return {str(r[i]) for r in rows[3:] for i in wanted if r[i] not in (None, "")}


def test_no_personal_data_in_staging_or_quarantine(generated):
    out, _, staged = generated
    assert {"head_name", "id_number", "phone", "health", "household_id"}.isdisjoint(STG_MONITORING.column_names)
    for file, result in staged.items():
        personal = _personal_values(out / file)
        assert personal
        for frame in (result.staged, result.quarantine):
            text = {str(v) for v in frame.astype(str).stack()}
            assert not any(p in t for p in personal for t in text), file


# ---------------------------------------------------------------- row rules, one file each

# The generator's per-household layout, its income header spelled without the unit, as the column
# map also knows it.
HEADERS = [h.replace("（元）", "") for h in HOUSEHOLD_HEADERS]


def _row(**overrides) -> list:
    row = dict(
        zip(
            HEADERS,
            [
                "紫云县",
                "猫营镇",
                "大河村",
                "M001",
                "王小明",
                VALID_IDS[1],
                "4",
                "2",
                "脱贫不稳定户",
                "2021-03-05",
                "因病、因学",
                "6500",
                "产业帮扶、健康帮扶",
                "否",
                "",
                "",
                "13812345678",
            ],
        )
    )
    row.update(overrides)
    return [row[h] for h in HEADERS]


def _stage(
    tmp_path: Path, rows: list[list], headers=HEADERS, title="紫云县防止返贫监测对象名单（截至2023年6月30日）", name="监测对象.xlsx"
):
    path = tmp_path / name
    excel_rows = write_table(path, headers, rows, title=title, unit_row="单位：人、元")
    return stage_file(path, f"monitoring/{name}", RegionIndex(), KEY), excel_rows


BROKEN = [
    ({"纳入监测时间": "2023-08-01"}, "taken_in_after_snapshot", "taken_in_date"),
    ({"是否风险消除": "是", "风险消除时间": "2021-01-05", "风险消除方式": "帮扶消除"}, "eliminated_before_taken_in", "eliminated_date"),
    ({"是否风险消除": "是", "风险消除时间": "2023-09-01", "风险消除方式": "帮扶消除"}, "eliminated_after_snapshot", "eliminated_date"),
    ({"是否风险消除": "是"}, "eliminated_without_date", "risk_eliminated"),
    ({"是否风险消除": "否", "风险消除时间": "2022-05-01"}, "elimination_date_but_not_eliminated", "risk_eliminated"),
    ({"风险类型": "因病、因懒"}, "unknown_code_in_list", "risk_types"),
    ({"帮扶措施": "产业帮扶/发红包"}, "unknown_code_in_list", "measures"),
    ({"监测对象类别": "一般户"}, "unknown_code", "category_code"),
    ({"风险消除方式": "自行消失", "是否风险消除": "是", "风险消除时间": "2022-05-01"}, "unknown_code", "elimination_method_code"),
    ({"纳入监测时间": "2019-05-01"}, "date_out_of_range", "taken_in_date"),
    ({"纳入监测时间": "去年"}, "not_a_date", "taken_in_date"),
    ({"户编号": "", "证件号码": ""}, "household_unidentified", "household_id"),
    ({"风险类型": ""}, "required_missing", "risk_types"),
    ({"县": "火星县"}, "unknown_region", "county_name"),
]


@pytest.mark.parametrize("overrides, rule, column", BROKEN, ids=[f"{r}-{c}" for _, r, c in BROKEN])
def test_each_row_rule_has_a_row_that_breaks_it(tmp_path, overrides, rule, column):
    clean = _row(**{"户编号": "M000", "证件号码": VALID_IDS[2]})
    result, excel_rows = _stage(tmp_path, [clean, _row(**overrides)])
    assert len(result.staged) == 1 and set(result.staged["source_row"]) == {excel_rows[0]}
    broken = result.quarantine[result.quarantine["source_row"] == excel_rows[1]]
    assert (rule, column) in set(zip(broken["rule"], broken["column_name"])), broken[["rule", "column_name"]]
    message = broken[broken["rule"] == rule].iloc[0]
    assert message["message_zh"] and message["message_en"] and message["source_file"] == "monitoring/监测对象.xlsx"
    assert message["source_sheet"] == "Sheet1"


def test_a_quarantined_rows_personal_values_are_masked(tmp_path):
    result, _ = _stage(tmp_path, [_row(**{"证件号码": VALID_IDS[1][:-1] + "0"})])
    assert set(result.quarantine["rule"]) == {"id_check_digit"}
    shown = result.quarantine["value_masked"].iloc[0]
    assert VALID_IDS[1][:-1] not in shown and "*" in shown


def test_vocabularies_by_code_or_name_and_cells_of_several_values():
    cells = pd.Series(["因病、因学", "1,3", "03/01", "缺劳力；住房出现安全问题/刚性支出过大", "因灾", None, "因病，火星"])
    codes, unknown = parse_code_list(cells, RISK_TYPE)
    assert codes.tolist()[:5] == ["01,03", "01,03", "01,03", "08,09", "04"]
    assert pd.isna(codes[5]) and unknown[6] == "火星" and unknown[:6].isna().all()
    codes, unknown = parse_code_list(pd.Series(["综合保障(低保/特困)、公益岗", "08"]), HELP_MEASURE)
    assert codes.tolist() == ["03,08", "08"] and unknown.isna().all()


def test_the_snapshot_date_from_a_column_the_title_or_the_file_name(tmp_path):
    assert date_in_text("紫云县防止返贫监测对象名单（截至2023年6月30日）") == pd.Timestamp("2023-06-30")
    assert date_in_text("监测对象_2023年06月") == pd.Timestamp("2023-06-30")
    assert date_in_text("监测对象202402") == pd.Timestamp("2024-02-29")
    titled, _ = _stage(tmp_path, [_row()])
    assert set(titled.staged["snapshot_date"]) == {pd.Timestamp("2023-06-30")} and not titled.warnings()
    named, _ = _stage(tmp_path, [_row()], title="防止返贫监测对象名单", name="监测对象_2022年09月.xlsx")
    assert set(named.staged["snapshot_date"]) == {pd.Timestamp("2022-09-30")} and "its file name" in " ".join(named.warnings())
    with_column, _ = _stage(tmp_path, [_row() + ["2022-03-31"]], headers=HEADERS + ["统计时间"], title="防止返贫监测对象名单")
    assert set(with_column.staged["snapshot_date"]) == {pd.Timestamp("2022-03-31")}
    with pytest.raises(SourceFileError, match="统计时间|snapshot|date"):
        _stage(tmp_path, [_row()], title="防止返贫监测对象名单")


# ---------------------------------------------------------------- the per-person layout

# The generator's per-person layout, its county and township headers spelled as the per-household one spells them.
PERSON = ["县", "乡镇", *PERSON_HEADERS[2:]]


def _member(name: str, number: str, relation: str, size: str, skill: str, household: list[str] | None = None) -> list:
    place = ["紫云县", "猫营镇", "大河村", "M9"]
    return place + [name, number, relation, size, "长期慢性病", skill] + (household or [""] * 9)


def test_a_per_person_list_folds_to_its_households_and_checks_its_size(tmp_path):
    values = ["边缘易致贫户", "2022-02-01", "因病", "5200", "健康帮扶", "否", "", "", "13812345678"]
    rows = [
        _member("王小明", VALID_IDS[1], "户主", "2", "普通劳动力", values),
        _member("王大", VALID_IDS[0], "之子", "2", "无劳动力"),
        _member("李四", VALID_IDS[2], "户主", "3", "丧失劳动力", values),  # 人数 3, two members listed
        _member("李五", VALID_IDS[3], "配偶", "3", "普通劳动力"),
        _member("张三", VALID_IDS[4], "本人", "1", "无劳动力", ["突发严重困难户", "2023-01-01", "因意外事故", "6000", "", "", "", "", ""]),
    ]
    result, excel_rows = _stage(tmp_path, rows, headers=PERSON)
    staged = result.staged.set_index("source_row")
    assert set(staged.index) == {excel_rows[0], excel_rows[4]}
    assert staged.loc[excel_rows[0], "household_size"] == 2 and staged.loc[excel_rows[0], "labour_count"] == 1
    assert staged.loc[excel_rows[4], "household_size"] == 1 and staged.loc[excel_rows[4], "labour_count"] == 0
    assert staged.loc[excel_rows[4], "category_code"] == "03" and staged.loc[excel_rows[4], "risk_type_codes"] == "05"
    rejected = set(zip(result.quarantine["source_row"], result.quarantine["rule"]))
    assert rejected == {(excel_rows[2], "household_size_differs_from_members"), (excel_rows[3], "household_member_rejected")}
    assert result.rows_loaded == 3 and result.rows_quarantined == 2
    # Health status is sensitive: it is read, never staged, never shown.
    for frame in (result.staged, result.quarantine):
        assert "长期慢性病" not in {str(v) for v in frame.astype(str).stack()}


def test_a_household_value_left_blank_on_the_heads_row_rejects_the_head(tmp_path):
    values = ["边缘易致贫户", "2022-02-01", "因病", "5200", "健康帮扶", "否", "", "", "13812345678"]
    no_risk = ["边缘易致贫户", "2022-02-01", "", "5200", "健康帮扶", "否", "", "", "13812345678"]
    rows = [
        _member("王小明", VALID_IDS[1], "户主", "1", "普通劳动力", values),
        _member("李四", VALID_IDS[2], "户主", "1", "丧失劳动力", no_risk),
    ]
    result, excel_rows = _stage(tmp_path, rows, headers=PERSON)
    assert set(result.staged["source_row"]) == {excel_rows[0]}
    rejected = set(zip(result.quarantine["source_row"], result.quarantine["rule"], result.quarantine["column_name"]))
    assert (excel_rows[1], "required_missing", "risk_types") in rejected
    assert not {row for row, _, _ in rejected} & {excel_rows[0]}


def test_the_generator_plants_an_elimination_below_a_known_line_only_where_none_is():
    """A county whose eliminations meet known lines but none at or below gets one 100 yuan below its
    line; a county already holding one, or whose lines are unknown, is left as it is."""
    from datetime import date

    from sample_data import monitoring as sample

    head = sample.Head("", "", "", "", 3, 0.0, "", False)

    def spell(county: str, number: int, year: int, income: float) -> sample.Monitored:
        s = sample.Monitored(f"{county}M{number:05d}", county, head, False, "02", date(year - 1, 3, 1), ["01"], ["02"], 5000.0, income, 1)
        s.eliminated, s.method = date(year, 6, 1), "by_help"
        return s

    lines = {("430000", 2022): 6900.0}
    above = [spell("431171", 1, 2021, 5000.0), spell("431171", 2, 2022, 9000.0), spell("431171", 3, 2022, 8000.0)]
    sample._plant_below_line(above, lines)
    assert [s.income_exit for s in above] == [5000.0, 6800.0, 8000.0]
    assert [sample.income_judgement(s, lines) for s in above] == ["line_unknown", "at_or_below_line", "above_line"]
    already = [spell("431171", 1, 2022, 9000.0), spell("431171", 2, 2022, 6900.0)]
    unknown = [spell("520425", 1, 2022, 9000.0)]
    for spells in (already, unknown):
        incomes = [s.income_exit for s in spells]
        sample._plant_below_line(spells, lines)
        assert [s.income_exit for s in spells] == incomes
