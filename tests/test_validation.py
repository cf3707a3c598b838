"""Every registry rule fails on a row that breaks it, at that row, and only there."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl_project.regions import RegionIndex
from etl_project.staging.registry import stage_file
from etl_project.staging.pipeline import rules_of
from etl_project.staging.registry import REGISTRY
from tests.builders import VALID_IDS, household, write_xlsx

REGIONS = RegionIndex()
KEY = b"test-key"

BREAKERS = {
    "required_missing": ({"家庭人口数": ""}, "household_size"),
    "id_number_format": ({"证件号码": "52042519800101"}, "id_number"),
    "id_check_digit": ({"证件号码": "520425198001010015"}, "id_number"),
    "household_size_range": ({"家庭人口数": "21"}, "household_size"),
    "unknown_code": ({"主要致贫原因": "因懒"}, "main_cause_code"),
    "identification_year_range": ({"识别年度": "2012", "脱贫年度": "2016"}, "identification_year"),
    "exit_year_range": ({"脱贫年度": "2040"}, "exit_year"),
    "returned_year_range": ({"脱贫状态": "返贫", "脱贫年度": "2016", "返贫年度": "2045"}, "returned_year"),
    "income_range": ({"人均纯收入（元）": "-1200"}, "income_per_person"),
    "exit_before_identification": ({"识别年度": "2016", "脱贫年度": "2015"}, "exit_year"),
    "returned_before_exit": ({"脱贫状态": "返贫", "脱贫年度": "2017", "返贫年度": "2016"}, "returned_year"),
    "status_inconsistent": ({"脱贫状态": "未脱贫", "脱贫年度": "2016"}, "status_code"),
    "duplicate_household": (None, "household_id"),
    "not_an_integer": ({"家庭人口数": "四口"}, "household_size"),
    "not_a_year": ({"识别年度": "去年"}, "identification_year"),
    "not_a_number": ({"人均纯收入（元）": "约三千"}, "income_per_person"),
    "not_yes_no": ({"住房安全有保障": "基本"}, "housing_secure"),
    "unknown_region": ({"县": "不存在县"}, "county_name"),
    "personal_number_in_place_name": ({"行政村": "139 0000 0101"}, "village_name"),
    # the title row says 紫云县 (tests/builders.write_xlsx)
    "context_conflict": ({"县": "望谟县"}, "county_name"),
}


def test_every_rule_has_a_breaking_fixture():
    assert set(BREAKERS) == set(rules_of(REGISTRY))


def _stage(tmp_path: Path, rows):
    path = tmp_path / "registry.xlsx"
    excel_rows = write_xlsx(path, rows)
    return stage_file(path, "registry/registry.xlsx", REGIONS, KEY), excel_rows


def test_valid_rows_pass(tmp_path: Path):
    rows = [household(**{"户编号": f"52042500100{i}", "证件号码": VALID_IDS[i]}) for i in range(3)]
    staged, _ = _stage(tmp_path, rows)
    assert staged.quarantine.empty
    assert staged.rows_loaded == 3


@pytest.mark.parametrize("rule", sorted(BREAKERS))
def test_rule_rejects_the_row_that_breaks_it(tmp_path: Path, rule: str):
    overrides, column = BREAKERS[rule]
    good = household(**{"户编号": "5204250010001", "证件号码": VALID_IDS[0]})
    if overrides is None:  # a duplicate is an exact copy of an earlier row
        bad = list(good)
    else:
        bad = household(**{"户编号": "5204250010002", "证件号码": VALID_IDS[2], **overrides})
    staged, excel_rows = _stage(tmp_path, [good, bad, household(**{"户编号": "5204250010003", "证件号码": VALID_IDS[3]})])
    q = staged.quarantine
    hits = q[(q["rule"] == rule) & (q["source_row"] == excel_rows[1])]
    assert len(hits) == 1, q[["source_row", "rule", "column_name"]].to_string()
    hit = hits.iloc[0]
    assert hit["column_name"] == column and hit["source_sheet"] == "花名册" and hit["source_file"] == "registry/registry.xlsx"
    assert hit["message_zh"] and hit["message_en"]
    # Only the broken row is rejected; the good ones load.
    assert set(q["source_row"]) == {excel_rows[1]}
    assert staged.rows_loaded == 2 and staged.rows_quarantined == 1
    assert staged.rows_read == staged.rows_loaded + staged.rows_quarantined + staged.rows_skipped


def test_quarantine_masks_personal_values(tmp_path: Path):
    bad = household(**{"证件号码": "520425198001010015"})
    staged, _ = _stage(tmp_path, [bad])
    shown = staged.quarantine.loc[staged.quarantine["rule"] == "id_check_digit", "value_masked"].iloc[0]
    assert shown == "5204**********0015"


def test_fifteen_digit_ids_are_upgraded_not_rejected(tmp_path: Path):
    staged, _ = _stage(tmp_path, [household(**{"证件号码": "110105491231002"})])
    assert staged.quarantine.empty
    eighteen, _ = _stage(tmp_path, [household(**{"证件号码": "11010519491231002X"})])
    assert staged.staged["household_key"].tolist() == eighteen.staged["household_key"].tolist()


def test_staged_rows_hold_no_personal_data(tmp_path: Path):
    staged, _ = _stage(tmp_path, [household()])
    text = staged.staged.astype(str).to_string()
    for personal in ("王小明", VALID_IDS[1], "13812345678"):
        assert personal not in text
