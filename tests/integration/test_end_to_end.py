"""The whole pipeline on generated files against the generator's own truth.

The truth comes from the generator's clean model, never from running the pipeline: every mart row
must equal it, every injected defect must be in quarantine at its file, sheet and row, and every
file's accounting must balance.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest
import sqlalchemy as sa

from assets.staging import latest_file_states
from etl_project.ingest.readers.column_map import load_column_map
from etl_project.ingest.readers.extract import extract
from etl_project.orchestration.runner import run_pipeline
from etl_project.warehouse.engine import Warehouse, opened
from etl_project.warehouse.summary import quarantine_counts, render
from sample_data import generate
from sample_data.investment_truth import yuan_per
from schemas.investment_tables import FACT_INVESTMENT, MART_INVESTMENT, MART_PROJECT_REACH, STG_LEDGER_TOTAL, STG_VILLAGE
from schemas.names import code_fields, name_column
from schemas.registry import ANY_LEVEL, CATALOG, MONEY, ROW_LEVEL
from schemas.report_tables import RECONCILIATION, REPORT_CLAIM, REPORT_FINDING, REPORT_FINDING_CLAIM
from schemas.tables import DIM_CODE, DIM_REGION, FACT_HOUSEHOLD, LOAD_AUDIT, MART_POVERTY_EXIT, QUARANTINE
from schemas.vocabularies import VOCABULARIES

MART_KEY = ["region_level", "region_code", "year"]

ID_LIKE = r"(?:^|[^0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?:[^0-9]|$)"
PHONE_LIKE = r"(?:^|[^0-9])1[3-9][0-9]{9}(?:[^0-9]|$)"


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("raw")
    truth_path = out / "truth.json"
    generate(out, households=3000, seed=11, truth=truth_path)
    return out, json.loads(truth_path.read_text(encoding="utf-8"))


def _run(raw: Path, url: str) -> dg.ExecuteInProcessResult:
    with dg.DagsterInstance.ephemeral() as instance:
        return run_pipeline(raw, url, instance)


# Defects a check reports rather than the quarantine: the rows themselves load.
CHECKED_DEFECTS = {"total_mismatch", "village_not_in_list"}


def _frames_equal(got: pd.DataFrame, want: pd.DataFrame, key: list[str], rates: tuple[str, ...]) -> None:
    """Row-for-row equality on ``key``; ``rates`` (ratios) to 1e-3, everything else exactly."""
    assert len(want) > 0
    columns = list(want.columns)
    got = got[columns].sort_values(key).reset_index(drop=True)
    want = want.sort_values(key).reset_index(drop=True)
    merged = got[key].merge(want[key], on=key, how="outer", indicator=True)
    only = merged[merged["_merge"] != "both"]
    assert only.empty, f"rows on one side only:\n{only.head(20)}"
    for column in columns:
        if column in key and got[column].dtype == object:
            continue
        if column in rates or "yuan" in column:
            g, w = got[column].astype(float), want[column].astype(float)
            assert (g.isna() == w.isna()).all(), f"{column}: known in one, unknown in the other"
            # Money to the fen exactly: both sides round a half fen away from zero.
            tolerance = 1e-3 if column in rates else 0.0
            assert ((g - w).abs().fillna(0) <= tolerance).all(), (
                f"{column} differs:\n{pd.concat([got[key], g, w], axis=1)[(g - w).abs() > tolerance].head()}"
            )
        elif column not in key:
            assert (got[column].astype("Int64") == want[column].astype("Int64")).all(), f"{column} differs"


def _assert_matches_truth(db: Warehouse, truth: dict) -> None:
    mart = db.query(f"SELECT * FROM {db.name(MART_POVERTY_EXIT)}")
    _frames_equal(mart, pd.DataFrame(truth["mart_poverty_exit"]), MART_KEY, rates=("poverty_incidence",))

    quarantined = [d for d in truth["defects"] if d["rule"] not in CHECKED_DEFECTS]
    quarantine = db.query(f"SELECT source_file, source_sheet, source_row, rule FROM {db.name(QUARANTINE)}")
    found = set(
        zip(quarantine["source_file"], quarantine["source_sheet"].fillna(""), quarantine["source_row"].astype(int), quarantine["rule"])
    )
    missing = [d for d in quarantined if (d["file"], d["sheet"], int(d["row"]), d["rule"]) not in found]
    assert not missing, f"{len(missing)} injected defects not in quarantine, e.g. {missing[:5]}"
    # Nothing else is rejected: a clean row in quarantine would be a false alarm.
    defect_rows = {(d["file"], d["sheet"], int(d["row"])) for d in quarantined}
    extra = {(f, s, r) for f, s, r, _ in found} - defect_rows
    assert not extra, f"clean rows rejected: {sorted(extra)[:5]}"

    # Every file as it stands now, whichever run read it last.
    audit = latest_file_states(db)
    truth_files = {f["file"] for f in truth["files"]}
    assert audit.loc[audit["source_file"].isin(truth_files), "status"].isin(["loaded", "unchanged"]).all()
    assert (audit["rows_read"] == audit["rows_loaded"] + audit["rows_quarantined"] + audit["rows_skipped"]).all()
    by_file = audit.set_index("source_file")
    for entry in pd.DataFrame(truth["files"]).groupby("file").sum(numeric_only=True).itertuples():
        row = by_file.loc[entry.Index]
        assert row["skipped_blank"] == entry.blank_rows and row["skipped_total"] == entry.total_rows, entry.Index
        assert row["skipped_note"] == entry.note_rows and row["rows_quarantined"] == entry.defect_rows, entry.Index
        assert row["skipped_section"] == getattr(entry, "section_rows", 0), entry.Index

    if "fact_investment_total_yuan" in truth:
        _assert_investment_matches(db, truth)
    if truth.get("report_claims"):
        _assert_reports_reconcile(db, truth)


def _assert_investment_matches(db: Warehouse, truth: dict) -> None:
    total = db.scalar(f"SELECT SUM(amount_yuan) FROM {db.name(FACT_INVESTMENT)}")
    assert abs(float(total) - truth["fact_investment_total_yuan"]) < 0.01
    mart = db.query(f"SELECT * FROM {db.name(MART_INVESTMENT)}")
    key = ["region_level", "region_code", "year", "category", "donor_type"]
    _frames_equal(mart, pd.DataFrame(truth["mart_investment"]), key, rates=())
    if "mart_project_reach" in truth:
        reach = db.query(f"SELECT * FROM {db.name(MART_PROJECT_REACH)}")
        _frames_equal(reach, pd.DataFrame(truth["mart_project_reach"]), list(MART_PROJECT_REACH.primary_key), rates=())
        _assert_example_queries_match_truth(db, truth)

    totals = db.query(f"SELECT source_file, source_sheet, source_row, difference_yuan FROM {db.name(STG_LEDGER_TOTAL)}")
    wrong = {(f, s or "", int(r)) for f, s, r, d in totals.itertuples(index=False) if d is None or abs(d) > 0.5}
    expected_wrong = {(d["file"], d["sheet"], int(d["row"])) for d in truth["defects"] if d["rule"] == "total_mismatch"}
    assert wrong == expected_wrong
    listed = set(db.query(f"SELECT village_code FROM {db.name(STG_VILLAGE)}")["village_code"])
    registry_villages = set(db.query(f"SELECT DISTINCT village_code FROM {db.name(FACT_HOUSEHOLD)}")["village_code"])
    expected_missing = {d["village_code"] for d in truth["defects"] if d["rule"] == "village_not_in_list"}
    assert registry_villages - listed == expected_missing


def _example_query(db: Warehouse, name: str) -> pd.DataFrame:
    return db.query((Path(__file__).resolve().parents[2] / "docs" / "sql" / name).read_text(encoding="utf-8"))


def _assert_example_queries_match_truth(db: Warehouse, truth: dict) -> None:
    """The starting queries of docs/sql that add up money, projects and households give the
    generator's figures: a project funded in two years or by two donor types counts once."""
    invest = pd.DataFrame(truth["mart_investment"]).query("region_level == 'county'")
    reach = pd.DataFrame(truth["mart_project_reach"]).query("region_level == 'county'")

    got = _example_query(db, "cost_per_household_benefited.sql").set_index(["county_code", "category"])
    amounts = invest.groupby(["region_code", "category"])["amount_yuan"].sum()
    households = reach.groupby(["region_code", "category"])["households_benefited"].sum()
    assert sorted(got.index) == sorted(amounts.index)
    for (county, category), amount in amounts.items():
        row = got.loc[(county, category)]
        reached = int(households.get((county, category), 0))
        assert float(row["amount_yuan"]) == amount and int(row["households_benefited"]) == reached, (county, category)
        expected = yuan_per(int(amount), reached) if reached else None
        value = None if pd.isna(row["yuan_per_household"]) else float(row["yuan_per_household"])
        assert value == expected, (county, category, value, expected)

    got = _example_query(db, "investment_by_county_and_year.sql").set_index(["county_code", "year"])
    amounts = invest.groupby(["region_code", "year"])["amount_yuan"].sum()
    projects = reach.groupby(["region_code", "year"])["projects"].sum()
    assert sorted(got.index) == sorted(amounts.index)
    assert set(projects.index) <= set(amounts.index), "projects first funded where no money arrived"
    for (county, year), amount in amounts.items():
        row = got.loc[(county, year)]
        wan = (Decimal(int(amount)) / 10000).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert float(row["amount_yuan"]) == amount and Decimal(row["amount_wan_yuan"]) == wan, (county, year)
        assert int(row["projects_first_funded"]) == int(projects.get((county, year), 0)), (county, year)


