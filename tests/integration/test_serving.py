"""BI access: the read-only role on PostgreSQL, the published read copy on DuckDB."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest
import sqlalchemy as sa

from etl_project.orchestration.runner import run_pipeline
from etl_project.warehouse.engine import opened
from etl_project.warehouse.serving import READ_COPY_STORAGE, grant_bi, published_path
from schemas.registry import CATALOG
from tests.builders import assert_same_rows, drop_first_household

RAW = Path(__file__).resolve().parents[2] / "data" / "raw"


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
        # Every column keeps its type in the copy: money stays DECIMAL(18,2), to the fen.
        types = "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE schema_name = 'analytics' ORDER BY ALL"
        published_types = reader.execute(types).fetchall()
        with opened(url) as db:
            assert published_types == [tuple(row) for row in db.query(types).itertuples(index=False)]
        assert ("mart_investment", "yuan_per_household_benefited", "DECIMAL(18,2)") in published_types
        assert ("fact_household", "income_per_person_yuan", "DECIMAL(18,2)") in published_types
        comments = reader.execute(
            "SELECT COUNT(*) FROM duckdb_columns() WHERE schema_name = 'analytics' AND (comment IS NULL OR comment = '')"
        ).fetchone()[0]
        # While a BI session holds the copy open, the next run still writes and publishes.
        assert _run(url).success
        assert reader.execute("SELECT COUNT(*) FROM analytics.mart_poverty_exit").fetchone()[0] == mart_rows
    finally:
        reader.close()
    assert mart_rows > 0 and comments == 0


# What a BI tool's own DuckDB sees of the read copy; run by another Python, so it uses only duckdb.
_READER = """
import json, sys, duckdb
reader = duckdb.connect(sys.argv[1], read_only=True)
print(json.dumps({
    "version": duckdb.__version__,
    "tables": reader.execute("SELECT schema_name, table_name, comment FROM duckdb_tables() ORDER BY ALL").fetchall(),
    "columns": reader.execute(
        "SELECT table_name, column_name, data_type, comment FROM duckdb_columns() WHERE schema_name = 'analytics' ORDER BY ALL"
    ).fetchall(),
    "invested": str(reader.execute("SELECT SUM(amount_yuan) FROM analytics.fact_investment").fetchone()[0]),
}))
"""


def _read_with(python: str, copy: Path) -> dict:
    answer = subprocess.run([python, "-c", _READER, str(copy)], capture_output=True, text=True, timeout=120)
    assert answer.returncode == 0, answer.stderr
    return json.loads(answer.stdout)


def _storage_version(path: Path) -> str:
    reader = duckdb.connect()
    try:
        reader.execute("ATTACH ? AS copy (READ_ONLY)", [str(path)])
        return reader.execute("SELECT tags['storage_version'] FROM duckdb_databases() WHERE database_name = 'copy'").fetchone()[0]
    finally:
        reader.close()


def test_read_copy_opens_in_duckdb_1_and_2_with_its_comments(tmp_path, duckdb1_python):
    """BI tools bundle a DuckDB of their own, often 1.x: the copy is written in a storage format
    every DuckDB from 1.0 on reads, and keeps its types, comments and money to the fen."""
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    assert _run(url).success
    copy = published_path(url)
    old, new = _read_with(duckdb1_python, copy), _read_with(sys.executable, copy)
    assert old["version"].startswith("1.") and new["version"] == duckdb.__version__
    assert {key: old[key] for key in ("tables", "columns", "invested")} == {key: new[key] for key in ("tables", "columns", "invested")}
    declared = {t.name: t for t in CATALOG.tables.values() if t.schema == "analytics"}
    assert {(schema, name) for schema, name, _ in old["tables"]} == {("analytics", name) for name in declared}
    assert {name: comment for _, name, comment in old["tables"]} == {name: t.description for name, t in declared.items()}
    # Columns are listed for the per-level views too, with the comments their declarations give.
    readable = {**declared, **{v.name: v for v in CATALOG.views.values() if v.schema == "analytics"}}
    assert {(table, column): comment for table, column, _, comment in old["columns"]} == {
        (name, f.name): f.description for name, t in readable.items() for f in t.fields
    }
    assert [kind for table, column, kind, _ in old["columns"] if (table, column) == ("fact_investment", "amount_yuan")] == ["DECIMAL(18,2)"]
    with opened(url) as db:
        assert old["invested"] == str(db.scalar("SELECT SUM(amount_yuan) FROM analytics.fact_investment"))
    assert _storage_version(copy).startswith(READ_COPY_STORAGE)


@pytest.mark.postgres
def test_bi_role_reads_analytics_and_nothing_else(postgres_database):
    assert _run(postgres_database).success
    with opened(postgres_database) as db:
        grant_bi(db, "bi_reader_test")
        grant_bi(db, "bi_reader_test")  # updating an existing role is fine
        with db.engine.begin() as connection:
            connection.execute(sa.text("DROP ROLE IF EXISTS bi_analyst_test"))
            connection.execute(sa.text("CREATE ROLE bi_analyst_test LOGIN IN ROLE bi_reader_test"))
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
        with opened(postgres_database) as db, db.engine.begin() as connection:
            connection.execute(sa.text("DROP OWNED BY bi_reader_test"))
            connection.execute(sa.text("DROP ROLE IF EXISTS bi_analyst_test"))
            connection.execute(sa.text("DROP ROLE IF EXISTS bi_reader_test"))


def test_a_read_copy_changed_behind_the_pipeline_is_written_anew(tmp_path):
    import shutil

    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    with dg.DagsterInstance.ephemeral() as instance:
        assert run_pipeline(raw, url, instance).success
    copy = published_path(url)
    # Someone deleted rows of a table the next run would keep, and a run stopped mid-copy left a
    # write-ahead log behind.
    writer = duckdb.connect(str(copy))
    writer.execute("DELETE FROM analytics.dim_project WHERE project_code LIKE '%1'")
    writer.close()
    copy.with_name(copy.name + ".new.wal").write_bytes(b"not a log")
    drop_first_household(raw / "registry" / "望谟县扶贫对象信息.csv")

    with dg.DagsterInstance.ephemeral() as instance:
        result = run_pipeline(raw, url, instance)
    assert result.success
    assert result.asset_materializations_for_node("published_read_copy")[-1].metadata["written"].value == "this run, every table copied"
    assert_same_rows(url, f"duckdb:///{copy}", ("dim_project", "fact_household"))


def test_a_read_copy_grown_by_updates_is_written_anew(tmp_path, monkeypatch):
    import shutil

    from etl_project.warehouse import serving

    raw = tmp_path / "raw"
    shutil.copytree(RAW, raw)
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    wangmo = raw / "registry" / "望谟县扶贫对象信息.csv"

    def drop_a_household_and_run() -> str:
        drop_first_household(wangmo)
        with dg.DagsterInstance.ephemeral() as instance:
            result = run_pipeline(raw, url, instance)
        assert result.success
        return result.asset_materializations_for_node("published_read_copy")[-1].metadata["written"].value

    with dg.DagsterInstance.ephemeral() as instance:
        assert run_pipeline(raw, url, instance).success
    copy = published_path(url)
    assert drop_a_household_and_run().startswith("this run, as the published copy")
    # Brought up to date in place, the copy keeps the format older DuckDBs read.
    assert _storage_version(copy).startswith(READ_COPY_STORAGE)
    if int(duckdb.__version__.split(".")[0]) >= 2:
        # A copy an earlier release published in DuckDB 2's own format cannot be brought down to
        # the read copy's format in place: it is written anew in it.
        newer = copy.with_name("newer.duckdb")
        converter = duckdb.connect()
        converter.execute("ATTACH ? AS published (READ_ONLY)", [str(copy)])
        converter.execute("ATTACH ? AS newer (STORAGE_VERSION 'v2.0.0')", [str(newer)])
        converter.execute("COPY FROM DATABASE published TO newer")
        converter.close()
        newer.replace(copy)
        assert _storage_version(copy).startswith("v2")
        assert drop_a_household_and_run() == "this run, every table copied"
        assert _storage_version(copy).startswith(READ_COPY_STORAGE)
    # Past the allowed growth over the last full copy (here: any size at all), it is written whole.
    monkeypatch.setattr(serving, "MAX_GROWTH", 0.0)
    assert drop_a_household_and_run() == "this run, every table copied"


@pytest.mark.postgres
def test_bi_logins_get_statement_and_idle_timeouts(postgres_database, capsys):
    """A role's settings do not pass to its members: grant-bi sets the BI timeouts on each login of
    the role (one already a member, one named with --login) in this database, and the server then
    ends a BI query or transaction that runs past them."""
    from etl_project.orchestration.cli import main

    group, member, login = "bi_timeouts_group_test", "bi_member_test", "bi_login_test"
    admin = sa.create_engine(postgres_database)
    try:
        with admin.begin() as connection:
            for name in (login, member, group):
                connection.execute(sa.text(f"DROP ROLE IF EXISTS {name}"))
            connection.execute(sa.text(f"CREATE ROLE {group} NOLOGIN"))
            connection.execute(sa.text(f"CREATE ROLE {member} LOGIN IN ROLE {group}"))
            connection.execute(sa.text(f"CREATE ROLE {login} LOGIN"))
        arguments = ["grant-bi", group, "--warehouse", postgres_database, "--login", login]
        assert main([*arguments, "--statement-timeout", "1s", "--idle-timeout", "1s"]) == 0
        assert main([*arguments, "--idle-timeout", "soon"]) == 2 and "--idle-timeout 'soon'" in capsys.readouterr().err
        with admin.begin() as connection:
            connection.execute(sa.text("CREATE TABLE analytics.bi_probe AS SELECT 1 AS x"))
        for name in (member, login):
            engine = sa.create_engine(postgres_database.replace("postgres@", f"{name}@"))
            try:
                with engine.connect() as connection:
                    assert connection.execute(sa.text("SHOW statement_timeout")).scalar() == "1s"
                    assert connection.execute(sa.text("SHOW idle_in_transaction_session_timeout")).scalar() == "1s"
                    with pytest.raises(sa.exc.OperationalError, match="statement timeout"):
                        connection.execute(sa.text("SELECT pg_sleep(3)"))
                with engine.connect() as connection:
                    assert connection.execute(sa.text("SELECT x FROM analytics.bi_probe")).scalar() == 1  # a transaction is open
                    time.sleep(2.0)
                    with pytest.raises(sa.exc.DBAPIError, match="idle-in-transaction timeout"):
                        connection.execute(sa.text("SELECT x FROM analytics.bi_probe"))
            finally:
                engine.dispose()
    finally:
        with admin.begin() as connection:
            connection.execute(sa.text(f"DROP OWNED BY {group}, {member}, {login}"))
            for name in (login, member, group):
                connection.execute(sa.text(f"DROP ROLE IF EXISTS {name}"))
        admin.dispose()
