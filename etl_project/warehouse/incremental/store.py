"""Where the incremental layer keeps its bookkeeping: small tables of the warehouse's audit schema."""

from __future__ import annotations

import sqlalchemy as sa

from etl_project.warehouse.engine import Warehouse

BOOKKEEPING_SCHEMA = "audit"


def audit_table(db: Warehouse, name: str, *columns: sa.Column) -> sa.Table:
    """A small bookkeeping table of the audit schema (the schema made if missing), for SQLAlchemy."""
    with db.engine.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {db.quote(BOOKKEEPING_SCHEMA)}"))
    return sa.Table(name, sa.MetaData(), *columns, schema=BOOKKEEPING_SCHEMA)
