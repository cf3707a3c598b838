"""What each raw file was when last hashed (size, modification time, SHA-256), kept in the
warehouse so that a file is hashed once per change: raw_file hashes a new file, and staging, the
next run and the one after take its hash from here while its size and time stay the same.

Entries are never trusted beyond that: a file whose size or time differs is hashed again
(resources._hashed), so a stale entry costs a hash, never a wrong answer.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from etl_project.ingest.resources import KnownHashes, RawFile
from etl_project.warehouse.engine import Warehouse
from etl_project.warehouse.incremental.store import audit_table, replace_rows
from schemas.tables import LOAD_AUDIT

HASH_TABLE = "file_hash"


def known_hashes(db: Warehouse) -> KnownHashes:
    """Size, time and hash of every file hashed before: as last hashed, else as its latest
    successful load recorded them (a warehouse of an older release has only the latter)."""
    known = _from_audit(db)
    table = _table(db)
    with db.engine.begin() as connection:
        rows = connection.execute(sa.select(table.c.source_file, table.c.file_bytes, table.c.file_mtime_ns, table.c.content_sha256)).all()
    known.update({r.source_file: (int(r.file_bytes), int(r.file_mtime_ns), r.content_sha256) for r in rows})
    return known


def remember_hashes(db: Warehouse, files: Iterable[RawFile]) -> int:
    """Record the files' size, time and hash, replacing what was recorded of them."""
    rows = [{"source_file": f.relative, "file_bytes": f.size, "file_mtime_ns": f.mtime_ns, "content_sha256": f.sha256} for f in files]
    if not rows:
        return 0
    replace_rows(db, _table(db), rows)
    return len(rows)


def _from_audit(db: Warehouse) -> KnownHashes:
    if not db.has_table(LOAD_AUDIT) or "file_mtime_ns" not in db.columns(LOAD_AUDIT):
        return {}
    # The latest successful load of each file, found in the database: the audit grows every night.
    rows = db.query(
        f"SELECT source_file, file_bytes, file_mtime_ns, content_sha256 FROM ("
        f"SELECT source_file, file_bytes, file_mtime_ns, content_sha256, "
        f"ROW_NUMBER() OVER (PARTITION BY source_file ORDER BY loaded_at DESC) AS latest "
        f"FROM {db.name(LOAD_AUDIT)} WHERE status IN ('loaded', 'unchanged') AND file_mtime_ns IS NOT NULL) ranked WHERE latest = 1"
    )
    return {r.source_file: (int(r.file_bytes), int(r.file_mtime_ns), r.content_sha256) for r in rows.itertuples()}


def _table(db: Warehouse) -> sa.Table:
    return audit_table(db, HASH_TABLE, "source_file", file_bytes=sa.BigInteger, file_mtime_ns=sa.BigInteger, content_sha256=sa.Text)
