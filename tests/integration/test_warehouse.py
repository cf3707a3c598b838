"""Loads and atomic replacement on DuckDB and PostgreSQL."""

from __future__ import annotations

import time
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from etl_project.warehouse.engine import Warehouse, opened
from etl_project.warehouse.marts import rounded_quotient_sql
from etl_project.warehouse.pg_locks import LockPolicy, TableBusy
from schemas.investment_tables import STG_LEDGER_TOTAL
from schemas.tables import LOAD_AUDIT, QUARANTINE


def _quarantine_rows(n: int, tag: str) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "run_id": tag,
            "source": "registry",
            "source_file": [f"registry/文件 '{i % 3}'.xlsx" for i in range(n)],
            "source_sheet": ["花名册"] * n,
            "source_row": pd.array(range(5, 5 + n), dtype="Int64"),
            "column_name": "id_number",
            "source_header": "证件号码",
            "rule": "id_check_digit",
            "message_zh": "证件号码校验位错误",
            "message_en": "check digit; it's wrong",
            "value_masked": [None if i % 2 else "520425****01" for i in range(n)],
        }
    )


@pytest.fixture(params=["duckdb", "postgresql"])
def warehouse(request, tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}" if request.param == "duckdb" else request.getfixturevalue("postgres_database")
    with opened(url) as db:
        yield db


def test_replace_round_trips_text_nulls_and_numbers(warehouse):
    rows = _quarantine_rows(50, "run-1")
    assert warehouse.replace(QUARANTINE, rows) == 50
    back = warehouse.query('SELECT * FROM "audit"."quarantine" ORDER BY source_row')
    assert back["source_file"].tolist() == rows["source_file"].tolist()
    assert back["value_masked"].isna().sum() == 25
    assert back["message_en"].iloc[0] == "check digit; it's wrong"


def test_replace_swaps_whole_table(warehouse):
    warehouse.replace(QUARANTINE, _quarantine_rows(10, "old"))
    warehouse.replace(QUARANTINE, _quarantine_rows(3, "new"))
    assert warehouse.query('SELECT DISTINCT run_id FROM "audit"."quarantine"')["run_id"].tolist() == ["new"]
    assert not warehouse.scalar("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'quarantine__loading'")


def test_failed_load_leaves_old_table(warehouse):
    warehouse.replace(QUARANTINE, _quarantine_rows(4, "old"))
    broken = _quarantine_rows(2, "new").drop(columns=["rule"])
    with pytest.raises(KeyError):
        warehouse.replace(QUARANTINE, broken)
    assert warehouse.row_count(QUARANTINE) == 4


def test_replace_where_is_idempotent(warehouse):
    audit = pd.DataFrame(
        [
            dict.fromkeys(LOAD_AUDIT.column_names)
            | {"run_id": "r1", "source": "registry", "source_file": "a.csv", "status": "loaded", "rows_read": 3}
        ]
    )
    ref = warehouse.reference(LOAD_AUDIT)
    for _ in range(2):
        warehouse.replace_where(LOAD_AUDIT, audit, ref.c.run_id == "r1")
    assert warehouse.row_count(LOAD_AUDIT) == 1


def test_table_and_column_comments_reach_the_database(warehouse):
    warehouse.replace(QUARANTINE, _quarantine_rows(1, "x"))
    if warehouse.dialect == "duckdb":
        comments = warehouse.query("SELECT comment FROM duckdb_columns() WHERE schema_name = 'audit' AND table_name = 'quarantine'")[
            "comment"
        ]
        table_comment = warehouse.scalar("SELECT comment FROM duckdb_tables() WHERE schema_name = 'audit' AND table_name = 'quarantine'")
    else:
        comments = warehouse.query(
            "SELECT col_description('audit.quarantine'::regclass, ordinal_position) AS comment FROM information_schema.columns "
            "WHERE table_schema = 'audit' AND table_name = 'quarantine'"
        )["comment"]
        table_comment = warehouse.scalar("SELECT obj_description('audit.quarantine'::regclass)")
    assert table_comment.startswith("隔离区")
    assert len(comments) == len(QUARANTINE.fields) and comments.notna().all()


def _idle_reader(url: str, sql: str, application: str = "bi_probe"):
    """A session that read a table and keeps its transaction open, as a BI tool left idle does."""
    import psycopg

    session = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), application_name=application)
    session.execute(sql).fetchall()
    return session, session.execute("SELECT pg_backend_pid()").fetchone()[0]


