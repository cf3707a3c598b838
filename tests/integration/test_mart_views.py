"""The per-level views of the marts, summed the way a BI tool sums by default: over every row.

Expected totals come from the generator's truth and from the fact tables, never from the views.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest
import sqlalchemy as sa

from etl_project.orchestration.runner import run_pipeline
from etl_project.warehouse.bi_bundle import bundle_files
from etl_project.warehouse.engine import Warehouse, opened
from etl_project.warehouse.marts import FIRST_MART_YEAR
from etl_project.warehouse.serving import grant_bi, published_path
from sample_data import generate
from sample_data.investment_truth import yuan_per
from schemas.investment_tables import DIM_PROJECT, FACT_INVESTMENT, MART_INVESTMENT, MART_PROJECT_REACH
from schemas.monitoring_tables import (
    FACT_MONITORING_SPELL,
    MART_MONITORING,
    MART_MONITORING_CATEGORY,
    MART_MONITORING_EXITED,
    MART_MONITORING_RISK,
)
from schemas.registry import CATALOG, NOT_ADDITIVE_MARK
from schemas.tables import FACT_HOUSEHOLD, MART_POVERTY_EXIT, REGION_LEVELS
from schemas.views import is_figure
from tests.integration.test_end_to_end import _assert_example_queries_match_truth, _example_query, analytics_rows

VIEWS = list(CATALOG.views.values())
MONITORING_MARTS = {MART_MONITORING.name, MART_MONITORING_CATEGORY.name, MART_MONITORING_RISK.name, MART_MONITORING_EXITED.name}
# The views the generator's truth has rows for; the monitoring views are checked against fact_monitoring_spell.
TRUTH_VIEWS = [v for v in VIEWS if not set(v.sources) & MONITORING_MARTS]


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("raw")
    generate(out, households=1500, seed=11, truth=out / "truth.json")
    return out, json.loads((out / "truth.json").read_text(encoding="utf-8"))


def _run(raw: Path, url: str) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        assert run_pipeline(raw, url, instance).success


@pytest.fixture(scope="module")
def warehouse(sample, tmp_path_factory):
    raw, _ = sample
    url = f"duckdb:///{tmp_path_factory.mktemp('wh') / 'warehouse.duckdb'}"
    _run(raw, url)
    with opened(url) as db:
        yield db


def _truth_sum(truth: dict, mart: str, level: str, column: str) -> float:
    rows = [r for r in truth[mart] if r["region_level"] == level]
    assert rows, (mart, level)
    return sum(r[column] or 0 for r in rows)


def _expected_from_truth(view, column: str, truth: dict) -> float:
    """The sum of the column over the generator's rows of the view's level."""
    if view.name.startswith("mart_investment_reach_"):
        mart = MART_INVESTMENT.name if column == "amount_yuan" else MART_PROJECT_REACH.name
    else:
        mart = view.sources[0]
    return _truth_sum(truth, mart, view.region_level, column)


def test_summing_every_row_of_a_view_gives_the_total(warehouse, sample):
    """SUM over all rows of each view, column by column, is the generator's total at that level;
    at province, city and county level it is the whole total the fact tables hold. The mart
    itself, summed the same way, counts everything once per level: what the views are for."""
    _, truth = sample
    db = warehouse
    last_year = max(r["year"] for r in truth["mart_poverty_exit"])
    whole = {
        "exited_households": db.scalar(
            f"SELECT COUNT(*) FROM {db.name(FACT_HOUSEHOLD)} WHERE exit_year BETWEEN :a AND :b", {"a": FIRST_MART_YEAR, "b": last_year}
        ),
        "amount_yuan": db.scalar(f"SELECT SUM(amount_yuan) FROM {db.name(FACT_INVESTMENT)}"),
        "households_benefited": db.scalar(
            f"SELECT SUM(households_benefited) FROM {db.name(DIM_PROJECT)} "
            f"WHERE project_code IN (SELECT project_code FROM {db.name(FACT_INVESTMENT)})"
        ),
    }
    assert abs(float(whole["amount_yuan"]) - truth["fact_investment_total_yuan"]) < 0.005
    checked = 0
    for view in TRUTH_VIEWS:
        figures = [f for f in view.fields if is_figure(f) and f.additive]
        sums = db.query(f"SELECT {', '.join(f'SUM({db.quote(f.name)}) AS {db.quote(f.name)}' for f in figures)} FROM {db.name(view)}").iloc[
            0
        ]
        for f in figures:
            got = float(sums[f.name] or 0)
            assert got == pytest.approx(_expected_from_truth(view, f.name, truth), abs=0.005), (view.name, f.name)
            if view.region_level in ("province", "city", "county") and f.name in whole:
                assert got == pytest.approx(float(whole[f.name]), abs=0.005), (view.name, f.name)
            checked += 1
    assert checked >= 60
    unfiltered = db.scalar(f"SELECT SUM(exited_households) FROM {db.name(MART_POVERTY_EXIT)}")
    assert unfiltered == len(REGION_LEVELS) * whole["exited_households"] > 0


def test_only_stocks_are_left_not_additive_and_their_comments_say_so(warehouse):
    """A view keeps a column that does not add up over its rows only where nothing additive can
    stand for it (a stock at year or period end, a ratio, its denominator), and the comment the BI
    tool shows says 不可跨行相加; the money views have none."""
    db = warehouse
    comments = {
        (t, c): comment
        for t, c, comment in db.query(
            "SELECT table_name, column_name, comment FROM duckdb_columns() WHERE schema_name = 'analytics'"
        ).itertuples(index=False)
    }
    for view in VIEWS:
        kept = {f.name for f in view.fields if not f.additive}
        if MART_INVESTMENT.name in view.sources or MART_PROJECT_REACH.name in view.sources:
            assert kept == set(), view.name
        else:
            mart = CATALOG[view.sources[0]]
            # month is left out of the monitoring views: period_start carries it
            assert kept == {f.name for f in mart.fields if not f.additive} - {"month"}, view.name
        for f in view.fields:
            comment = comments[(view.name, f.name)]
            assert comment == f.description and comment.endswith(NOT_ADDITIVE_MARK) == (f.name in kept), (view.name, f.name)


def test_ratios_of_view_sums_are_the_shipped_queries_distinct_counts(warehouse, sample):
    """户均投入 as a BI tool computes it, SUM(amount_yuan) ÷ SUM(households_benefited) over
    mart_investment_reach_county grouped by county and category, is the shipped query's figure;
    projects summed by county and year are the shipped query's projects first funded; both
    shipped queries give the generator's distinct counts."""
    db, (_, truth) = warehouse, sample
    _assert_example_queries_match_truth(db, truth)
    view = db.name(CATALOG.views["mart_investment_reach_county"])
    by_category = db.query(
        f"SELECT region_code, category, SUM(amount_yuan) AS amount, SUM(households_benefited) AS households "
        f"FROM {view} GROUP BY region_code, category"
    ).set_index(["region_code", "category"])
    shipped = _example_query(db, "cost_per_household_benefited.sql").set_index(["county_code", "category"])
    invested = db.query(f"SELECT DISTINCT region_code, category, year FROM {db.name(CATALOG.views['mart_investment_county'])}")
    money = by_category.loc[sorted(set(zip(invested["region_code"], invested["category"])))]
    assert sorted(money.index) == sorted(shipped.index)
    for key, row in money.iterrows():
        want = shipped.loc[key]
        assert Decimal(row["amount"]) == Decimal(want["amount_yuan"]) and int(row["households"]) == int(want["households_benefited"]), key
        ratio = yuan_per(int(row["amount"]), int(row["households"])) if row["households"] else None
        assert ratio == (None if pd.isna(want["yuan_per_household"]) else float(want["yuan_per_household"])), key

    by_year = db.query(
        f"SELECT region_code, year, SUM(amount_yuan) AS amount, SUM(projects) AS projects FROM {view} GROUP BY region_code, year"
    ).set_index(["region_code", "year"])
    shipped = _example_query(db, "investment_by_county_and_year.sql").set_index(["county_code", "year"])
    money = by_year.loc[sorted(set(zip(invested["region_code"], invested["year"])))]
    assert sorted(money.index) == sorted(shipped.index)
    for key, row in money.iterrows():
        want = shipped.loc[key]
        assert Decimal(row["amount"]) == Decimal(want["amount_yuan"]) and int(row["projects"]) == int(want["projects_first_funded"]), key
    # Projects first funded where no money arrived at county level would be rows with projects only.
    assert int(by_year["projects"].sum()) == int(_truth_sum(truth, "mart_project_reach", "county", "projects"))


