"""Step memos: the answer a step stored for the inputs it had. A step whose inputs have the
fingerprints they had last time (etl_project/warehouse/incremental/tables.py) can keep its last answer
instead of reading a national table again.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from etl_project.warehouse.engine import Warehouse
from etl_project.warehouse.incremental.store import audit_table, replace_rows

MEMO_TABLE = "step_memo"


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
        return connection.execute(sa.select(memo.c.fingerprint, memo.c.answer).where(memo.c.step == step)).first()


def remember(db: Warehouse, step: str, fingerprint: str | None, answer: dict) -> None:
    if fingerprint is None:
        return
    answer_text = json.dumps(answer, ensure_ascii=False, default=str)
    stored_at = datetime.now(UTC).replace(tzinfo=None)
    replace_rows(db, _memo(db), [{"step": step, "fingerprint": fingerprint, "answer": answer_text, "stored_at": stored_at}])


def _memo(db: Warehouse) -> sa.Table:
    return audit_table(db, MEMO_TABLE, "step", fingerprint=sa.Text, answer=sa.Text, stored_at=sa.DateTime)
