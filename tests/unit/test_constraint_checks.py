"""Each analytics table's declaration implies one check, `<table>_constraints`: its primary key is
unique and its required columns are never empty. Every such check is broken here by a warehouse
made for it (a key on two rows, each required column empty on a row of its own) and must fail
naming what broke; the same table with neither passes."""

from __future__ import annotations

import pandas as pd
import pytest

from assets import constraint_checks
from etl_project.orchestration.definitions import build_definitions
from etl_project.warehouse.engine import opened
from schemas.registry import CATALOG, Table
from tests.table_rows import as_left_before, markdown_rows, rows

CHECKED = constraint_checks.checked_tables()


def _checked(tmp_path, table: Table, frame: pd.DataFrame):
    with opened(f"duckdb:///{tmp_path / 'warehouse.duckdb'}") as db:
        db.replace(as_left_before(table), frame)
        return constraint_checks.evaluate(db, table)


def _sample(result, key: str) -> list[dict[str, str]]:
    return markdown_rows(result.metadata[key].value)


def test_every_analytics_table_with_a_key_or_a_required_column_has_exactly_one_derived_check():
    graph = build_definitions("data/raw", "duckdb:///data/warehouse/warehouse.duckdb").resolve_asset_graph()
    derived = [key for key in graph.asset_check_keys if key.name.endswith("_constraints")]
    declaring = {
        t.name for t in CATALOG.tables.values() if t.schema == "analytics" and (t.primary_key or any(f.required for f in t.fields))
    }
    assert {"fact_household", "dim_project", "mart_poverty_exit", "fact_monitoring_spell", "reconciliation"} <= declaring
    assert sorted(key.asset_key.to_user_string() for key in derived) == sorted(declaring)
    assert {key.name for key in derived} == {f"{name}_constraints" for name in declaring}
    # Each is on its table's asset, and the check of fact_household's key is made here alone.
    assert {key.name for key in graph.asset_check_keys if key.asset_key.to_user_string() == "fact_household"} == {
        "fact_household_constraints",
        "household_size_matches_members",
    }


def test_staging_and_audit_tables_are_left_to_validation():
    """Their rows were validated before they were written; a rejected row is in quarantine."""
    assert {t.schema for t in CHECKED} == {"analytics"}
    assert "stg_household" not in {t.name for t in CHECKED}


@pytest.mark.parametrize("table", CHECKED, ids=lambda t: t.name)
def test_the_declared_constraints_hold_on_rows_that_keep_them(tmp_path, table):
    result = _checked(tmp_path, table, rows(table, 3))
    assert result.passed, result.metadata
    assert result.metadata["rows_checked"].value == 3


@pytest.mark.parametrize("table", [t for t in CHECKED if t.primary_key], ids=lambda t: t.name)
def test_a_key_on_two_rows_fails_the_check_naming_the_key(tmp_path, table):
    frame = rows(table, 3)
    for column in table.primary_key:
        frame.loc[2, column] = frame.loc[0, column]
    result = _checked(tmp_path, table, frame)
    assert result.passed is False
    assert result.severity.value == "WARN"
    assert result.metadata["primary_key"].value == ", ".join(table.primary_key)
    assert result.metadata["duplicated_keys"].value == 1
    # The repeated key itself, column by column, and how often it is there.
    [repeated] = _sample(result, "duplicated_keys_sample")
    assert {column: repeated[column] for column in table.primary_key} == {c: str(frame.loc[0, c]) for c in table.primary_key}
    assert repeated["copies"] == "2"


@pytest.mark.parametrize("table", [t for t in CHECKED if any(f.required for f in t.fields)], ids=lambda t: t.name)
def test_an_empty_required_column_fails_the_check_naming_the_column(tmp_path, table):
    required = [f.name for f in table.fields if f.required]
    frame = rows(table, len(required) + 1).astype(object)
    for row, column in enumerate(required):
        frame.loc[row, column] = None
    result = _checked(tmp_path, table, frame)
    assert result.passed is False
    assert result.metadata["rows_with_empty_required"].value == len(required)
    assert result.metadata["empty_required_columns"].value == dict.fromkeys(required, 1)
    # A row per empty value (as many as a sample shows), each naming its empty column.
    named = [row["empty_columns"] for row in _sample(result, "empty_required_sample")]
    assert len(named) == min(len(required), constraint_checks.SAMPLE_ROWS)
    assert set(named) <= set(required) and len(set(named)) == len(named)


def test_the_answer_is_kept_while_the_table_is_unchanged_and_worked_out_again_when_it_changes(tmp_path):
    table = CATALOG["dim_code"]
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    with opened(url) as db:
        db.replace(as_left_before(table), rows(table, 3))
        first = constraint_checks.evaluate(db, table)
        again = constraint_checks.evaluate(db, table)
        broken = rows(table, 3)
        broken.loc[1, "code"] = None
        db.replace(as_left_before(table), broken)
        after = constraint_checks.evaluate(db, table)
        still = constraint_checks.evaluate(db, table)
    assert first.passed and first.metadata["computed"].value == "this run, over the whole table"
    assert again.passed and again.metadata["computed"].value == "earlier: the table has not changed since"
    assert not after.passed and after.metadata["computed"].value == "this run, over the whole table"
    assert after.metadata["empty_required_columns"].value == {"code": 1}
    # A failure kept is told as it was found.
    assert not still.passed and still.metadata["computed"].value == "earlier: the table has not changed since"
    assert still.metadata["empty_required_columns"].value == {"code": 1}
    assert still.metadata["empty_required_sample"].value == after.metadata["empty_required_sample"].value