def test_incidence_of_a_group_is_a_ratio_of_carried_sums(warehouse, sample):
    """The incidence denominator rides along: 100 × SUM(remaining_persons) ÷
    SUM(agricultural_population) over a province's counties in a year is the province's incidence."""
    db, (_, truth) = warehouse, sample
    counties = db.query(
        f"SELECT region_code, year, remaining_persons, agricultural_population FROM {db.name(CATALOG.views['mart_poverty_exit_county'])}"
    )
    counties["province"] = counties["region_code"].str[:2] + "0000"
    grouped = counties.groupby(["province", "year"]).agg(remaining=("remaining_persons", "sum"), farming=("agricultural_population", "sum"))
    provinces = {(r["region_code"], r["year"]): r for r in truth["mart_poverty_exit"] if r["region_level"] == "province"}
    compared = 0
    for (province, year), row in grouped.iterrows():
        want = provinces[(province, year)]
        assert (int(row["farming"]) or None) == want["agricultural_population"], (province, year)
        if want["poverty_incidence"] is not None:
            assert 100 * int(row["remaining"]) / int(row["farming"]) == pytest.approx(want["poverty_incidence"], abs=1e-3)
            compared += 1
    assert compared > 0
    got = db.query(f"SELECT region_level, region_code, year, agricultural_population FROM {db.name(MART_POVERTY_EXIT)}")
    got = {(a, b, int(c)): (None if pd.isna(d) else int(d)) for a, b, c, d in got.itertuples(index=False)}
    assert got == {(r["region_level"], r["region_code"], r["year"]): r["agricultural_population"] for r in truth["mart_poverty_exit"]}


