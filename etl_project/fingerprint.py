"""What a table holds, in one value: equal fingerprints, equal contents. A step whose inputs have
the fingerprints they had last time can keep its last answer instead of reading a national table
again.

A table built from staging generations (etl_project/staging/generation.py) is fingerprinted by its
build marker, how it was built and from which generation, at no cost. Any other table, on DuckDB,
by one pass: its row count and the sum of its rows' hashes (order does not matter, a repeated row
counts twice; equal short of a 64-bit hash collision). On other engines there is none, and steps
do their work every time.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from etl_project.staging import generation
from etl_project.warehouse import Warehouse
from schemas.registry import Table

MEMO_TABLE = "step_memo"


def table_fingerprint(db: Warehouse, table: Table) -> str | None:
    if db.dialect != "duckdb" or not db.has_table(table):
        return None
    built = generation.marker_of(db, table.name)
    if built is not None:
        return f"built:{built}"
    columns = ", ".join(db.quote(c) for c in table.column_names)
    # As text: the sum outgrows 64 bits, and a float would round its last digits away.
    rows, total = db.query(f"SELECT COUNT(*) AS n, CAST(SUM(hash({columns})::HUGEINT) AS VARCHAR) AS h FROM {db.name(table)}").iloc[0]
    return f"{int(rows)}:{total}"


def fingerprints(db: Warehouse, tables: list[Table], recipe: str) -> str | None:
    """The tables' fingerprints and how the step uses them; None when any cannot be had."""
    found = [table_fingerprint(db, table) for table in tables]
    return None if any(f is None for f in found) else json.dumps([recipe, *found])


def recall(db: Warehouse, step: str, fingerprint: str | None) -> dict | None:
    """The answer the step stored for these inputs, if it stored one."""
    if fingerprint is None:
        return None
    row = _stored(db, step)
    return json.loads(row.answer) if row is not None and row.fingerprint == fingerprint else None


def recall_last(db: Warehouse, step: str) -> dict | None:
    """The step's last stored answer, whatever its inputs were then."""
    row = _stored(db, step)
    return None if row is None else json.loads(row.answer)


def _stored(db: Warehouse, step: str):
    memo = _memo(db)
    with db.engine.begin() as connection:
        memo.create(connection, checkfirst=True)
        return connection.execute(sa.select(memo.c.fingerprint, memo.c.answer).where(memo.c.step == step)).first()


def remember(db: Warehouse, step: str, fingerprint: str | None, answer: dict) -> None:
    if fingerprint is None:
        return
    memo = _memo(db)
    with db.engine.begin() as connection:
        memo.create(connection, checkfirst=True)
        connection.execute(sa.delete(memo).where(memo.c.step == step))
        connection.execute(
            sa.insert(memo).values(
                step=step, fingerprint=fingerprint, answer=json.dumps(answer, ensure_ascii=False, default=str),
                stored_at=datetime.now(UTC).replace(tzinfo=None),
            )
        )


def _memo(db: Warehouse) -> sa.Table:
    return generation.audit_table(
        db,
        MEMO_TABLE,
        sa.Column("step", sa.Text, primary_key=True),
        sa.Column("fingerprint", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("stored_at", sa.DateTime, nullable=False),
    )