def _assert_reports_reconcile(db: Warehouse, truth: dict) -> None:
    """Every figure the generated reports state is extracted and reconciled with the status the
    truth gives; the planted contradiction is a finding."""
    got = db.query(
        f"SELECT r.source_file, r.metric, r.region_code, r.period, r.claimed_value, r.warehouse_value, r.status "
        f"FROM {db.name(RECONCILIATION)} r"
    )
    unmatched = []
    for claim in truth["report_claims"]:
        same = got[
            (got["source_file"] == claim["file"])
            & (got["metric"] == claim["metric"])
            & ((got["claimed_value"] - claim["value"]).abs() < 0.5)
            & (got["period"].fillna("") == (claim["period"] or ""))
            & (got["region_code"].fillna("") == (claim["region_code"] or ""))
        ]
        if same.empty or claim["expected_status"] not in set(same["status"]):
            unmatched.append((claim["file"], claim["metric"], claim["value"], claim["expected_status"], same["status"].tolist()))
    assert not unmatched, unmatched[:5]
    judged = got[got["status"] != "no_data"]
    assert len(judged) >= sum(1 for c in truth["report_claims"] if c["expected_status"] != "no_data")
    findings = db.query(f"SELECT source_file, rule FROM {db.name(REPORT_FINDING)}")
    expected = {(f["file"], f["rule"]) for f in truth["report_findings"]}
    assert expected <= set(zip(findings["source_file"], findings["rule"]))