@pytest.mark.postgres
def test_swap_gives_way_to_readers_and_goes_through_once_the_holder_lets_go(postgres_database):
    """While a reader holds the table, each try waits at most the lock timeout, so a new reader
    queued behind it goes on when the try gives up; the holder lets go during a later try and the
    swap goes through with every row loaded before the first (a failed try undoes only itself)."""
    import threading

    import psycopg

    with opened(postgres_database) as db:
        db.lock_policy = LockPolicy(timeout_s=0.5, tries=4)  # tries start at 0, 0.75 and 1.75 s
        db.replace(QUARANTINE, _quarantine_rows(4, "old"))
        holder, _ = _idle_reader(postgres_database, 'SELECT * FROM "audit"."quarantine"')
        threading.Timer(2.0, holder.rollback).start()
        queued: list[float] = []

        def new_reader() -> None:
            time.sleep(0.2)
            began = time.monotonic()
            with psycopg.connect(postgres_database.replace("postgresql+psycopg://", "postgresql://")) as reader:
                reader.execute('SELECT COUNT(*) FROM "audit"."quarantine"').fetchone()
            queued.append(time.monotonic() - began)

        reader = threading.Thread(target=new_reader)
        reader.start()
        started = time.monotonic()
        assert db.replace(QUARANTINE, _quarantine_rows(7, "new")) == 7
        took = time.monotonic() - started
        reader.join()
        assert 1.5 < took < db.lock_policy.longest_s, took  # it did wait for the holder
        assert queued[0] < db.lock_policy.timeout_s + 0.3, queued
        assert db.query('SELECT DISTINCT run_id FROM "audit"."quarantine"')["run_id"].tolist() == ["new"]
        assert db.row_count(QUARANTINE) == 7
        holder.close()


@pytest.mark.postgres
def test_migration_held_up_by_an_idle_reader_names_it(postgres_database):
    """A table whose declaration changed is rebuilt and swapped like any other: an idle reader makes
    the migration fail after its tries, naming the session, and leaves the table as it was."""
    import threading

    with opened(postgres_database) as db:
        db.lock_policy = LockPolicy(timeout_s=0.3, tries=2)
        db.replace(QUARANTINE, _quarantine_rows(3, "old"))
        with db.engine.begin() as connection:
            connection.execute(sa.text('ALTER TABLE "audit"."quarantine" DROP COLUMN "source_header"'))
        reader, pid = _idle_reader(postgres_database, 'SELECT * FROM "audit"."quarantine"', "report_tool")
        release = threading.Timer(10.0, reader.rollback)  # a migration that waits for the reader ends then
        release.start()
        started = time.monotonic()
        with pytest.raises(TableBusy) as busy:
            db.ensure_table(QUARANTINE)
        took = time.monotonic() - started
        release.cancel()
        assert took < db.lock_policy.longest_s + 1.0, took
        assert f"pid {pid}" in str(busy.value) and "report_tool" in str(busy.value) and "idle in transaction" in str(busy.value)
        assert "source_header" not in db.columns(QUARANTINE) and db.row_count(QUARANTINE) == 3
        reader.rollback()
        assert db.ensure_table(QUARANTINE).startswith("migrated")
        reader.close()


def test_empty_text_is_stored_as_null_on_both_engines(warehouse):
    """A CSV row has no sheet: COPY reads its empty sheet as NULL on PostgreSQL, and DuckDB stores
    the same, so a query finds CSV rows the same way on both."""
    rows = _quarantine_rows(2, "run-1").assign(source_sheet=["", "花名册"], value_masked=["", None])
    warehouse.replace(QUARANTINE, rows)
    back = warehouse.query('SELECT source_sheet, value_masked FROM "audit"."quarantine" ORDER BY source_row')
    assert back["source_sheet"].tolist() == [None, "花名册"]
    assert back["value_masked"].tolist() == [None, None]


def test_money_is_stored_to_the_fen_exactly(warehouse):
    """Money is DECIMAL(18, 2): what arrives as a double (0.1 + 0.2) is stored as the fen it means,
    and reads back as a Decimal on both engines."""
    amounts = [0.1 + 0.2, 20351.93, 12345678901234.56, None]
    rows = pd.DataFrame(
        {
            "source_file": "funds/台账.xlsx",
            "source_sheet": "Sheet1",
            "source_row": pd.array([5, 6, 7, 8], dtype="Int64"),
            "label": "合计",
            "stated_yuan": amounts,
            "computed_yuan": amounts,
            "difference_yuan": 0.0,
            "rows_covered": pd.array([1, 1, 1, 1], dtype="Int64"),
            "unit": "元",
        }
    )
    warehouse.replace(STG_LEDGER_TOTAL, rows)
    with warehouse.engine.connect() as connection:
        back = [row[0] for row in connection.execute(sa.text('SELECT stated_yuan FROM "staging"."stg_ledger_total" ORDER BY source_row'))]
    assert back == [Decimal("0.30"), Decimal("20351.93"), Decimal("12345678901234.56"), None]


def test_quotients_round_half_up_exactly_on_both_engines(warehouse):
    """The marts' quotients (yuan per household, poverty incidence) round a half away from zero on
    both engines, where a division in double precision would round 20351.925 down."""
    cases = [("4070385.00", 200), ("0.05", 2), ("-0.05", 2), ("1.00", 3), ("2.00", 3), ("2.675", 1), ("9999999999999.99", 7)]
    rng = np.random.default_rng(5)
    cases += [(f"{int(n) / 100:.2f}", int(d)) for n, d in zip(rng.integers(1, 10**11, 200), rng.integers(1, 5000, 200))]
    values = " UNION ALL ".join(f"SELECT {i} AS i, CAST('{n}' AS DECIMAL(18, 3)) AS n, {d} AS d" for i, (n, d) in enumerate(cases))
    digits = 2
    sql = f"SELECT i, {rounded_quotient_sql('n', 'd', digits, warehouse.dialect)} AS q FROM ({values}) AS cases ORDER BY i"
    with warehouse.engine.connect() as connection:
        got = [row[1] for row in connection.execute(sa.text(sql))]
    expected = [(Decimal(n) / d).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP) for n, d in cases]
    assert got[:2] == [Decimal("20351.93"), Decimal("0.03")] and got == expected


