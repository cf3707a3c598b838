"""A report's figure about a township (水岩乡, 秧河镇) is found in the report's county, given the
township's code and judged against the warehouse's township rows; a name that fits several
townships is marked ambiguous, never picked."""

from __future__ import annotations

import pandas as pd
import pytest

from etl_project.reports import extract_text
from etl_project.reports.reconciliation import reconcile
from etl_project.reports.townships import Townships
from etl_project.warehouse.engine import Warehouse, opened
from schemas.report_tables import RECONCILIATION, REPORT_CLAIM
from schemas.tables import DIM_REGION
from tests.corpus.runs import generated_run


def _township_claim(body: str, title: str | None = None) -> dict:
    claims, _ = extract_text(body, title, "2021-01-05")
    [claim] = [c for c in claims if c["metric"] == "households_exited"]
    return claim


def test_a_township_is_placed_in_the_county_written_before_it():
    claim = _township_claim("2019年，紫云县四大寨乡脱贫120户。")
    assert (claim["region"], claim["region_code"], claim["context_code"]) == ("四大寨乡", None, "520425")


def test_a_township_named_alone_is_placed_in_the_report_s_county():
    claim = _township_claim("新田县脱贫攻坚总结\n全县上下齐心协力。\n水岩乡2016年至2020年累计脱贫56户。", "新田县脱贫攻坚总结")
    assert (claim["region"], claim["context_code"]) == ("水岩乡", "431128")


def test_in_a_pairing_report_a_township_is_the_recipient_s():
    body = "贵阳经开区对口帮扶紫云县工作综述\n贵阳经开区积极助力紫云县打赢脱贫攻坚战。\n在经开区的帮扶下，猫营镇2019年脱贫300户。"
    claim = _township_claim(body, "贵阳经开区对口帮扶紫云县工作综述")
    assert (claim["region"], claim["context_code"]) == ("猫营镇", "520425")


def test_county_claims_have_no_context():
    claims, _ = extract_text("新田县2019年脱贫154户。", None, "2020-01-05")
    assert claims[0]["region_code"] == "431128" and claims[0]["context_code"] is None


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    raw, truth, url, result = generated_run(tmp_path_factory, households=600, seed=5)
    assert result.success
    with opened(url) as db:
        yield truth, db


def _township_truth(truth: dict) -> list[dict]:
    return [c for c in truth["report_claims"] if c.get("context_code")]


def test_the_generated_reports_township_figures_reconcile_as_the_truth_says(generated):
    truth, db = generated
    planned = _township_truth(truth)
    assert {c["expected_status"] for c in planned} == {"match", "mismatch"}, planned
    got = db.query(
        f"SELECT r.source_file, r.metric, r.region_code, r.claimed_value, r.warehouse_value, r.status, r.basis, c.region "
        f"FROM {db.name(RECONCILIATION)} r JOIN {db.name(REPORT_CLAIM)} c ON c.report_id = r.report_id AND c.claim_index = r.claim_index "
        "WHERE c.context_code IS NOT NULL"
    )
    assert len(got) == len(planned)
    for claim in planned:
        [row] = got[(got["source_file"] == claim["file"]) & (got["metric"] == claim["metric"])].itertuples()
        assert row.region_code == claim["region_code"] and row.region_code.startswith(claim["context_code"] + "-")
        assert (row.claimed_value, row.warehouse_value, row.status) == (claim["value"], claim["warehouse_value"], claim["expected_status"])
        assert row.region in row.basis and "mart_poverty_exit" in row.basis


def _claims_of(db: Warehouse, region_code: str) -> pd.DataFrame:
    """The report_claim rows of the township the reconciliation resolved to ``region_code``."""
    return db.query(
        f"SELECT c.* FROM {db.name(REPORT_CLAIM)} c JOIN {db.name(RECONCILIATION)} r "
        "ON c.report_id = r.report_id AND c.claim_index = r.claim_index WHERE r.region_code = :code",
        {"code": region_code},
    )


def test_a_wrong_township_figure_is_a_mismatch_and_the_true_one_a_match(generated):
    truth, db = generated
    true_claim = next(c for c in _township_truth(truth) if c["expected_status"] == "match")
    claims = _claims_of(db, true_claim["region_code"])
    claims = claims[claims["metric"] == true_claim["metric"]]
    assert reconcile(db, claims)["status"].tolist() == ["match"]
    wrong = claims.assign(value=claims["value"] + 9, figure_text=f"{int(true_claim['value']) + 9}户")
    result = reconcile(db, wrong)
    assert result["status"].tolist() == ["mismatch"] and result["difference"].tolist() == [9.0]


def test_a_township_name_two_counties_share_is_ambiguous_unless_the_county_is_known(generated):
    truth, db = generated
    true_claim = next(c for c in _township_truth(truth) if c["expected_status"] == "match")
    claims = _claims_of(db, true_claim["region_code"])
    claims = claims[claims["metric"] == true_claim["metric"]]
    county = true_claim["context_code"]
    city = county[:4] + "00"
    regions = db.query(f"SELECT * FROM {db.name(DIM_REGION)}")
    other_county = regions[
        (regions["region_level"] == "county") & (regions["region_code"].str[:4] == county[:4]) & (regions["region_code"] != county)
    ]["region_code"].iloc[0]
    namesake = regions[regions["region_code"] == true_claim["region_code"]].assign(
        region_code=f"{other_county}-000000", parent_code=other_county, county_code=other_county, township_code=f"{other_county}-000000"
    )
    db.replace(DIM_REGION, pd.concat([regions, namesake], ignore_index=True))
    try:
        in_county = reconcile(db, claims)
        assert in_county["status"].tolist() == ["match"] and in_county["region_code"].tolist() == [true_claim["region_code"]]
        in_city = reconcile(db, claims.assign(context_code=city))
        assert in_city["status"].tolist() == ["ambiguous"] and in_city["region_code"].isna().all()
        assert true_claim["region_code"] in in_city["basis"].iloc[0] and f"{other_county}-000000" in in_city["basis"].iloc[0]
        nowhere = reconcile(db, claims.assign(context_code=None))
        assert nowhere["status"].tolist() == ["no_data"] and "names no county" in nowhere["basis"].iloc[0]
    finally:
        db.replace(DIM_REGION, regions)


def test_names_found_with_another_suffix_or_cut_short(generated):
    truth, db = generated
    true_claim = next(c for c in _township_truth(truth) if c["expected_status"] == "match")
    townships = Townships(db)
    name = townships.frame.set_index("region_code").loc[true_claim["region_code"], "region_name"]
    other_suffix = name[:-1] + ("镇" if name.endswith("乡") else "乡")
    assert townships.resolve(other_suffix, true_claim["context_code"]).code == true_claim["region_code"]
    if len(name) >= 4:
        assert townships.resolve(name[1:], true_claim["context_code"]).code == true_claim["region_code"]
    assert townships.resolve(name, "110101").status == "unknown"
    assert townships.resolve(f"{name}、{other_suffix}", true_claim["context_code"]).code is None