def _assert_no_personal_data(db: Warehouse, raw: Path) -> None:
    """No ID-number-like or phone-like value anywhere, and no head's name from the files."""
    column_map = load_column_map("registry")
    names = set()
    for path in (raw / "registry").iterdir():
        names |= set(extract(path, column_map).rows["head_name"].dropna())
    assert len(names) > 100
    for table in CATALOG.tables.values():
        if table.layer in ("source",):
            continue
        frame = db.query(f"SELECT * FROM {db.name(table)}")
        text_columns = [f.name for f in table.fields if f.type in ("string", "code")]
        text = frame[text_columns].astype(str)
        for column in text.columns:
            # A hex digest (a file's sha256, a keyed hash) holds runs of digits by chance; it is no person's.
            values = text[column].mask(text[column].str.fullmatch(r"[0-9a-f]{16,64}"), "")
            if table.name != "quarantine":
                assert not values.str.contains(ID_LIKE).any(), f"{table.name}.{column} holds an ID-number-like value"
                assert not values.str.contains(PHONE_LIKE).any(), f"{table.name}.{column} holds a phone-like value"
            else:
                assert not values.str.fullmatch(r"\d{17}[\dX]|\d{15}|1[3-9]\d{9}").any(), f"unmasked personal data in quarantine.{column}"
            if column in ("township_name", "village_name", "region_name", "county_name_as_written"):
                continue
            assert not set(values) & names, f"{table.name}.{column} holds a registry name"


