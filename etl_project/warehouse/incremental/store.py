"""Where the incremental layer keeps its bookkeeping: small tables of the warehouse's audit schema,
one row per key, replaced whole."""

from __future__ import annotations

import sqlalchemy as sa

from etl_project.warehouse.engine import Warehouse

BOOKKEEPING_SCHEMA = "audit"


def audit_table(db: Warehouse, name: str, key: str, *, optional: tuple[str, ...] = (), **columns) -> sa.Table:
    """A bookkeeping table of the audit schema for SQLAlchemy, one row per ``key`` (text), made (with
    the schema) if missing; ``columns`` maps each other column to its type, required unless named in
    ``optional``."""
    table = sa.Table(
        name,
        sa.MetaData(),
        sa.Column(key, sa.Text, primary_key=True),
        *(sa.Column(column, kind, nullable=column in optional) for column, kind in columns.items()),
        schema=BOOKKEEPING_SCHEMA,
    )
    return db.bookkeeping(table)


def replace_rows(db: Warehouse, table: sa.Table, rows: list[dict]) -> None:
    """The rows in place of those with the same keys, in one transaction: a reader sees the old row
    or the new one, never neither."""
    (key,) = table.primary_key.columns
    with db.engine.begin() as connection:
        connection.execute(sa.delete(table).where(key.in_([row[key.name] for row in rows])))
        connection.execute(sa.insert(table), rows)
