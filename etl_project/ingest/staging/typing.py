"""Text cells → the typed columns a source record declares, plus the cells that could not be read."""

from __future__ import annotations

import pandas as pd

from etl_project.core import idcard
from etl_project.core.columnar import per_distinct, upper
from etl_project.ingest.readers import values
from etl_project.ingest.readers.extract import Extract
from etl_project.ingest.validation import empty_issues
from schemas.registry import CODE, COMPACT, DATE, FLAG, ID_NUMBER, INTEGER, MONEY, MONEY_LIMIT_YUAN, NUMBER, YEAR, Table
from schemas.sources import PARSE_RULES
from schemas.vocabularies import VOCABULARIES, YES_NO


@per_distinct
def _text(column: pd.Series, form: str) -> pd.Series:
    if form == ID_NUMBER:
        return idcard.upgrade_15(upper(values.squeeze(column)))
    if form == COMPACT:
        return values.squeeze(column)
    return values.normalise(column)


def type_rows(
    raw: pd.DataFrame | Extract, record: Table, money_multipliers: dict[str, pd.Series] | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``raw``: the rows' text, one column per field, or an extract (whose text is read in Arrow as
    it came from the file, which gives the same values without a Python string per cell).
    ``money_multipliers`` gives, per money field, the unit scale of each row (万元 → 10 000)."""
    if isinstance(raw, Extract):
        index = raw.provenance.index
        column_of = raw.column
    else:
        index = raw.index

        def column_of(name: str) -> pd.Series:
            return raw[name] if name in raw else pd.Series(None, index=index, dtype=object)

    # Columns are collected and framed once: inserting them one by one into a frame costs more
    # than typing a small file's cells.
    typed: dict[str, pd.Series] = {}
    issues = []
    for f in record.fields:
        column = column_of(f.name)
        bad = None
        if f.type == INTEGER:
            typed[f.name], bad = values.parse_integer(column)
        elif f.type == YEAR:
            typed[f.name], bad = values.parse_year(column)
        elif f.type in (MONEY, NUMBER):
            # Scale before rounding: 6.3546万元 is 63 546 yuan, not 6.35 × 10 000.
            scale = (money_multipliers or {}).get(f.name, 1.0) if f.type == MONEY else 1.0
            typed[f.name], bad = values.parse_money(column, multiplier=scale, limit=MONEY_LIMIT_YUAN if f.type == MONEY else None)
        elif f.type == FLAG:
            typed[f.name], bad = values.parse_flag(column, YES_NO)
        elif f.type == DATE:
            typed[f.name], bad = values.parse_date(column)
        elif f.type == CODE:
            typed[f.name] = values.parse_code(column, VOCABULARIES[f.vocabulary])
        else:
            typed[f.name] = _text(column, f.form)
        if bad is not None and bad.any():
            issues.append(
                pd.DataFrame({"index": index[bad], "column": f.name, "rule": PARSE_RULES[f.type].id, "value": column[bad].to_numpy()})
            )
    frame = pd.DataFrame(typed, index=index, columns=[f.name for f in record.fields])
    return frame, (pd.concat(issues, ignore_index=True) if issues else empty_issues())
