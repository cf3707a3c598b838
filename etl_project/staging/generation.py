"""Staging generations: what changed in staging since a warehouse table was last built.

Staging changes only when a file is loaded or removed, and each such change is a load_audit row
with its time. A table built from staging records the time of the latest change it has taken in
(``audit.build_marker``, with a fingerprint of how it is built); the next run leaves it as it is
when load_audit holds no later change of its sources, and can bring it up to date file by file
when it holds a few.

The marker is written after the table, in its own transaction: a run stopped in between leaves
an older marker, and the next run redoes changes the table already has, which changes nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

import sqlalchemy as sa

from etl_project.warehouse import Warehouse
from schemas.tables import LOAD_AUDIT

MARKER_SCHEMA, MARKER_TABLE = "audit", "build_marker"
_CHANGES = ("loaded", "removed")


def recipe(*parts: object) -> str:
    """A fingerprint of how a table is built (its declaration, its SQL, its code)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(repr(part).encode("utf-8") if not isinstance(part, bytes) else part)
    # Letters only (a-p for the 16 hex digits): nothing in the audit schema may look like a number.
    return digest.hexdigest()[:16].translate(_LETTERS)


_LETTERS = str.maketrans("0123456789abcdef", "abcdefghijklmnop")


@dataclass(frozen=True)
class Generation:
    latest: datetime | None  # time of the latest change of the sources; None: never loaded


def current(db: Warehouse, sources: tuple[str, ...]) -> Generation:
    audit = db.reference(LOAD_AUDIT)
    statement = sa.select(sa.func.max(audit.c.loaded_at)).where(audit.c.source.in_(sources), audit.c.status.in_(_CHANGES))
    with db.engine.connect() as connection:
        return Generation(connection.execute(statement).scalar())


def changed_files(db: Warehouse, sources: tuple[str, ...], since: datetime | None) -> list[str]:
    """Files of the sources loaded again or removed after ``since`` (all that ever were, if None)."""
    audit = db.reference(LOAD_AUDIT)
    condition = sa.and_(audit.c.source.in_(sources), audit.c.status.in_(_CHANGES))
    if since is not None:
        condition = sa.and_(condition, audit.c.loaded_at > since)
    with db.engine.connect() as connection:
        return sorted({row[0] for row in connection.execute(sa.select(audit.c.source_file).where(condition).distinct())})


def built_from(db: Warehouse, table: str, how: str) -> Generation | None:
    """The generation the table was last built from the same way; None when unknown."""
    marker = _marker(db)
    with db.engine.begin() as connection:
        marker.create(connection, checkfirst=True)
        row = connection.execute(sa.select(marker.c.generation, marker.c.recipe).where(marker.c.table_name == table)).first()
    if row is None or row.recipe != how:
        return None
    return Generation(row.generation)


def marker(db: Warehouse, table: str) -> tuple[str, Generation] | None:
    """How the table was last built and from which generation; None when it has no marker."""
    marker_table = _marker(db)
    with db.engine.begin() as connection:
        marker_table.create(connection, checkfirst=True)
        row = connection.execute(
            sa.select(marker_table.c.recipe, marker_table.c.generation).where(marker_table.c.table_name == table)
        ).first()
    return None if row is None else (row.recipe, Generation(row.generation))


def marker_of(db: Warehouse, table: str) -> str | None:
    """``marker`` as text."""
    found = marker(db, table)
    return None if found is None else f"{found[0]}@{found[1].latest}"


def record(db: Warehouse, table: str, how: str, generation: Generation) -> None:
    marker = _marker(db)
    with db.engine.begin() as connection:
        marker.create(connection, checkfirst=True)
        connection.execute(sa.delete(marker).where(marker.c.table_name == table))
        connection.execute(
            sa.insert(marker).values(
                table_name=table, recipe=how, generation=generation.latest, built_at=datetime.now(UTC).replace(tzinfo=None)
            )
        )


def _marker(db: Warehouse) -> sa.Table:
    return audit_table(
        db,
        MARKER_TABLE,
        sa.Column("table_name", sa.Text, primary_key=True),
        sa.Column("recipe", sa.Text, nullable=False),
        sa.Column("generation", sa.DateTime),
        sa.Column("built_at", sa.DateTime, nullable=False),
    )


def audit_table(db: Warehouse, name: str, *columns: sa.Column) -> sa.Table:
    """A small bookkeeping table of the audit schema (the schema made if missing), for SQLAlchemy."""
    with db.engine.begin() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA IF NOT EXISTS {db.quote(MARKER_SCHEMA)}"))
    return sa.Table(name, sa.MetaData(), *columns, schema=MARKER_SCHEMA)
