"""Where the incremental layer keeps its bookkeeping: small tables of the warehouse's audit schema."""

from __future__ import annotations

import sqlalchemy as sa

from etl_project.warehouse.engine import Warehouse

BOOKKEEPING_SCHEMA = "audit"


def audit_table(db: Warehouse, name: str, *columns: sa.Column) -> sa.Table:
    """A small bookkeeping table of the audit schema for SQLAlchemy, made (with the schema) if missing."""
    return db.bookkeeping(sa.Table(name, sa.MetaData(), *columns, schema=BOOKKEEPING_SCHEMA))
