"""Where each raw file stands in the warehouse: its last successful load, and the version of the
rules it was checked against and staged by. A file is read again when its content or those rules changed; what
it staged is named by both (its version)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from etl_project import reports as reports_package
from etl_project.core import columnar, encoding, money_units, refusal
from etl_project.ingest import readers as readers_package
from etl_project.ingest import staging as staging_package
from etl_project.ingest.resources import RawFile
from etl_project.warehouse.engine import Warehouse
from etl_project.warehouse.incremental import Decision
from schemas import source_catalog
from schemas.tables import LOAD_AUDIT

# Helpers of the readers that other layers use too, so they sit in core; they decide how a file is
# read as much as the readers do.
READER_HELPERS = (columnar, encoding, money_units, refusal)


def _code_of(package) -> bytes:
    return b"".join(path.read_bytes() for path in sorted(Path(package.__file__).parent.glob("*.py")))


def _reading_code() -> bytes:
    """The code that turns a file into staged rows: the readers, their helpers and staging (a
    staging table that keeps one more column must have every file staged again to fill it)."""
    helpers = b"".join(Path(helper.__file__).read_bytes() for helper in READER_HELPERS)
    return _code_of(readers_package) + helpers + _code_of(staging_package)


def rules_version(source: str, written: Callable[[str], str]) -> str:
    """Fingerprint of what a file is checked against: its column map, its source declaration, the
    settings it declares (``written``: the setting a variable gives, as written) and the readers
    (which decide units, totals and which sheets are read); for reports, the extractor's code."""
    declared = source_catalog.source(source)
    if not declared.tabular:
        return hashlib.sha256(_code_of(reports_package)).hexdigest()[:16]
    column_map = declared.column_map_path.read_bytes()
    declaration = repr((declared.record, *declared.layout_records, *declared.staged)).encode("utf-8")
    settings = repr([written(name) for name in declared.settings]).encode("utf-8")
    return hashlib.sha256(column_map + declaration + settings + _reading_code()).hexdigest()[:16]


def previous_loads(db: Warehouse) -> dict[tuple[str, str], dict]:
    """The last successful load of every file still in the warehouse: (source, file) → audit row."""
    if not db.has_table(LOAD_AUDIT):
        return {}
    # Found in the database, not in Python: the audit gains rows every night. A removal at the
    # same time as a load is the later of the two.
    audit = db.query(
        f"SELECT * FROM (SELECT a.*, ROW_NUMBER() OVER (PARTITION BY source, source_file "
        f"ORDER BY loaded_at DESC, CASE WHEN status = 'removed' THEN 0 ELSE 1 END) AS latest "
        f"FROM {db.name(LOAD_AUDIT)} a WHERE status IN ('loaded', 'unchanged', 'removed')) ranked "
        "WHERE latest = 1 AND status <> 'removed'"
    ).drop(columns=["latest"])
    return {(row["source"], row["source_file"]): row for row in audit.to_dict("records")}


def is_current(previous: dict, source: str, relative: str, sha256: str, version: str) -> bool:
    """Whether the file's last successful load was of this content under these rules."""
    before = previous.get((source, relative))
    return before is not None and before["content_sha256"] == sha256 and before.get("rules_version") == version


def decide(previous: dict, source: str, raw: RawFile, rules: str, again: bool = False) -> Decision:
    """Whether the file's last load stands (kept: it is not read again) or it is read now;
    ``again`` reads it whatever its last load (a ledger judged against a changed project list)."""
    kept = not again and is_current(previous, source, raw.relative, raw.sha256, rules)
    return Decision(kept, staged_version(raw.sha256, rules), _STANDS if kept else _READ)


def of_load(audit_row: dict) -> Decision:
    """What a file's load_audit row of this run says: its last load stood, or it was read."""
    kept = audit_row["status"] == "unchanged"
    return Decision(kept, staged_version(audit_row["content_sha256"], audit_row["rules_version"]), _STANDS if kept else _READ)


def staged_version(sha256: str, rules: str) -> str:
    """What a file staged: its content under these rules."""
    return f"{sha256}/{rules}"


_STANDS, _READ = "content and rules as at its last load", "read now"