def test_duckdb_run_equals_truth(sample, tmp_path):
    raw, truth = sample
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    result = _run(raw, url)
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["load_audit_balanced"] and checks["no_personal_data_left"]
    assert checks["mart_poverty_exit_consistent"] and checks["file_readable"]
    assert checks["registry_rows_valid"] is False  # the sample carries defects on purpose
    with opened(url) as db:
        _assert_matches_truth(db, truth)
        _assert_quarantine_counted(db, truth, result)
        _assert_no_personal_data(db, raw)
        assert_every_code_named(db)
        _assert_reports_read_alone(db)


def assert_every_code_named(db: Warehouse) -> None:
    """No code in an analytics table without its name: every vocabulary code is a row of dim_code
    and every region code one of dim_region (at the level the column or the row says), and where a
    name column stands beside the code it holds that name on every row that has a code."""
    dim_code, dim_region = db.name(DIM_CODE), db.name(DIM_REGION)
    assert db.row_count(DIM_CODE) == sum(len(v.codes) for v in VOCABULARIES.values())
    named_columns = 0
    for table in [t for t in CATALOG.tables.values() if t.schema == "analytics"]:
        for code in code_fields(table):
            column = f"t.{db.quote(code.name)}"
            if code.vocabulary:
                joined = f"{dim_code} c ON c.vocabulary = :vocabulary AND c.code = {column}"
                found, name = "c.code", "c.name_zh"
            else:
                level = {ROW_LEVEL: " AND c.region_level = t.region_level", ANY_LEVEL: ""}.get(code.region, " AND c.region_level = :level")
                joined = f"{dim_region} c ON c.region_code = {column}{level}"
                found, name = "c.region_code", "COALESCE(c.short_name, c.region_name)"
            params = {"vocabulary": code.vocabulary, "level": code.region}
            unnamed = db.query(
                f"SELECT DISTINCT {column} AS code FROM {db.name(table)} t LEFT JOIN {joined} WHERE {column} IS NOT NULL AND {found} IS NULL",
                params,
            )
            assert unnamed.empty, f"{table.name}.{code.name}: codes without a name: {unnamed['code'].tolist()[:10]}"
            if name_column(code) in table.column_names and code.region != ANY_LEVEL:
                beside = f"t.{db.quote(name_column(code))}"
                wrong = db.scalar(
                    f"SELECT COUNT(*) FROM {db.name(table)} t LEFT JOIN {joined} "
                    f"WHERE {column} IS NOT NULL AND ({beside} IS NULL OR {beside} <> {name})",
                    params,
                )
                assert wrong == 0, f"{table.name}.{name_column(code)}: {wrong} rows without the name of their code"
                named_columns += 1
            elif name_column(code) in table.column_names:
                missing = db.scalar(
                    f"SELECT COUNT(*) FROM {db.name(table)} t WHERE {column} IS NOT NULL AND t.{db.quote(name_column(code))} IS NULL"
                )
                assert missing == 0, f"{table.name}.{name_column(code)}: {missing} rows without a name"
                named_columns += 1
    assert named_columns >= 25