def test_the_read_copy_carries_the_views_over_its_own_tables(warehouse):
    """The published copy has every view, commented, reading the copy's tables: a reader that opens
    the copy alone gets the same sums as the warehouse."""
    db = warehouse
    reader = duckdb.connect(str(published_path(db.url)), read_only=True)
    try:
        views = {row[0] for row in reader.execute("SELECT view_name FROM duckdb_views() WHERE schema_name = 'analytics'").fetchall()}
        assert views == set(CATALOG.views)
        uncommented = reader.execute(
            "SELECT COUNT(*) FROM duckdb_columns() WHERE schema_name = 'analytics' AND (comment IS NULL OR comment = '')"
        ).fetchone()[0]
        assert uncommented == 0
        for view in VIEWS:
            statement = f"SELECT COUNT(*), SUM({db.quote(view.fields[-1].name)}) FROM {db.name(view)}"
            assert reader.execute(statement).fetchone() == db.one(statement), view.name
    finally:
        reader.close()


def run_bundle_metrics(db: Warehouse) -> int:
    """Every metric and calculated column of the Superset bundle, evaluated over its dataset on the
    warehouse as Superset would send it; the number of expressions run."""
    run = 0
    for path, dataset in bundle_files(db.url).items():
        if not path.startswith("datasets/"):
            continue
        expressions = [m["expression"] for m in dataset["metrics"]]
        expressions += [f"MIN({c['expression']})" for c in dataset["columns"] if c["expression"]]
        db.query(f"SELECT {', '.join(expressions)} FROM {db.quote(dataset['schema'])}.{db.quote(dataset['table_name'])}")
        run += len(expressions)
    return run


def _metric(view: str, name: str) -> str:
    dataset = next(d for p, d in bundle_files("duckdb:///unused.duckdb").items() if p.startswith("datasets/") and d["table_name"] == view)
    return next(m["expression"] for m in dataset["metrics"] if m["metric_name"] == name)


