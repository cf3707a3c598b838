"""Running a registry-derived pandera model and turning its failures into per-row issues.

An issue is (row index, field, rule id, offending value). Pandera is run lazily so every failure of
every row is collected in one pass (it checks millions of rows a second; a Python loop would not).
"""

from __future__ import annotations

import copy
from functools import cache

import numpy as np
import pandas as pd
import pandera.pandas as pa

from schemas.pandera_models import model_for
from schemas.registry import REQUIRED_RULE, Table

ISSUE_COLUMNS = ["index", "column", "rule", "value"]
# Pandera reports comparison checks under their long names.
_CHECK_ALIASES = {"greater_than": "gt", "greater_than_or_equal_to": "ge", "less_than": "lt", "less_than_or_equal_to": "le"}


def empty_issues() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in ISSUE_COLUMNS})


def _rule_lookup(table: Table) -> tuple[dict[tuple[str, str], str], dict[str, tuple[str, str]]]:
    by_field_check = {(f.name, rule.check): rule.id for f in table.fields for rule in f.rules}
    by_frame_check = {rule.check: (rule.id, rule.columns[0] if rule.columns else "") for rule in table.frame_rules}
    return by_field_check, by_frame_check


def validate(frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    """Issues found by the table's model; empty when every row passes.

    The columns go through pandera's validation; the frame-level checks (years in order, no
    household twice, …) are pandera's own Check objects applied to the frame directly. Pandera
    would turn each failing row of a frame check into one failure per column and reshape them
    row by row, which costs more than the rest of the validation together; the issues are the
    same either way, in the order pandera reports them.
    """
    columns_only, frame_checks = _split_model(table.name)
    column_cases = None
    try:
        columns_only.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        # Pandera sorts its failure cases after numbering them: the numbers give its own order.
        column_cases = errors.failure_cases.sort_index()
    _, by_frame_check = _rule_lookup(table)
    frame_records, frame_entries, failed = [], 0, False
    # Pandera lets a frame check pass a row whose cells are all empty; said once for all checks.
    all_empty = frame.isna().all(axis="columns") if frame_checks else None
    for check in frame_checks:
        failing = _failing_rows(check, frame, table, all_empty)
        if failing.empty:
            continue
        failed = True
        rule, column = by_frame_check[_check_name(check[0].name)]
        present = failing.notna()
        # Pandera reports each failing row once per column that has a value.
        frame_entries += int(present.to_numpy().sum())
        for index in failing.index[present.any(axis=1).to_numpy()]:
            frame_records.append((index, column, rule, frame.at[index, column] if column else None))
    if column_cases is None and not failed:
        return empty_issues()
    column_records = []
    if column_cases is not None:
        column_records = _records(column_cases.iloc[_pandera_column_order(len(column_cases), frame_entries)], frame, table)
    issues = pd.DataFrame.from_records(frame_records + column_records, columns=ISSUE_COLUMNS)
    # Frame checks report one failure per column of a failing row; one per row and rule is enough.
    return issues.drop_duplicates(subset=["index", "rule"]).reset_index(drop=True)


@cache
def _split_model(table_name: str) -> tuple[pa.DataFrameSchema, tuple[tuple[pa.Check, bool], ...]]:
    """The table's pandera schema without its frame-level checks, and those checks, each with
    whether it lets all-empty rows pass (``ignore_na``, handled by the caller)."""
    schema = model_for(table_name).to_schema()
    columns_only = copy.copy(schema)
    columns_only.checks = []
    checks = []
    for check in schema.checks:
        applied = copy.copy(check)
        applied.ignore_na = False
        checks.append((applied, check.ignore_na))
    return columns_only, tuple(checks)


def _check_name(name: str) -> str:
    name = str(name).split("(")[0]
    return _CHECK_ALIASES.get(name, name)


def _failing_rows(check: tuple[pa.Check, bool], frame: pd.DataFrame, table: Table, all_empty: pd.Series) -> pd.DataFrame:
    """The rows of ``frame`` a frame-level check rejects (with ignore_na, as in pandera, a row
    whose cells are all empty passes)."""
    applied, ignore_na = check
    try:
        passed = applied(frame).check_output
    except Exception as exc:
        # A check that cannot run is a broken schema or check, not bad data: stop loudly.
        raise RuntimeError(f"{table.name}: check {applied.name} failed as a whole: {exc!r}") from exc
    if ignore_na and passed.index.equals(frame.index):
        passed = passed | all_empty
    if passed.dtype != bool:
        passed = passed.astype(bool)
    return frame[~passed.to_numpy()]


def _pandera_column_order(column_entries: int, frame_entries: int) -> np.ndarray:
    """Where pandera would list the column failures: it appends the frame failures after them
    and sorts all by context, frame first, with an unstable sort; the order that sort leaves the
    column failures in depends only on how many of each there are, so it is reproduced here."""
    contexts = pd.Series(["Column"] * column_entries + ["DataFrameSchema"] * frame_entries, dtype=object)
    order = contexts.sort_values(ascending=False).index.to_numpy()
    return order[order < column_entries]


def _records(failures: pd.DataFrame, frame: pd.DataFrame, table: Table) -> list[tuple]:
    by_field_check, by_frame_check = _rule_lookup(table)
    records = []
    for case in failures.itertuples(index=False):
        check = _check_name(case.check)
        if case.index is None or (isinstance(case.index, float) and pd.isna(case.index)):
            # A failure without a row is a broken schema or check, not bad data: stop loudly.
            raise RuntimeError(f"{table.name}: check {case.check} failed as a whole: {case.failure_case}")
        if case.schema_context == "Column":
            if check == "not_nullable":
                rule = REQUIRED_RULE.id
            elif check == "dtype":
                raise RuntimeError(f"{table.name}.{case.column}: typed as {case.failure_case}, a parser bug")
            else:
                rule = by_field_check[(case.column, check)]
            records.append((case.index, case.column, rule, case.failure_case))
        else:
            rule, column = by_frame_check[check]
            records.append((case.index, column, rule, frame.at[case.index, column] if column else None))
    return records