def _assert_reports_read_alone(db: Warehouse) -> None:
    """A reconciliation row says what the report said, where and when, without a join; a finding's
    claims are found through report_finding_claim, the same ones its claim_indexes lists."""
    recon, claims = db.name(RECONCILIATION), db.name(REPORT_CLAIM)
    differ = db.scalar(
        f"SELECT COUNT(*) FROM {recon} r JOIN {claims} c ON c.report_id = r.report_id AND c.claim_index = r.claim_index "
        "WHERE r.figure_text IS DISTINCT FROM c.figure_text OR r.sentence IS DISTINCT FROM c.sentence "
        "OR r.report_date IS DISTINCT FROM c.report_date"
    )
    assert differ == 0
    assert db.scalar(f"SELECT COUNT(*) FROM {recon} WHERE region_code IS NOT NULL AND region_name IS NULL") == 0
    assert db.scalar(f"SELECT COUNT(*) FROM {recon} WHERE figure_text IS NULL OR sentence IS NULL OR status_name IS NULL") == 0
    assert db.scalar(f"SELECT COUNT(*) FROM {recon} WHERE report_date IS NOT NULL") > 0

    joined = db.query(
        f"SELECT f.report_id, f.finding_index, f.claim_indexes, c.claim_index, c.sentence "
        f"FROM {db.name(REPORT_FINDING)} f JOIN {db.name(REPORT_FINDING_CLAIM)} b ON b.report_id = f.report_id AND b.finding_index = f.finding_index "
        f"JOIN {claims} c ON c.report_id = b.report_id AND c.claim_index = b.claim_index"
    )
    findings = db.query(f"SELECT report_id, finding_index, claim_indexes FROM {db.name(REPORT_FINDING)}")
    assert len(findings) > 0 and joined["sentence"].notna().all()
    for finding in findings.itertuples(index=False):
        listed = sorted({int(i) for i in finding.claim_indexes.split(",") if i})
        found = joined[(joined["report_id"] == finding.report_id) & (joined["finding_index"] == finding.finding_index)]
        assert sorted(found["claim_index"].astype(int)) == listed, finding


def _assert_quarantine_counted(db: Warehouse, truth: dict, result) -> None:
    """The quarantine says how many source rows it holds besides how many problems: in the run's
    summary, on the quarantine asset and in each rows_valid check."""
    defects = [d for d in truth["defects"] if d["rule"] not in CHECKED_DEFECTS]
    sources = {f["file"]: f.get("source", "registry") for f in truth["files"]}
    rows = {(d["file"], d["sheet"], int(d["row"])) for d in defects}
    problems = db.row_count(QUARANTINE)
    assert problems >= len(rows) > 0
    said = render(pd.DataFrame(), pd.DataFrame(), pd.DataFrame(), quarantine_counts(db))
    assert f"Quarantine: {problems} problems in {len(rows)} source rows" in said

    quarantine = db.query(f"SELECT source FROM {db.name(QUARANTINE)}")
    checks = {e.check_name: e.metadata for e in result.get_asset_check_evaluations()}
    for source in ("registry", "funds", "projects", "villages", "monitoring"):
        metadata = checks[f"{source}_rows_valid"]
        assert metadata["quarantined_rows"].value == len({r for r in rows if sources[r[0]] == source}), source
        assert metadata["problems"].value == int((quarantine["source"] == source).sum()), source
    asset = next(m for m in result.asset_materializations_for_node("staging_tables") if m.asset_key.path == ["quarantine"])
    assert (asset.metadata["problems"].value, asset.metadata["source_rows"].value) == (problems, len(rows))


def uncommented_columns(db: Warehouse) -> list[str]:
    """Columns of BI-facing tables without a database comment."""
    if db.dialect == "duckdb":
        sql = "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'analytics' AND (comment IS NULL OR comment = '')"
    else:
        sql = (
            "SELECT c.table_name, c.column_name FROM information_schema.columns c WHERE c.table_schema = 'analytics' "
            "AND col_description(format('%I.%I', c.table_schema, c.table_name)::regclass, c.ordinal_position) IS NULL"
        )
    return [f"{t}.{c}" for t, c in db.query(sql).itertuples(index=False)]


@pytest.mark.postgres
def test_postgres_run_equals_truth_and_duckdb(sample, postgres_database, tmp_path):
    raw, truth = sample
    result = _run(raw, postgres_database)
    assert result.success
    duck_url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    assert _run(raw, duck_url).success
    with opened(postgres_database) as db, opened(duck_url) as duck:
        _assert_matches_truth(db, truth)
        counts = run_example_queries(db)
        assert counts and all(rows > 0 for rows in counts.values()), counts
        assert not uncommented_columns(db) and not uncommented_columns(duck)
        assert_every_code_named(db)
        _assert_reports_read_alone(db)
        for warehouse in (db, duck):
            assert_money_is_decimal(warehouse)
            assert_years_have_dates(warehouse)
        assert_analytics_equal(db, duck)


ANALYTICS_TABLES = [t for t in CATALOG.tables.values() if t.schema == "analytics"]


