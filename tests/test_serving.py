"""BI access: the read-only role on PostgreSQL, the published read copy on DuckDB."""

from __future__ import annotations

import duckdb
import pytest
import sqlalchemy as sa

import dagster as dg
from etl_project.runner import run_pipeline
from etl_project.serving import grant_bi, published_path
from etl_project.warehouse import Warehouse
from pathlib import Path

RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


def _run(url: str) -> dg.ExecuteInProcessResult:
    with dg.DagsterInstance.ephemeral() as instance:
        return run_pipeline(RAW, url, instance)


def test_duckdb_read_copy_holds_the_analytics_tables_only(tmp_path):
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    assert _run(url).success
    copy = published_path(url)
    reader = duckdb.connect(str(copy), read_only=True)
    try:
        schemas = {row[0] for row in reader.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()}
        assert schemas == {"analytics"}
        mart_rows = reader.execute("SELECT COUNT(*) FROM analytics.mart_poverty_exit").fetchone()[0]
        comments = reader.execute(
            "SELECT COUNT(*) FROM duckdb_columns() WHERE schema_name = 'analytics' AND (comment IS NULL OR comment = '')"
        ).fetchone()[0]
        # While a BI session holds the copy open, the next run still writes and publishes.
        assert _run(url).success
        assert reader.execute("SELECT COUNT(*) FROM analytics.mart_poverty_exit").fetchone()[0] == mart_rows
    finally:
        reader.close()
    assert mart_rows > 0 and comments == 0


@pytest.mark.postgres
def test_bi_role_reads_analytics_and_nothing_else(postgres_database):
    assert _run(postgres_database).success
    db = Warehouse(postgres_database)
    try:
        grant_bi(db, "bi_reader_test")
        grant_bi(db, "bi_reader_test")  # updating an existing role is fine
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP ROLE IF EXISTS bi_analyst_test"))
            connection.execute(sa.text("CREATE ROLE bi_analyst_test LOGIN IN ROLE bi_reader_test"))
    finally:
        db.close()
    try:
        # A rebuild replaces every table: the role must still read the new ones.
        assert _run(postgres_database).success
        analyst = sa.create_engine(postgres_database.replace("postgres@", "bi_analyst_test@"))
        with analyst.connect() as connection:
            assert connection.execute(sa.text("SELECT COUNT(*) FROM analytics.mart_poverty_exit")).scalar() > 0
            assert connection.execute(sa.text("SELECT COUNT(*) FROM analytics.fact_household")).scalar() > 0
        for private in ("staging.stg_household", "audit.quarantine", "audit.load_audit"):
            with analyst.connect() as connection, pytest.raises(sa.exc.ProgrammingError, match="permission denied"):
                connection.execute(sa.text(f"SELECT COUNT(*) FROM {private}"))
        analyst.dispose()
    finally:
        db = Warehouse(postgres_database)
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP OWNED BY bi_reader_test"))
            connection.execute(sa.text("DROP ROLE IF EXISTS bi_analyst_test"))
            connection.execute(sa.text("DROP ROLE IF EXISTS bi_reader_test"))
        db.close()
