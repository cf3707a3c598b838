"""Rows of any declared table for tests, made from its declaration: every column filled, no two rows
alike, so that a test breaks exactly the constraint it means to."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pandas as pd

from schemas.registry import DATE, FLAG, INTEGER, MONEY, NUMBER, TIMESTAMP, YEAR, Field, Table


def _value(field: Field, row: int):
    """A value of the field's type, different on every row."""
    if field.type in (INTEGER, YEAR):
        return 2000 + row
    if field.type in (MONEY, NUMBER):
        return 1.5 + row
    if field.type == FLAG:
        return row % 2 == 0
    if field.type == DATE:
        return date(2019, 1, 1 + row)
    if field.type == TIMESTAMP:
        return pd.Timestamp(2019, 1, 1, 8) + pd.Timedelta(days=row)
    return f"{field.name}-{row}"


def rows(table: Table, count: int) -> pd.DataFrame:
    """``count`` rows with every column filled and no key twice."""
    return pd.DataFrame({f.name: [_value(f, row) for row in range(count)] for f in table.fields})


def as_left_before(table: Table) -> Table:
    """The table as a release that required none of its columns made it. The database refuses an
    empty value in a required column of a table made as declared now; a table kept through a
    migration keeps the rows it had, empty in a column added since or required since."""
    return replace(table, fields=tuple(replace(f, required=False) for f in table.fields))


def markdown_rows(markdown: str) -> list[dict[str, str]]:
    """The rows of a Markdown table (a check's sample), by column."""
    lines = markdown.splitlines()

    def cells(line: str) -> list[str]:
        return [cell.strip() for cell in line.strip().strip("|").split("|")]

    return [dict(zip(cells(lines[0]), cells(row))) for row in lines[2:]]