def test_the_bundle_metrics_run_and_give_the_distinct_count_answers(warehouse, sample):
    """The Superset bundle's metrics run on the warehouse; 户均投入 by county and category is the
    shipped query's figure, 贫困发生率 over a province's counties by year is the province's."""
    db, (_, truth) = warehouse, sample
    assert run_bundle_metrics(db) > 100
    view = db.name(CATALOG.views["mart_investment_reach_county"])
    got = db.query(
        f"SELECT region_code, category, {_metric('mart_investment_reach_county', 'yuan_per_household_benefited')} AS ratio "
        f"FROM {view} GROUP BY region_code, category"
    ).set_index(["region_code", "category"])["ratio"]
    shipped = _example_query(db, "cost_per_household_benefited.sql").set_index(["county_code", "category"])["yuan_per_household"]
    compared = 0
    for key, want in shipped.items():
        if pd.isna(want):
            assert pd.isna(got[key]), key
            continue
        assert abs(float(got[key]) - float(want)) <= 0.005 + 1e-9, (key, got[key], want)
        compared += 1
    assert compared > 0
    incidence = db.query(
        f"SELECT SUBSTR(region_code, 1, 2) || '0000' AS province, year, "
        f"{_metric('mart_poverty_exit_county', 'poverty_incidence')} AS ratio "
        f"FROM {db.name(CATALOG.views['mart_poverty_exit_county'])} GROUP BY SUBSTR(region_code, 1, 2), year"
    )
    provinces = {
        (r["region_code"], r["year"]): r["poverty_incidence"] for r in truth["mart_poverty_exit"] if r["region_level"] == "province"
    }
    for province, year, ratio in incidence.itertuples(index=False):
        want = provinces[(province, int(year))]
        assert (ratio is None or pd.isna(ratio)) == (want is None), (province, year)
        if want is not None:
            assert 100 * float(ratio) == pytest.approx(want, abs=1e-3), (province, year)


@pytest.mark.postgres
def test_postgres_views_survive_rebuilds_and_equal_duckdb(sample, warehouse, postgres_database):
    """On PostgreSQL a view pins the tables it reads: a second run replaces the marts all the same
    (views dropped and made again in the swap's transaction), the BI role reads the views, and
    every view holds the same rows as on DuckDB."""
    raw, _ = sample
    _run(raw, postgres_database)
    with opened(postgres_database) as db:
        try:
            grant_bi(db, "bi_views_test")
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP ROLE IF EXISTS bi_views_login"))
                connection.execute(sa.text("CREATE ROLE bi_views_login LOGIN IN ROLE bi_views_test"))
            # The money marts are rebuilt on every run (their views dropped and made again); the
            # poverty mart is kept, its views made again as declared.
            _run(raw, postgres_database)
            for view in VIEWS:
                assert analytics_rows(db, view) == analytics_rows(warehouse, view), view.name
            assert run_bundle_metrics(db) == run_bundle_metrics(warehouse)  # the same SQL runs on both engines
            analyst = sa.create_engine(postgres_database.replace("postgres@", "bi_views_login@"))
            try:
                with analyst.connect() as connection:
                    total = connection.execute(sa.text("SELECT SUM(amount_yuan) FROM analytics.mart_investment_county")).scalar()
            finally:
                analyst.dispose()
            assert total == warehouse.scalar(f"SELECT SUM(amount_yuan) FROM {warehouse.name(FACT_INVESTMENT)}")
        finally:
            with db.engine.begin() as connection:
                connection.execute(sa.text("DROP OWNED BY bi_views_test"))
                connection.execute(sa.text("DROP ROLE IF EXISTS bi_views_login"))
                connection.execute(sa.text("DROP ROLE IF EXISTS bi_views_test"))


def _spells(db: Warehouse) -> pd.DataFrame:
    spells = db.query(
        f"SELECT household_key, county_code, taken_in_date, category_code, risk_type_codes, household_size, "
        f"risk_eliminated, eliminated_date, missing_since_date FROM {db.name(FACT_MONITORING_SPELL)}"
    )
    for column in ("taken_in_date", "eliminated_date", "missing_since_date"):
        spells[column] = pd.to_datetime(spells[column])
    spells["persons"] = spells["household_size"].fillna(0).astype(int)
    spells["eliminated_date"] = spells["eliminated_date"].where(spells["risk_eliminated"].astype(bool))
    return spells


def _flows_by_year(spells: pd.DataFrame, by: str | None = None) -> dict:
    """(year[, code]) -> (taken in, persons taken in, eliminated) as the spells give them."""
    keys = ["year"] + ([by] if by else [])
    taken = spells.assign(year=spells["taken_in_date"].dt.year).groupby(keys).agg(h=("household_key", "size"), p=("persons", "sum"))
    done = spells.dropna(subset=["eliminated_date"])
    eliminated = done.assign(year=done["eliminated_date"].dt.year).groupby(keys).size()
    flows = {}
    for key in sorted(set(taken.index) | set(eliminated.index)):
        row = taken.loc[key] if key in taken.index else None
        flows[key] = (0 if row is None else int(row["h"]), 0 if row is None else int(row["p"]), int(eliminated.get(key, 0)))
    return flows


