"""SQLAlchemy tables, with Chinese/English comments, derived from the registry."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from schemas.registry import CATALOG, MONEY_PRECISION, MONEY_SCALE, Field, Table

SQL_TYPES = {
    "string": sa.Text,
    "code": sa.Text,
    "integer": sa.BigInteger,
    "year": sa.SmallInteger,
    # Exact fen on both engines: a double would leave the rounding of a half fen to each engine.
    "money": lambda: sa.Numeric(MONEY_PRECISION, MONEY_SCALE),
    "number": sa.Double,
    "flag": sa.Boolean,
    "timestamp": sa.DateTime,
    "date": sa.Date,
}


def sql_table(table: Table, metadata: sa.MetaData, name: str | None = None) -> sa.Table:
    """The table's SQLAlchemy definition; ``name`` lets a load build it under a temporary name."""
    columns = [
        sa.Column(
            f.name,
            SQL_TYPES[f.type](),
            nullable=not f.required,
            comment=f.description,
        )
        for f in table.fields
    ]
    return sa.Table(name or table.name, metadata, *columns, comment=table.description, schema=table.schema)


def all_tables(metadata: sa.MetaData | None = None) -> dict[str, sa.Table]:
    metadata = metadata or sa.MetaData()
    return {name: sql_table(t, metadata) for name, t in CATALOG.tables.items() if t.layer != "source"}


def year_start_sql(year_column: str) -> str:
    """1 January of a year column's year, the same DATE on DuckDB and PostgreSQL (NULL for NULL)."""
    return f"MAKE_DATE(CAST({year_column} AS INTEGER), 1, 1)"


def column_sql(field: Field, quote: Callable[[str], str]) -> str:
    """The field as selected from a table that holds the fields it is computed from (a fact from its
    staging table): its own column, or, for a year's date, the date computed from the year."""
    return year_start_sql(quote(field.first_day_of)) if field.first_day_of else quote(field.name)