def _regions_for_names(db: Warehouse) -> None:
    """A few regions as dim_region holds them: 东莞市 is a city and its own county; 紫云县 has a
    longer official name; townships and villages have local codes."""
    from schemas.tables import DIM_REGION

    rows = [
        ("440000", "广东省", None, "province", None, "440000", None, None, None),
        ("441900", "东莞市", None, "city", "440000", "440000", "441900", None, None),
        ("441900", "东莞市", None, "county", "441900", "440000", "441900", "441900", None),
        ("520000", "贵州省", None, "province", None, "520000", None, None, None),
        ("520400", "安顺市", None, "city", "520000", "520000", "520400", None, None),
        ("520425", "紫云苗族布依族自治县", "紫云县", "county", "520400", "520000", "520400", "520425", None),
        ("520425-aaaaaa", "猴场镇", None, "township", "520425", "520000", "520400", "520425", "520425-aaaaaa"),
        ("520425-aaaaaa-bbbbbb", "新村", None, "village", "520425-aaaaaa", "520000", "520400", "520425", "520425-aaaaaa"),
    ]
    columns = [
        "region_code",
        "region_name",
        "short_name",
        "region_level",
        "parent_code",
        "province_code",
        "city_code",
        "county_code",
        "township_code",
    ]
    frame = pd.DataFrame(rows, columns=columns)
    for column in DIM_REGION.column_names:
        if column not in frame:
            frame[column] = None
    db.replace(DIM_REGION, frame)


def test_codes_are_named_in_sql_the_same_on_both_engines(warehouse, coded_table):
    """A table declared with a region code of the row's level, a vocabulary code and a village code
    gets its names from dim_region (short names first) and from the vocabulary; a code neither
    knows is left without a name, never given a wrong one."""
    from etl_project.warehouse.names import named_select
    from schemas.names import with_names

    _regions_for_names(warehouse)
    table = with_names(coded_table)
    base = (
        "SELECT * FROM (VALUES ('520425', 'county', '07', '520425-aaaaaa-bbbbbb', 1), ('441900', 'county', '1', NULL, 2), "
        "('441900', 'city', '12', NULL, 3), ('520000', 'province', NULL, NULL, 4), ('999999', 'county', '99', 'x', 5)) "
        "AS v(region_code, region_level, main_cause_code, village_code, households)"
    )
    sql, params = named_select(warehouse, table, base)
    assert warehouse.replace_from_sql(table, sql, params) == 5
    got = warehouse.query(f"SELECT * FROM {warehouse.name(table)} ORDER BY households")
    assert list(got.columns) == table.column_names
    names = ["region_name", "province_name", "city_name", "county_name", "region_level_name", "main_cause_name", "village_name"]
    assert [tuple(row) for row in got[names].itertuples(index=False)] == [
        ("紫云县", "贵州省", "安顺市", "紫云县", "县级", "缺技术", "新村"),
        ("东莞市", "广东省", "东莞市", "东莞市", "县级", None, None),
        ("东莞市", "广东省", "东莞市", None, "地级", "其他", None),
        ("贵州省", "贵州省", None, None, "省级", None, None),
        (None, None, None, None, "县级", None, None),
    ]


def test_codes_of_no_given_level_are_named_in_python_from_the_same_regions(warehouse):
    """The reconciliation's region codes may be a province, a city, a county or a township's local
    code: a code that is both a city and a county is named as the county."""
    from etl_project.warehouse.names import named_frame
    from schemas.report_tables import RECONCILIATION

    _regions_for_names(warehouse)
    base = pd.DataFrame({c: [None] * 4 for c in RECONCILIATION.base_column_names})
    base["region_code"] = ["441900", "520425-aaaaaa", None, "520000"]
    base["metric"] = ["households_exited", "investment_amount", "other", "poverty_incidence"]
    base["status"] = ["match", "ambiguous", "no_data", "mismatch"]
    named = named_frame(warehouse, RECONCILIATION, base)
    assert list(named.columns) == RECONCILIATION.column_names
    got = named[["region_name", "province_name", "city_name", "county_name", "metric_name", "status_name"]]
    assert [tuple(None if pd.isna(v) else v for v in row) for row in got.itertuples(index=False)] == [
        ("东莞市", "广东省", "东莞市", "东莞市", "脱贫户数", "一致"),
        ("猴场镇", "贵州省", "安顺市", "紫云县", "帮扶资金投入", "无法确定（同名乡镇）"),
        (None, None, None, None, "其他（不核对）", "仓库无数据"),
        ("贵州省", "贵州省", None, None, "贫困发生率", "不一致"),
    ]
