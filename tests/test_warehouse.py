"""Loads and atomic replacement on DuckDB and PostgreSQL."""

from __future__ import annotations

import pandas as pd
import pytest

from etl_project.warehouse import Warehouse
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
    if request.param == "duckdb":
        db = Warehouse(f"duckdb:///{tmp_path / 'w.duckdb'}")
    else:
        db = Warehouse(request.getfixturevalue("postgres_database"))
    yield db
    db.close()


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
    assert not warehouse.scalar(
        "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = 'quarantine__loading'"
    )


def test_failed_load_leaves_old_table(warehouse):
    warehouse.replace(QUARANTINE, _quarantine_rows(4, "old"))
    broken = _quarantine_rows(2, "new").drop(columns=["rule"])
    with pytest.raises(KeyError):
        warehouse.replace(QUARANTINE, broken)
    assert warehouse.row_count(QUARANTINE) == 4


def test_replace_where_is_idempotent(warehouse):
    audit = pd.DataFrame([{c: None for c in LOAD_AUDIT.column_names} | {"run_id": "r1", "source": "registry", "source_file": "a.csv", "status": "loaded", "rows_read": 3}])
    ref = warehouse.reference(LOAD_AUDIT)
    for _ in range(2):
        warehouse.replace_where(LOAD_AUDIT, audit, ref.c.run_id == "r1")
    assert warehouse.row_count(LOAD_AUDIT) == 1


def test_table_and_column_comments_reach_the_database(warehouse):
    warehouse.replace(QUARANTINE, _quarantine_rows(1, "x"))
    if warehouse.dialect == "duckdb":
        comments = warehouse.query("SELECT comment FROM duckdb_columns() WHERE schema_name = 'audit' AND table_name = 'quarantine'")["comment"]
        table_comment = warehouse.scalar("SELECT comment FROM duckdb_tables() WHERE schema_name = 'audit' AND table_name = 'quarantine'")
    else:
        comments = warehouse.query(
            "SELECT col_description('audit.quarantine'::regclass, ordinal_position) AS comment FROM information_schema.columns "
            "WHERE table_schema = 'audit' AND table_name = 'quarantine'"
        )["comment"]
        table_comment = warehouse.scalar("SELECT obj_description('audit.quarantine'::regclass)")
    assert table_comment.startswith("隔离区")
    assert len(comments) == len(QUARANTINE.fields) and comments.notna().all()
