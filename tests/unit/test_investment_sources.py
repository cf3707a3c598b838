"""Fund ledgers, project lists and village lists: units, totals, and every rule on a breaking fixture."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl_project.core.regions import RegionIndex
from etl_project.ingest.staging.investment import FUNDS, PROJECTS, VILLAGES, stage_funds, stage_projects, stage_villages
from etl_project.ingest.staging.pipeline import rules_of
from tests.builders import FUND_HEADERS, PROJECT_HEADERS, VILLAGE_HEADERS, fund_row, project_row, village_row, write_table

REGIONS = RegionIndex()
KEY = b"test-key"


def _ledger(tmp_path: Path, rows, unit_row="单位：万元", name="ledger.xlsx") -> tuple[Path, dict]:
    path = tmp_path / name
    return path, write_table(path, FUND_HEADERS, rows, "贵阳经开区2019年对口帮扶紫云县资金台账", unit_row, sheet="台账")


def test_amounts_follow_the_unit_row_and_totals_are_checked(tmp_path: Path):
    rows = [
        fund_row(1, 金额=12.5),
        fund_row(2, 金额=3, 帮扶单位="经开区教育局", 资金类别="教育扶贫"),
        ["小计", "", "", "", "", "", "", "", "", "", "", 15.5, ""],
        fund_row(3, 金额=2.25, 帮扶单位="某某建设公司", 单位类型="企业", 资金来源="社会捐赠"),
        ["小计", "", "", "", "", "", "", "", "", "", "", 2.25, ""],
        ["合计", "", "", "", "", "", "", "", "", "", "", 20, ""],
    ]
    path, excel_rows = _ledger(tmp_path, rows)
    staged = stage_funds(path, "funds/ledger.xlsx", REGIONS, KEY, {"ZY-2019-001"})
    assert staged.staged["amount_yuan"].tolist() == [125000.0, 30000.0, 22500.0]
    assert staged.staged["category"].tolist() == ["industry", "education", "industry"]
    assert staged.staged["donor_type"].tolist() == ["department", "department", "enterprise"]
    totals = staged.totals.set_index("source_row")
    assert totals.loc[excel_rows[2], "difference_yuan"] == 0 and totals.loc[excel_rows[4], "difference_yuan"] == 0
    assert totals.loc[excel_rows[5], "label"] == "合计"
    assert totals.loc[excel_rows[5], "difference_yuan"] == pytest.approx(200000 - 177500)
    assert staged.rows_skipped == 3 and staged.rows_read == staged.rows_loaded + staged.rows_quarantined + staged.rows_skipped


def test_amount_unit_in_header_overrides_and_yuan_text_with_separators(tmp_path: Path):
    headers = [h if h != "金额" else "金额（元）" for h in FUND_HEADERS]
    path = tmp_path / "yuan.xlsx"
    write_table(path, headers, [fund_row(1, 金额="1,250,000.00"), fund_row(2, 金额="１２万")], "资金台账", "单位：万元")
    staged = stage_funds(path, "funds/yuan.xlsx", REGIONS, KEY, None)
    assert staged.staged["amount_yuan"].tolist() == [1250000.0, 120000.0]


def test_ledger_csv_gb18030_and_dates_in_every_form(tmp_path: Path):
    import csv

    path = tmp_path / "受援县台账.csv"
    header = ["日期", "帮扶单位", "单位类型", "上级单位", "受援县", "受援乡镇", "受援村", "项目编号", "资金类别", "资金来源", "金额（元）"]
    body = [
        ["2019.5.27", "经开区财政局", "部门", "贵阳经开区", "紫云苗族布依族自治县", "猫营镇", "大河村", "", "产业", "财政专项", "1,000"],
        ["20190601", "经开区财政局", "部门", "贵阳经开区", "紫云县", "", "", "", "基础设施", "信贷", "2000"],
        ["43617", "经开区财政局", "部门", "贵阳经开区", "紫云县", "", "", "", "医疗", "单位自筹", "3000"],
        ["合计", "", "", "", "", "", "", "", "", "", "6,000"],
    ]
    with path.open("w", encoding="gb18030", newline="") as handle:
        csv.writer(handle).writerows([["紫云县帮扶资金台账"] + [""] * 10, header, *body])
    staged = stage_funds(path, "funds/受援县台账.csv", REGIONS, KEY, None)
    assert [str(d.date()) for d in staged.staged["fund_date"]] == ["2019-05-27", "2019-06-01", "2019-06-01"]
    assert staged.staged["county_code"].unique().tolist() == ["520425"]
    assert staged.staged["township_code"].isna().tolist() == [False, True, True]
    assert staged.totals["difference_yuan"].tolist() == [0.0]


def test_individual_donors_are_pseudonymised(tmp_path: Path):
    path, _ = _ledger(tmp_path, [fund_row(1, 帮扶单位="王小明", 单位类型="个人", 资金来源="社会募捐")])
    staged = stage_funds(path, "funds/ledger.xlsx", REGIONS, KEY, None)
    assert staged.staged["donor_name"].isna().all()
    assert staged.staged["donor_key"].iloc[0].startswith("p-") and "王小明" not in staged.staged.to_string()


def _assert_only_the_second_row_quarantined(quarantine, excel_rows: dict, rule: str, column: str) -> None:
    """Of three rows, the second, which breaks ``rule`` on ``column``, is the one quarantined."""
    assert set(quarantine["source_row"]) == {excel_rows[1]}, quarantine.to_string()
    assert ((quarantine["rule"] == rule) & (quarantine["column_name"] == column)).any(), quarantine[["rule", "column_name"]].to_string()


def test_project_scale_and_amounts(tmp_path: Path):
    rows = [project_row(), project_row(**{"项目编号": "P2", "建设规模": "1.2万平方米", "计划投资（万元）": "120"})]
    path = tmp_path / "projects.xlsx"
    write_table(path, PROJECT_HEADERS, rows, "紫云县扶贫项目库", "单位：万元")
    staged = stage_projects(path, "projects/projects.xlsx", REGIONS, KEY).staged
    assert staged["scale_value"].tolist() == [200.0, 12000.0] and staged["scale_unit"].tolist() == ["亩", "平方米"]
    assert staged["planned_investment_yuan"].tolist() == [500000.0, 1200000.0]
    assert staged["status"].tolist() == ["completed", "completed"] and staged["project_type"].tolist() == ["industry"] * 2


# (source, rule): (what the second of three rows is changed to, the staged column the rule names)
BREAKERS = {
    ("funds", "required_missing"): ({"资金来源": ""}, "fund_source"),
    ("funds", "amount_not_positive"): ({"金额": -2}, "amount"),
    ("funds", "date_out_of_range"): ({"日期": "2012年12月31日"}, "fund_date"),
    ("funds", "not_a_date"): ({"日期": "去年五月"}, "fund_date"),
    ("funds", "not_a_number"): ({"金额": "若干"}, "amount"),
    ("funds", "unknown_code"): ({"资金类别": "吃喝"}, "category"),
    ("funds", "unknown_region"): ({"县": "不存在县"}, "county_name"),
    ("funds", "unknown_project"): ({"项目编号": "NOPE-1"}, "project_code"),
    ("funds", "personal_number_in_place_name"): ({"村": "13900000101"}, "village_name"),
    ("funds", "context_conflict"): ({"县": "望谟县"}, "county_name"),  # the title names 紫云县
    ("projects", "required_missing"): ({"项目名称": ""}, "project_name"),
    ("projects", "planned_investment_not_positive"): ({"计划投资（万元）": 0}, "planned_investment"),
    ("projects", "date_out_of_range"): ({"开工日期": "2011-01-01"}, "start_date"),
    ("projects", "not_a_date"): ({"开工日期": "春节后"}, "start_date"),
    ("projects", "not_a_number"): ({"计划投资（万元）": "待定"}, "planned_investment"),
    ("projects", "not_an_integer"): ({"带动贫困户数": "三十"}, "households_benefited"),
    ("projects", "benefited_negative"): ({"带动贫困户数": -3}, "households_benefited"),
    ("projects", "unknown_code"): ({"项目类型": "形象工程"}, "project_type"),
    ("projects", "end_before_start"): ({"开工日期": "2019-05-01", "完工日期": "2019-01-01"}, "end_date"),
    ("projects", "duplicate_project"): ({"项目编号": "ZY-2019-001"}, "project_code"),
    ("projects", "unknown_region"): ({"县": "不存在县"}, "county_name"),
    ("projects", "personal_number_in_place_name"): ({"乡镇": "520425-19800101-0014"}, "township_name"),
    ("projects", "context_conflict"): ({"县": "望谟县"}, "county_name"),  # the title names 紫云县
    ("villages", "required_missing"): ({"是否贫困村": ""}, "is_poor_village"),
    ("villages", "not_yes_no"): ({"是否贫困村": "也许"}, "is_poor_village"),
    ("villages", "not_a_year"): ({"出列年度": "明年"}, "exit_year"),
    ("villages", "exit_year_range"): ({"出列年度": "2040"}, "exit_year"),
    ("villages", "not_an_integer"): ({"户籍人口": "很多"}, "registered_population"),
    ("villages", "not_a_number"): ({"村集体经济收入（万元）": "没有"}, "collective_income"),
    ("villages", "population_negative"): ({"户籍人口": -5, "农业人口": -9}, "registered_population"),
    ("villages", "exit_year_without_poor_flag"): ({"是否贫困村": "否"}, "exit_year"),
    ("villages", "agricultural_above_registered"): ({"农业人口": 5000}, "agricultural_population"),
    ("villages", "duplicate_village"): ({"行政村": "大河村"}, "village_name"),
    ("villages", "unknown_region"): ({"县": "不存在县"}, "county_name"),
    ("villages", "personal_number_in_place_name"): ({"行政村": "１３９ ００００ ０１０１"}, "village_name"),
    ("villages", "context_conflict"): ({"县": "望谟县"}, "county_name"),  # the title names 紫云县
}


def _stage_three_funds(tmp_path: Path, overrides: dict):
    path, excel_rows = _ledger(tmp_path, [fund_row(1), fund_row(2, **overrides), fund_row(3)])
    return stage_funds(path, "funds/ledger.xlsx", REGIONS, KEY, {"ZY-2019-001"}), excel_rows


def _stage_three_projects(tmp_path: Path, overrides: dict):
    rows = [project_row(), project_row(**{"项目编号": "ZY-2019-002", **overrides}), project_row(**{"项目编号": "ZY-2019-003"})]
    path = tmp_path / "projects.xlsx"
    excel_rows = write_table(path, PROJECT_HEADERS, rows, "紫云县扶贫项目库", "单位：万元、户、人")
    return stage_projects(path, "projects/projects.xlsx", REGIONS, KEY), excel_rows


def _stage_three_villages(tmp_path: Path, overrides: dict):
    rows = [village_row(), village_row(**{"行政村": "新寨村", **overrides}), village_row(**{"行政村": "坝子村"})]
    path = tmp_path / "villages.xlsx"
    excel_rows = write_table(path, VILLAGE_HEADERS, rows, "紫云县行政村名单", "单位：人、万元")
    return stage_villages(path, "villages/villages.xlsx", REGIONS, KEY), excel_rows


STAGE_THREE_ROWS = {"funds": _stage_three_funds, "projects": _stage_three_projects, "villages": _stage_three_villages}


@pytest.mark.parametrize(("source", "rule"), sorted(BREAKERS), ids=[f"{source}-{rule}" for source, rule in sorted(BREAKERS)])
def test_rule_rejects_the_row_that_breaks_it(tmp_path: Path, source: str, rule: str):
    overrides, column = BREAKERS[source, rule]
    staged, excel_rows = STAGE_THREE_ROWS[source](tmp_path, overrides)
    _assert_only_the_second_row_quarantined(staged.quarantine, excel_rows, rule, column)
    assert staged.rows_loaded == 2


@pytest.mark.parametrize(("source", "spec"), [("funds", FUNDS), ("projects", PROJECTS), ("villages", VILLAGES)])
def test_every_rule_has_a_breaking_fixture(source: str, spec):
    assert {rule for of, rule in BREAKERS if of == source} == set(rules_of(spec))
