"""Every registry rule fails on a row that breaks it, at that row, and only there."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl_project.core.regions import RegionIndex
from etl_project.ingest.staging.pipeline import rules_of
from etl_project.ingest.staging.registry import PERSONS, REGISTRY, stage_file
from tests.builders import PERSON_HEADERS, VALID_IDS, household, member, write_table, write_xlsx

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
    # a duplicate is an exact copy of an earlier row
    bad = list(good) if overrides is None else household(**{"户编号": "5204250010002", "证件号码": VALID_IDS[2], **overrides})
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


# ---------------------------------------------------------------- the per-person layout (national export)


def _id(first17: str) -> str:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, weights)) % 11]


MEMBER_IDS = [_id(f"5204252010{m:02d}1501{s}") for m, s in ((3, 3), (4, 4), (5, 5), (6, 6))]  # children born 2010
ADULT = {"与户主关系": "配偶", "证件号码": VALID_IDS[2], "性别": "女"}
CHILD = {"与户主关系": "之子", "证件号码": MEMBER_IDS[0], "在校生状况": "小学", "劳动能力": "无劳动力", "务工时间（月）": "0"}
# rule: (the broken household's rows as overrides of a head's row, the column the rule names)
PERSON_BREAKERS = {
    "required_missing": ([{}, {**CHILD, "证件号码": ""}], "id_number"),
    "id_number_format": ([{}, {**CHILD, "证件号码": "52042520100315"}], "id_number"),
    "id_check_digit": ([{}, {**CHILD, "证件号码": MEMBER_IDS[0][:17] + ("0" if MEMBER_IDS[0][17] != "0" else "1")}], "id_number"),
    "household_size_range": ([{"人数": "21"}, {**CHILD, "人数": "21"}], "household_size"),
    "unknown_code": ([{}, {**CHILD, "劳动能力": "全劳力"}], "labour_skill"),
    "work_months_range": ([{}, {**ADULT, "务工时间（月）": "14"}], "work_months"),
    "income_range": ([{"人均纯收入": "-5"}, CHILD], "income_per_person"),
    "personal_number_in_place_name": ([{"行政村": "139 0000 0101"}, {**CHILD, "行政村": "139 0000 0101"}], "village_name"),
    "person_in_two_households": ([{}, {**CHILD, "证件号码": VALID_IDS[0]}], "id_number"),
    "not_an_integer": ([{"人数": "四口"}, CHILD], "household_size"),
    "not_a_number": ([{"人均纯收入": "约三千"}, CHILD], "income_per_person"),
    "not_yes_no": ([{}, {**CHILD, "是否参加新农合": "基本"}], "rural_medical_insured"),
    "unknown_region": ([{"县(市、区、旗)": "不存在县"}, {**CHILD, "县(市、区、旗)": "不存在县"}], "county_name"),
    "household_without_head": ([{"行政村": "小河村", **ADULT, "证件号码": VALID_IDS[1]}, {**CHILD, "行政村": "小河村"}], "relation"),
    "household_with_two_heads": ([{"人数": "3"}, {**ADULT, "与户主关系": "户主", "人数": "3"}, {**CHILD, "人数": "3"}], "relation"),
    "household_member_rejected": ([{}, {**CHILD, "劳动能力": "全劳力"}], "relation"),
    "schooling_contradicts_age": ([{}, {**ADULT, "在校生状况": "小学"}], "schooling"),
    # the title names 紫云县 (see below); this household's rows another county
    "context_conflict": ([{"县(市、区、旗)": "望谟县"}, {**CHILD, "县(市、区、旗)": "望谟县"}], "county_name"),
}


def test_every_person_rule_has_a_breaking_fixture():
    assert set(PERSON_BREAKERS) == set(rules_of(PERSONS))


@pytest.mark.parametrize("rule", sorted(PERSON_BREAKERS))
def test_person_rule_quarantines_the_whole_household(tmp_path: Path, rule: str):
    """A good household, the broken one, another good one: the broken household's every row is in
    quarantine, one of them under the rule; the others load whole."""
    broken, column = PERSON_BREAKERS[rule]
    size = str(len(broken))
    rows = [member(**{"证件号码": VALID_IDS[0], "人数": "1"})]
    rows += [member(**{"证件号码": VALID_IDS[1], "人数": size, **overrides}) for overrides in broken]
    rows += [member(**{"证件号码": VALID_IDS[3], "人数": "2"}), member(**{**CHILD, "证件号码": MEMBER_IDS[1], "人数": "2"})]
    path = tmp_path / "罕台镇2016年贫困户信息列表.xlsx"
    excel_rows = write_table(path, PERSON_HEADERS, rows, title="紫云县贫困户信息列表", unit_row="")
    staged = stage_file(path, "registry/罕台镇2016年贫困户信息列表.xlsx", REGIONS, KEY)
    q = staged.quarantine
    broken_rows = {excel_rows[i] for i in range(1, 1 + len(broken))}
    assert set(q["source_row"]) == broken_rows, q[["source_row", "rule", "column_name"]].to_string()
    hits = q[(q["rule"] == rule) & (q["column_name"] == column)]
    assert len(hits) >= 1 and set(hits["source_row"]) <= broken_rows, q[["source_row", "rule", "column_name"]].to_string()
    assert hits.iloc[0]["message_zh"] and hits.iloc[0]["message_en"]
    assert staged.rows_loaded == 3 and staged.rows_quarantined == len(broken)
    assert len(staged.staged) == 2 and sorted(staged.staged["household_size"]) == [1, 2]
    assert staged.rows_read == staged.rows_loaded + staged.rows_quarantined + staged.rows_skipped