def _open_at_year_end(spells: pd.DataFrame, year: int) -> int:
    end = pd.Timestamp(year + 1, 1, 1)
    still = (spells["taken_in_date"] < end) & ~(spells["eliminated_date"] < end) & ~(spells["missing_since_date"] < end)
    return int(still.sum())


def test_summing_every_row_of_a_monitoring_view_gives_the_spells_totals(warehouse):
    """Each monitoring view summed over its rows the way a BI tool does, grouped by year (and code
    where the view has one), gives what fact_monitoring_spell counts: households and persons taken
    in and households eliminated in the year; the year views' year-end stock, summed over the
    regions of a year, is the spells open at the year's end. The monthly views add up to the
    same years. Township and village views never exceed it; the marts themselves, summed
    unfiltered, count each household once per level and kind of period."""
    db = warehouse
    spells = _spells(db)
    assert len(spells) > 0
    risks = spells.assign(risk_type_code=spells["risk_type_codes"].fillna("").str.split(",")).explode("risk_type_code")
    risks = risks[risks["risk_type_code"] != ""]
    by_mart = {
        MART_MONITORING.name: (spells, None),
        MART_MONITORING_CATEGORY.name: (spells.dropna(subset=["category_code"]), "category_code"),
        MART_MONITORING_RISK.name: (risks, "risk_type_code"),
    }
    checked = 0
    for mart, (counted, code) in by_mart.items():
        want = _flows_by_year(counted, code)
        keys = ["year"] + ([code] if code else [])
        for kind in ("year", "month"):
            for level in REGION_LEVELS:
                view = CATALOG.views[f"{mart}_{level}_{kind}"]
                got = db.query(
                    f"SELECT {', '.join(keys)}, SUM(newly_taken_in_households) AS h, SUM(newly_taken_in_persons) AS p, "
                    f"SUM(eliminated_households) AS e, SUM(monitored_households_at_end) AS stock "
                    f"FROM {db.name(view)} GROUP BY {', '.join(keys)}"
                )
                got = {
                    (int(r["year"]), r[code]) if code else int(r["year"]): (int(r["h"]), int(r["p"]), int(r["e"]), int(r["stock"]))
                    for _, r in got.iterrows()
                }
                flows = {k: v[:3] for k, v in got.items() if v[:3] != (0, 0, 0)}
                if level in ("province", "city", "county"):
                    assert flows == want, view.name
                    if kind == "year" and code is None:
                        for year, (_, _, _, stock) in got.items():
                            assert stock == _open_at_year_end(spells, year), (view.name, year)
                else:
                    assert all(all(a <= b for a, b in zip(v, want[k])) for k, v in flows.items()), view.name
                checked += 1
        unfiltered = db.scalar(f"SELECT SUM(newly_taken_in_households) FROM {db.name(CATALOG[mart])}")
        assert unfiltered >= 2 * 3 * sum(v[0] for v in want.values()) > 0, mart
    # A household with two risk types counts under both: the risk views' sum is not the total.
    assert sum(v[0] for v in _flows_by_year(risks, "risk_type_code").values()) > len(spells)

    households = db.query(f"SELECT household_key, exit_year, household_size FROM {db.name(FACT_HOUSEHOLD)} WHERE exit_year IS NOT NULL")
    monitored = households["household_key"].isin(set(spells["household_key"]))
    open_now = spells[~spells["risk_eliminated"].astype(bool) & spells["missing_since_date"].isna()]["household_key"]
    whole = (
        len(households),
        int(households["household_size"].fillna(0).sum()),
        int(monitored.sum()),
        int(households["household_key"].isin(set(open_now)).sum()),
    )
    assert whole[2] > 0
    for level in REGION_LEVELS:
        view = CATALOG.views[f"{MART_MONITORING_EXITED.name}_{level}"]
        row = db.query(
            f"SELECT SUM(exited_households) AS h, SUM(exited_persons) AS p, SUM(monitored_households) AS m, "
            f"SUM(monitored_now_households) AS n FROM {db.name(view)}"
        ).iloc[0]
        got = tuple(int(row[c]) for c in ("h", "p", "m", "n"))
        if level in ("province", "city", "county"):
            assert got == whole, view.name
        else:
            assert all(a <= b for a, b in zip(got, whole)), view.name
        checked += 1
    assert checked == 3 * 2 * len(REGION_LEVELS) + len(REGION_LEVELS)
