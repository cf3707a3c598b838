"""Figures about monitoring against a return to poverty (防止返贫监测) are read as their own metrics,
never as exits or registered poor, and judged against mart_monitoring's year rows; income per person
and growth rates are read but not judged; a warehouse without mart_monitoring answers "no data"."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from etl_project.reports import extract_text
from etl_project.reports.reconciliation import reconcile
from etl_project.reports.rows import claim_rows
from etl_project.warehouse.engine import Warehouse, opened
from schemas.tables import DIM_REGION, MART_POVERTY_EXIT

ZIYUN = "520425"


def metrics(sentence: str, report_date: str | None = "2023-01-10") -> list[tuple[float, str]]:
    claims, _ = extract_text(sentence, None, report_date)
    return [(c["value"], c["metric"]) for c in claims]


@pytest.mark.parametrize(
    "sentence, expected",
    [
        # Monitoring figures have their own metrics.
        (
            "全县累计识别纳入防止返贫监测对象1234户4567人，已消除风险890户3210人。",
            [
                (1234, "monitored_households"),
                (4567, "monitored_persons"),
                (890, "risk_eliminated_households"),
                (3210, "risk_eliminated_persons"),
            ],
        ),
        ("2022年新纳入监测户56户198人。", [(56, "monitored_households"), (198, "monitored_persons")]),
        ("目前全县有边缘易致贫户85户。", [(85, "monitored_households")]),
        ("全县识别突发严重困难户16户52人。", [(16, "monitored_households"), (52, "monitored_persons")]),
        ("全县有脱贫不稳定户120户。", [(120, "monitored_households")]),
        ("截至年底，全县已稳定消除风险43户151人。", [(43, "risk_eliminated_households"), (151, "risk_eliminated_persons")]),
        ("今年实现风险消除27户96人。", [(27, "risk_eliminated_households"), (96, "risk_eliminated_persons")]),
        ("全县共消除返贫致贫风险310户。", [(310, "risk_eliminated_households")]),
        ("全县已脱贫户中有监测对象40户。", [(40, "monitored_households")]),
        ("全县易返贫致贫人口1200人全部纳入监测。", [(1200, "monitored_persons")]),
        # Exits and registration stay what they were: the registry's own words stay the registry's,
        # even in a report on monitoring.
        ("2019年，全县脱贫300户1200人，防止返贫监测工作同步推进。", [(300, "households_exited"), (1200, "persons_exited")]),
        ("全县共识别建档立卡贫困户5000户。", [(5000, "registered_poor_households")]),
        # 防返贫监测排查 counts the households visited, not those under monitoring.
        ("开展防返贫监测集中排查，走访农户3200户。", [(3200, "other")]),
        # A project that reaches monitored households benefits them: it is not the monitoring count.
        ("产业项目带动监测户230户增收。", [(230, "households_benefited")]),
        ("排查农村危房隐患，改造危房45户。", [(45, "other")]),
        # One look-alike for each monitoring word: 纳入 without 监测, 稳定 without 不稳定户,
        # 消除 without 风险, a hardship kind that is not 突发严重困难户.
        ("2016年全县纳入建档立卡贫困户500户。", [(500, "registered_poor_households")]),
        ("2019年全县实现稳定脱贫1200户3900人。", [(1200, "households_exited"), (3900, "persons_exited")]),
        ("全县消除绝对贫困，2020年脱贫500户。", [(500, "households_exited")]),
        ("消除住房安全隐患45户。", [(45, "other")]),
        ("全县有因病致贫户200户。", [(200, "other")]),
        # Income per person and growth.
        ("脱贫人口人均纯收入达到12345元，同比增长14.2%。", [(12345, "income_per_person"), (14.2, "growth_rate")]),
        ("监测对象家庭人均可支配收入10800元。", [(10800, "income_per_person")]),
        ("农村居民人均可支配收入年均增长9.8%。", [(9.8, "growth_rate")]),
        # Money and percentages that are not income or growth.
        ("全县投入帮扶资金5000万元。", [(50_000_000, "investment_amount")]),  # money put in stays investment
        ("人均增收2000元。", [(2000, "other")]),  # an increase is not the income itself
        ("全县贫困发生率降至0.8%。", [(0.8, "poverty_incidence")]),
        ("村集体经济收入占比35%。", [(35, "other")]),  # a share is not a growth
        ("合作社户均分红500元。", [(500, "other")]),  # a dividend per household is not an income per person
        ("脱贫户人均纯收入增长的同时，全县投入资金3000万元。", [(30_000_000, "investment_amount")]),
    ],
)
def test_each_sentence_is_read_as_its_metrics(sentence, expected):
    assert metrics(sentence) == expected


# ---- reconciliation ------------------------------------------------------------------------

MART_COLUMNS = (
    "newly_taken_in_households",
    "newly_taken_in_persons",
    "monitored_households_at_end",
    "monitored_persons_at_end",
    "cumulative_taken_in_households",
    "cumulative_taken_in_persons",
    "eliminated_households",
    "eliminated_persons",
    "cumulative_eliminated_households",
    "cumulative_eliminated_persons",
)
# 紫云县's year rows: each column has its own distinct figures, so a wrong column cannot match by chance.
YEARS = {
    2021: dict(zip(MART_COLUMNS, (400, 1500, 380, 1420, 400, 1500, 20, 80, 20, 80))),
    2022: dict(zip(MART_COLUMNS, (56, 198, 301, 1105, 456, 1698, 135, 513, 155, 593))),
}


@pytest.fixture()
def warehouse(tmp_path):
    regions = pd.DataFrame(
        [
            {"region_code": "520000", "region_name": "贵州省", "region_level": "province", "province_code": "520000"},
            {"region_code": "520400", "region_name": "安顺市", "region_level": "city", "parent_code": "520000"},
            {
                "region_code": ZIYUN,
                "region_name": "紫云苗族布依族自治县",
                "short_name": "紫云县",
                "region_level": "county",
                "parent_code": "520400",
                "county_code": ZIYUN,
            },
        ]
    ).reindex(columns=DIM_REGION.column_names)
    with opened(f"duckdb:///{tmp_path / 'warehouse.duckdb'}") as db:
        db.replace(DIM_REGION, regions)
        db.replace(MART_POVERTY_EXIT, pd.DataFrame(columns=MART_POVERTY_EXIT.column_names))
        yield db


def _plant_mart(db: Warehouse) -> None:
    with db.engine.begin() as connection:
        connection.execute(sa.text('CREATE SCHEMA IF NOT EXISTS "analytics"'))
        columns = ", ".join(f'"{c}" INTEGER' for c in MART_COLUMNS)
        connection.execute(
            sa.text(
                'CREATE TABLE "analytics"."mart_monitoring" (region_level VARCHAR, region_code VARCHAR, '
                f"period_kind VARCHAR, period_start DATE, year INTEGER, month INTEGER, {columns})"
            )
        )
        for year, row in YEARS.items():
            for kind, month in (("year", None), ("month", 12)):
                # A month row with other figures: only the year rows may be read.
                values = {c: (v if kind == "year" else v + 1000) for c, v in row.items()}
                connection.execute(
                    sa.text(
                        'INSERT INTO "analytics"."mart_monitoring" VALUES (:level, :code, :kind, :start, :year, :month, '
                        + ", ".join(f":{c}" for c in MART_COLUMNS)
                        + ")"
                    ),
                    {
                        "level": "county",
                        "code": ZIYUN,
                        "kind": kind,
                        "start": f"{year}-{month or 1:02d}-01",
                        "year": year,
                        "month": month,
                        **values,
                    },
                )


def _reconciled(db: Warehouse, body: str, report_date: str = "2023-01-10") -> pd.DataFrame:
    claims, findings = extract_text(body, None, report_date)
    report = {"body": body, "claims": claims, "findings": findings, "report_date": report_date}
    return reconcile(db, claim_rows(report, "r1", "reports/紫云县.txt"))


def test_without_mart_monitoring_every_monitoring_claim_is_no_data_with_its_reason(warehouse):
    result = _reconciled(warehouse, "紫云县累计识别纳入防止返贫监测对象456户1698人，已消除风险155户593人。")
    assert result["metric"].tolist() == [
        "monitored_households",
        "monitored_persons",
        "risk_eliminated_households",
        "risk_eliminated_persons",
    ]
    assert set(result["status"]) == {"no_data"}
    assert all("no mart_monitoring table" in basis for basis in result["basis"])


def test_cumulative_words_read_the_cumulative_columns(warehouse):
    _plant_mart(warehouse)
    result = _reconciled(warehouse, "截至2022年底，紫云县累计识别纳入防止返贫监测对象456户1698人，已消除风险155户593人。")
    assert result["warehouse_value"].tolist() == [456, 1698, 155, 593]
    assert set(result["status"]) == {"match"}
    assert [b.split("(")[0].split(".")[1].strip() for b in result["basis"]] == [
        "cumulative_taken_in_households",
        "cumulative_taken_in_persons",
        "cumulative_eliminated_households",
        "cumulative_eliminated_persons",
    ]


def test_without_cumulative_words_the_year_end_stock_and_the_year_s_eliminations(warehouse):
    _plant_mart(warehouse)
    # 2022's figures written with 2021's stock of persons: a planted error.
    result = _reconciled(warehouse, "2022年，紫云县有监测对象301户1420人，当年消除风险135户513人。")
    assert result["warehouse_value"].tolist() == [301, 1105, 135, 513]
    assert result["status"].tolist() == ["match", "mismatch", "match", "match"]
    assert "monitored_persons_at_end" in result["basis"][1] and "eliminated_households" in result["basis"][2]


def test_newly_taken_in_and_a_range_of_years_are_summed(warehouse):
    _plant_mart(warehouse)
    result = _reconciled(warehouse, "2021年至2022年，紫云县新纳入监测户456户，消除风险155户。")
    assert result["warehouse_value"].tolist() == [456, 155]
    assert set(result["status"]) == {"match"}
    assert all(b.startswith("sum of") for b in result["basis"])


def test_a_figure_without_a_year_is_read_at_the_last_year_up_to_the_report(warehouse):
    _plant_mart(warehouse)
    result = _reconciled(warehouse, "紫云县现有监测对象380户。", report_date="2021-12-20")
    assert (result["warehouse_value"].tolist(), result["status"].tolist()) == ([380], ["match"])
    later = _reconciled(warehouse, "紫云县现有监测对象380户。", report_date="2023-03-01")
    assert (later["warehouse_value"].tolist(), later["status"].tolist()) == ([301], ["mismatch"])


def test_a_category_income_and_growth_are_not_judged(warehouse):
    _plant_mart(warehouse)
    result = _reconciled(warehouse, "2022年，紫云县有边缘易致贫户85户。紫云县脱贫人口人均纯收入达到12345元，同比增长14.2%。")
    assert result["metric"].tolist() == ["monitored_households", "income_per_person", "growth_rate"]
    assert set(result["status"]) == {"no_data"} and result["warehouse_value"].isna().all()
    assert "no mart_monitoring_category table" in result["basis"][0]
    assert "fact_monitoring_spell" in result["basis"][1] and "growth rate" in result["basis"][2]


def test_a_category_s_figure_is_read_from_the_category_mart_and_a_total_is_not(warehouse):
    _plant_mart(warehouse)
    with warehouse.engine.begin() as connection:
        connection.execute(
            sa.text(
                'CREATE TABLE "analytics"."mart_monitoring_category" AS SELECT m.*, c.category_code '
                "FROM \"analytics\".\"mart_monitoring\" m, (VALUES ('01'), ('02'), ('03')) c(category_code)"
            )
        )
        # Each category's stock at the end of 2022 differs: 01 → 101, 02 → 85, 03 → 16.
        for code, households in (("01", 101), ("02", 85), ("03", 16)):
            connection.execute(
                sa.text(
                    'UPDATE "analytics"."mart_monitoring_category" SET monitored_households_at_end = :n '
                    "WHERE category_code = :code AND year = 2022"
                ),
                {"n": households, "code": code},
            )
    result = _reconciled(
        warehouse,
        "2022年，紫云县有脱贫不稳定户101户、边缘易致贫户85户、突发严重困难户17户。"
        "2022年，紫云县对脱贫不稳定户、边缘易致贫户和突发严重困难户开展监测，共有监测对象301户。",
    )
    assert result["warehouse_value"].tolist() == [101, 85, 16, 301]
    assert result["status"].tolist() == ["match", "match", "mismatch", "match"]
    assert "category 02" in result["basis"][1] and "mart_monitoring_category" not in result["basis"][3]


def test_exits_in_a_monitoring_report_are_still_judged_against_the_exit_mart(warehouse):
    _plant_mart(warehouse)
    result = _reconciled(warehouse, "2019年，紫云县脱贫300户，2022年纳入监测对象301户。")
    assert result["metric"].tolist() == ["households_exited", "monitored_households"]
    # The exit mart is empty here: the exit claim has no rows, and is never read from mart_monitoring.
    assert "mart_monitoring" not in result["basis"][0] and "2019" in result["period"][0]
    assert "monitored_households_at_end" in result["basis"][1] and result["status"][1] == "match"


def test_a_clause_with_its_own_year_is_not_cumulative_though_the_sentence_says_so(warehouse):
    _plant_mart(warehouse)
    result = _reconciled(warehouse, "截至2022年底，紫云县累计识别纳入监测对象456户，2022年新纳入监测户56户，当年消除风险135户。")
    assert result["warehouse_value"].tolist() == [456, 56, 135]
    assert set(result["status"]) == {"match"}


# ---- the sample reports ----------------------------------------------------------------------


def _story_with_monitoring(monitoring: dict[int, dict]):
    import numpy as np

    from sample_data.report_draft import Draft
    from sample_data.report_figures import CountyFigures
    from sample_data.report_stories import monitoring_blocks

    figures = CountyFigures(ZIYUN, monitoring=monitoring)
    draft = Draft(figures, np.random.default_rng(7))
    blocks = monitoring_blocks(draft)
    body = "紫云县巩固拓展脱贫攻坚成果综述\n" + "\n".join(text for _, text in blocks)
    return draft, blocks, body


def test_without_monitoring_figures_the_review_says_nothing_of_monitoring():
    draft, blocks, _ = _story_with_monitoring({})
    assert blocks == [] and draft.claims == []


def test_the_review_s_monitoring_figures_are_read_and_judged_as_its_truth_says(warehouse):
    mart_rows = [{"region_level": "county", "region_code": ZIYUN, "period_kind": "year", "year": y, **row} for y, row in YEARS.items()]
    from sample_data.report_figures import CountyFigures, add_monitoring

    figures = {ZIYUN: CountyFigures(ZIYUN)}
    add_monitoring(figures, mart_rows + [{**mart_rows[0], "period_kind": "month", "year": 2030}])
    assert sorted(figures[ZIYUN].monitoring) == [2021, 2022]
    draft, _, body = _story_with_monitoring(figures[ZIYUN].monitoring)
    planned = {(c["metric"], c["value"], c["period"]): c for c in draft.claims}
    assert len(planned) == len(draft.claims) == 8
    claims, _ = extract_text(body, "紫云县巩固拓展脱贫攻坚成果综述", "2023-01-10")
    read = [(c["metric"], c["value"], c["period"]) for c in claims if c["metric"] != "other"]
    assert sorted(read) == sorted(planned)
    assert {c["region_code"] for c in claims} == {ZIYUN}
    _plant_mart(warehouse)
    report = {"body": body, "claims": claims, "findings": [], "report_date": "2023-01-10"}
    result = reconcile(warehouse, claim_rows(report, "r1", "reports/紫云县.md"))
    for row in result.itertuples():
        expected = planned[(row.metric, row.claimed_value, row.period)]
        assert row.status == expected["expected_status"], (row.metric, row.basis)
        if expected["warehouse_value"] is not None:
            assert row.warehouse_value == expected["warehouse_value"], (row.metric, row.basis)
    # Quoted exactly; income and growth are never judged.
    assert set(result["status"]) == {"match", "no_data"}
    assert set(result[result["status"] == "no_data"]["metric"]) == {"income_per_person", "growth_rate"}


# ---- typeset figures ------------------------------------------------------------------------


def test_figures_typeset_with_spaces_are_read_whole_with_their_clause_and_year():
    claims, _ = extract_text(
        "2022 年，全县累计识别纳入防止返贫监测对象 1 234 户 4 567 人，已消除风险 890 户 3 210 人。", None, "2023-01-10"
    )
    assert [(c["value"], c["metric"], c["period"]) for c in claims] == [
        (1234, "monitored_households", "2022"),
        (4567, "monitored_persons", "2022"),
        (890, "risk_eliminated_households", "2022"),
        (3210, "risk_eliminated_persons", "2022"),
    ]
    assert metrics("脱贫人口人均纯收入达到 12 345 元，同比增长 14.2%。") == [(12345, "income_per_person"), (14.2, "growth_rate")]
    assert metrics("2021 年，全县脱贫 300 户 1200 人。") == [(300, "households_exited"), (1200, "persons_exited")]


def test_a_space_does_not_join_numbers_that_are_not_groups_of_three():
    # Four digits after the space, or a year before it: two figures, or one, never a joined number.
    assert metrics("新建道路 12 公里，覆盖 2021 户。") == [(12, "other"), (2021, "households_benefited")]
    assert [v for v, _ in metrics("其中 3 个村 1500 户。")] == [3, 1500]
    assert [v for v, _ in metrics("全县 12 345 678 户。")] == [12_345_678]


def test_county_years_count_the_spells_by_their_dates():
    from sample_data.report_monitoring import county_years

    spells = [
        {"county_code": ZIYUN, "taken_in_date": "2021-04-02", "eliminated_date": "2022-03-01", "household_size": 4},
        {"county_code": ZIYUN, "taken_in_date": "2022-06-30", "eliminated_date": None, "household_size": 3},
        {"county_code": ZIYUN, "taken_in_date": "2022-11-15", "eliminated_date": "2022-12-31", "household_size": 5},
        {"county_code": "431128", "taken_in_date": "2023-01-01", "eliminated_date": None, "household_size": 2},
    ]
    rows = {(r["region_code"], r["year"]): r for r in county_years(spells)}
    y2022 = rows[ZIYUN, 2022]
    assert (y2022["newly_taken_in_households"], y2022["newly_taken_in_persons"]) == (2, 8)
    assert (y2022["cumulative_taken_in_households"], y2022["cumulative_taken_in_persons"]) == (3, 12)
    assert (y2022["eliminated_households"], y2022["eliminated_persons"]) == (2, 9)
    assert (y2022["cumulative_eliminated_households"], rows[ZIYUN, 2021]["cumulative_eliminated_households"]) == (2, 0)
    assert rows["431128", 2022]["cumulative_taken_in_households"] == 0 and rows["431128", 2025]["cumulative_taken_in_persons"] == 2
