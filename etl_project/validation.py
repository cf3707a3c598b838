"""Running a registry-derived pandera model and turning its failures into per-row issues.

An issue is (row index, field, rule id, offending value). Pandera is run lazily so every failure of
every row is collected in one pass (it checks millions of rows a second; a Python loop would not).
"""

from __future__ import annotations

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
    """Issues found by the table's model; empty when every row passes."""
    model = model_for(table.name)
    try:
        model.validate(frame, lazy=True)
    except pa.errors.SchemaErrors as errors:
        return _issues_from(errors.failure_cases, frame, table)
    return empty_issues()


def _issues_from(failures: pd.DataFrame, frame: pd.DataFrame, table: Table) -> pd.DataFrame:
    by_field_check, by_frame_check = _rule_lookup(table)
    records = []
    for case in failures.itertuples(index=False):
        check = str(case.check).split("(")[0]
        check = _CHECK_ALIASES.get(check, check)
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
    issues = pd.DataFrame.from_records(records, columns=ISSUE_COLUMNS)
    # Frame checks report one failure per column of a failing row; one per row and rule is enough.
    return issues.drop_duplicates(subset=["index", "rule"]).reset_index(drop=True)