def analytics_column_types(db: Warehouse) -> dict[tuple[str, str], tuple[str, int | None, int | None]]:
    """(table, column) → (type name, precision, scale) as the engine's information_schema says."""
    rows = db.query(
        "SELECT table_name, column_name, data_type, numeric_precision, numeric_scale "
        "FROM information_schema.columns WHERE table_schema = 'analytics'"
    )
    return {(t, c): (kind.lower(), precision, scale) for t, c, kind, precision, scale in rows.itertuples(index=False)}


def assert_money_is_decimal(db: Warehouse) -> None:
    """Every money column of the analytics tables is DECIMAL(18,2) in the database: a BI tool sums
    it exactly, never showing 120.17999999999999; and no column of yuan is declared other than money."""
    not_money = [
        f"{t.name}.{f.name}"
        for t in ANALYTICS_TABLES
        for f in t.fields
        if ("yuan" in f.name or (f.unit or "").endswith("yuan")) and f.type != MONEY
    ]
    assert not not_money, not_money
    types = analytics_column_types(db)
    money = [(t.name, f.name) for t in ANALYTICS_TABLES for f in t.fields if f.type == MONEY]
    assert len(money) >= 7
    wrong = {key: types.get(key) for key in money if types.get(key) not in (("decimal(18,2)", 18, 2), ("numeric", 18, 2))}
    assert not wrong, wrong


def assert_years_have_dates(db: Warehouse) -> None:
    """Each year column of a fact or mart without a date of its own has its DATE beside it,
    1 January of that year, on every row."""
    types = analytics_column_types(db)
    dated = [(t, f) for t in ANALYTICS_TABLES for f in t.fields if f.first_day_of]
    assert {t.name for t, _ in dated} >= {"mart_poverty_exit", "mart_investment", "mart_project_reach", "fact_household"}
    for table, field in dated:
        assert types[(table.name, field.name)][0] == "date", (table.name, field.name, types[(table.name, field.name)])
        pairs = db.query(f"SELECT DISTINCT {db.quote(field.first_day_of)}, {db.quote(field.name)} FROM {db.name(table)}")
        wrong = [
            (year, day)
            for year, day in pairs.itertuples(index=False)
            if (None if pd.isna(year) else date(int(year), 1, 1)) != (None if pd.isna(day) else pd.Timestamp(day).date())
        ]
        assert not wrong and pairs.iloc[:, 1].notna().any(), (table.name, field.name, wrong[:5])


def analytics_rows(db: Warehouse, table) -> list[tuple]:
    """Every row of the table as the driver gives it (NULL as None, money as Decimal), ordered by
    all columns in Python: the engines collate text and place NULLs differently."""
    columns = ", ".join(db.quote(c) for c in table.column_names)
    with db.engine.connect() as connection:
        rows = connection.execute(sa.text(f"SELECT {columns} FROM {db.name(table)}")).fetchall()
    return sorted((tuple(row) for row in rows), key=lambda row: tuple((value is None, value) for value in row))


def assert_analytics_equal(db: Warehouse, other: Warehouse) -> None:
    """Every analytics table holds the same rows in both warehouses, value for value and of the
    same Python type: no tolerance, NULL only where the other has NULL."""
    for table in [t for t in CATALOG.tables.values() if t.schema == "analytics"]:
        mine, theirs = analytics_rows(db, table), analytics_rows(other, table)
        assert len(mine) == len(theirs) > 0, (table.name, len(mine), len(theirs))
        for a, b in zip(mine, theirs):
            assert a == b and [type(v) for v in a] == [type(v) for v in b], f"{table.name} differs:\n{a}\n{b}"


def test_rerun_is_idempotent_and_a_bad_file_fails_alone(sample, tmp_path):
    raw, truth = sample
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    assert _run(raw, url).success
    broken = raw / "registry" / "zz_broken.xlsx"
    broken.write_bytes(b"PK\x03\x04 this is not a workbook")
    try:
        result = _run(raw, url)
    finally:
        broken.unlink()
    assert result.success
    checks = {e.check_name: e.passed for e in result.get_asset_check_evaluations()}
    assert checks["file_readable"] is False
    mart = next(m for m in result.asset_materializations_for_node("mart_poverty_exit"))
    assert mart.metadata["files_failed_kept_last_good"].value == ["registry/zz_broken.xlsx"]
    with opened(url) as db:
        audit = db.query(f"SELECT * FROM {db.name(LOAD_AUDIT)} WHERE run_id = :r", {"r": result.run_id})
        failed = audit[audit["status"] == "failed"]
        assert failed["source_file"].tolist() == ["registry/zz_broken.xlsx"]
        # The reason is the file's own, and names it nowhere: the file is in source_file, said once.
        assert "not a readable" in failed["message"].iloc[0] and "zz_broken.xlsx" not in failed["message"].iloc[0]
        _assert_matches_truth(db, truth)  # the good files loaded as before


def run_example_queries(db: Warehouse) -> dict[str, int]:
    """Each query a BI user starts from (docs/sql/), run as written; rows returned per query."""
    counts = {}
    for path in sorted((Path(__file__).resolve().parents[2] / "docs" / "sql").glob("*.sql")):
        counts[path.name] = len(db.query(path.read_text(encoding="utf-8")))
    return counts


def test_example_queries_run_on_duckdb(sample, tmp_path):
    raw, _ = sample
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    assert _run(raw, url).success
    with opened(url) as db:
        counts = run_example_queries(db)
        assert_money_is_decimal(db)
        assert_years_have_dates(db)
    assert counts and all(rows > 0 for rows in counts.values()), counts


def test_shipped_sample_equals_its_truth(tmp_path):
    """data/raw is what `etl-project sample-data --households 2000 --seed 7` wrote; its truth is committed beside it."""
    root = Path(__file__).resolve().parents[2]
    truth = json.loads((root / "data" / "sample_truth.json").read_text(encoding="utf-8"))
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    result = _run(root / "data" / "raw", url)
    assert result.success
    with opened(url) as db:
        _assert_matches_truth(db, truth)
        _assert_quarantine_counted(db, truth, result)


def test_validate_answers_every_generated_file(sample):
    """Each generated file gets the steward's verdict: the source detected, every injected row defect
    and wrong total reported at its row, exit 1 exactly for the files that carry one."""
    from etl_project.ingest.steward import validate_file

    raw, truth = sample
    expected: dict[str, set] = {}
    for d in truth["defects"]:
        if d["rule"] != "village_not_in_list":
            expected.setdefault(d["file"], set()).add((d["sheet"], int(d["row"]), d["rule"]))
    sources = {f["file"]: f.get("source", "registry") for f in truth["files"]}
    assert {"registry", "funds", "projects", "villages", "monitoring"} <= set(sources.values())
    for relative, source in sources.items():
        verdict = validate_file(raw / relative)
        assert verdict.source == source, relative
        found = {(p["sheet"], p["row"], p["rule"]) for p in verdict.problems}
        # A ledger checked alone cannot know the project lists: unknown_project needs a pipeline run.
        wanted = {e for e in expected.get(relative, set()) if e[2] != "unknown_project"}
        assert wanted <= found, (relative, sorted(wanted - found)[:5])
        assert verdict.exit_code == (1 if found else 0), relative


@pytest.mark.parametrize(
    "url, said",
    [
        # Port 1 on this machine: nothing listens there, so the connection is refused at once.
        (
            "postgresql+psycopg://steward:secret@127.0.0.1:1/warehouse",
            "postgresql+psycopg://steward:***@127.0.0.1:1/warehouse: connection failed",
        ),
        ("duckbd:///data/warehouse/warehouse.duckdb", "duckbd:///data/warehouse/warehouse.duckdb: Can't load plugin"),
    ],
)
def test_a_warehouse_that_cannot_be_opened_is_named_without_a_traceback(url, said, tmp_path):
    import subprocess
    import sys

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "etl_project",
            "run",
            "--raw",
            str(Path(__file__).resolve().parents[2] / "data" / "raw"),
            "--warehouse",
            url,
            "--ephemeral",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 1
    assert "Traceback" not in done.stderr and "secret" not in done.stderr
    assert f"etl-project run: cannot open the warehouse {said}" in done.stderr
