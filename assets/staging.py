"""Staging layer: every source file read, typed, validated and stripped of personal data.

One file's failure (unreadable, unknown layout, missing columns) is recorded with its reason in
load_audit and does not stop the others; that file keeps the rows it had from its last good load.
Project lists are staged before ledgers, so a movement booked on an unknown project is caught.
Files are staged by worker processes when there is much to read, and written to the warehouse in
batches as they come, so a national registry never sits in memory whole.
"""

from dataclasses import dataclass, field
from datetime import datetime, timezone

import hashlib

import dagster as dg
import pandas as pd
import sqlalchemy as sa

from assets.metadata import FRAME_KINDS, OWNERS, describe, table_metadata
from assets.raw import RAW_ASSETS
from etl_project import pii
from etl_project.readers.column_map import COLUMN_MAP_DIR
from etl_project.resources import RawFile, RawFilesResource, WarehouseResource
from etl_project.staging.workers import FileOutcome, Stager, worker_count
from etl_project.staging.writer import StagingWriter
from schemas.investment_sources import FUND_MOVEMENT, PROJECT, VILLAGE
from schemas.investment_tables import STG_FUND_MOVEMENT, STG_LEDGER_TOTAL, STG_PROJECT, STG_VILLAGE
from schemas.sources import REGISTRY_HOUSEHOLD
from schemas.registry import Table
from schemas.tables import LOAD_AUDIT, QUARANTINE, STG_HOUSEHOLD

RETRY = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL)
AUDIT_COUNTS = ("rows_read", "rows_loaded", "rows_quarantined", "rows_skipped", "skipped_blank", "skipped_total", "skipped_note")


@dataclass
class SourceRun:
    """One source's files in one run: what was staged again, what stayed, failed or went away."""

    name: str
    table: Table
    staged: list[FileOutcome] = field(default_factory=list)  # counts only: the rows are written
    unchanged: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    audit: list[dict] = field(default_factory=list)
    rejected_rules: list = field(default_factory=list)  # the rule of every quarantine row, in order
    project_codes: set[str] = field(default_factory=set)

    @property
    def replaced(self) -> list[str]:
        """Files whose rows are replaced in staging and quarantine: staged again, or gone."""
        return [s.source_file for s in self.staged] + self.removed


def rules_version(source: str) -> str:
    """Fingerprint of what a file is checked against: its column map and its source declaration.
    A file is read again when its content or this changes."""
    column_map = (COLUMN_MAP_DIR / f"{source}.yaml").read_bytes()
    declaration = repr(SOURCE_RECORDS[source]).encode("utf-8")
    return hashlib.sha256(column_map + declaration).hexdigest()[:16]


def _audit_row(run_id: str, source: str, raw: RawFile, staged: FileOutcome | None, error: str | None, version: str) -> dict:
    row = {
        "run_id": run_id,
        "source": source,
        "source_file": raw.relative,
        "content_sha256": raw.sha256,
        "rules_version": version,
        "file_bytes": raw.size,
        "status": "failed" if error else "loaded",
        "message": error,
        "loaded_at": datetime.now(timezone.utc).replace(tzinfo=None),
    }
    row.update({name: getattr(staged, name) if staged else 0 for name in AUDIT_COUNTS})
    return row


def _previous_loads(db) -> dict[tuple[str, str], dict]:
    """The last successful load of every file still in the warehouse: (source, file) → audit row."""
    if not db.has_table(LOAD_AUDIT):
        return {}
    audit = db.query(
        f"SELECT * FROM {db.name(LOAD_AUDIT)} WHERE status IN ('loaded', 'unchanged') ORDER BY loaded_at"
    )
    removed = db.query(f"SELECT source, source_file, MAX(loaded_at) AS at FROM {db.name(LOAD_AUDIT)} WHERE status = 'removed' GROUP BY source, source_file")
    gone = {(r.source, r.source_file): r.at for r in removed.itertuples()}
    latest = {}
    for row in audit.to_dict("records"):
        key = (row["source"], row["source_file"])
        if key in gone and gone[key] >= row["loaded_at"]:
            latest.pop(key, None)
            continue
        latest[key] = row
    return latest


def _stage_source(context, name: str, table: Table, files: list[RawFile], previous: dict, stager: Stager, writer: StagingWriter, force: bool = False) -> SourceRun:
    run = SourceRun(name, table)
    version = rules_version(name)
    run_id = context.run.run_id
    unchanged = {}
    for raw in files:
        before = previous.get((name, raw.relative))
        if not force and before and before["content_sha256"] == raw.sha256 and before.get("rules_version") == version:
            unchanged[raw.relative] = before
    outcomes = stager.stage(name, [(raw.path, raw.relative) for raw in files if raw.relative not in unchanged])
    for raw in files:
        if raw.relative in unchanged:
            run.unchanged.append(raw.relative)
            run.audit.append({**unchanged[raw.relative], "run_id": run_id, "status": "unchanged", "message": None,
                              "loaded_at": datetime.now(timezone.utc).replace(tzinfo=None)})
            continue
        staged = next(outcomes)
        if staged.error is not None:
            context.log.error(staged.error)
            run.failed.append(raw.relative)
            run.audit.append(_audit_row(run_id, name, raw, None, staged.error, version))
            continue
        _write(writer, run, staged, run_id)
        run.audit.append(_audit_row(run_id, name, raw, staged, None, version))
        context.log.info(
            f"{raw.relative}: read {staged.rows_read}, loaded {staged.rows_loaded}, "
            f"quarantined {staged.rows_quarantined}, skipped {staged.rows_skipped}"
        )
    present = {raw.relative for raw in files}
    for (source, relative), before in previous.items():
        if source == name and relative not in present:
            run.removed.append(relative)
            for target in _tables_of(name):
                writer.replace(target, relative, None)
            run.audit.append({**{k: None for k in LOAD_AUDIT.column_names}, **{c: 0 for c in AUDIT_COUNTS},
                              "run_id": run_id, "source": name, "source_file": relative, "status": "removed",
                              "message": "file no longer under the raw folder: its rows left the warehouse",
                              "loaded_at": datetime.now(timezone.utc).replace(tzinfo=None)})
    writer.flush()
    return run


def _tables_of(source: str) -> list[Table]:
    """Where a file of the source has rows: its staging table, the quarantine, ledger totals."""
    return [STAGED_TABLES[source], QUARANTINE] + ([STG_LEDGER_TOTAL] if source == "funds" else [])


def _write(writer: StagingWriter, run: SourceRun, staged: FileOutcome, run_id: str) -> None:
    """Hand the file's rows to the writer and keep only its counts."""
    writer.replace(run.table, staged.source_file, staged.rows)
    rejects = staged.quarantine
    writer.replace(QUARANTINE, staged.source_file, rejects.assign(run_id=run_id) if rejects is not None and not rejects.empty else None)
    if run.name == "funds":
        writer.replace(STG_LEDGER_TOTAL, staged.source_file, staged.totals)
    if rejects is not None and not rejects.empty:
        run.rejected_rules.append(rejects["rule"].to_numpy())
    if staged.project_codes:
        run.project_codes |= staged.project_codes
    staged.rows = staged.quarantine = staged.totals = staged.project_codes = None
    run.staged.append(staged)


def _spec(key: str, table: Table, deps: list[str], group: str = "staging", extra: str = "") -> dg.AssetSpec:
    return dg.AssetSpec(
        key,
        group_name=group,
        owners=OWNERS,
        kinds=FRAME_KINDS,
        deps=deps,
        description=describe(table, extra),
        metadata=table_metadata(table),
    )


SOURCE_RECORDS = {"registry": REGISTRY_HOUSEHOLD, "funds": FUND_MOVEMENT, "projects": PROJECT, "villages": VILLAGE}
STAGED_TABLES = {
    "registry": STG_HOUSEHOLD,
    "projects": STG_PROJECT,
    "villages": STG_VILLAGE,
    "funds": STG_FUND_MOVEMENT,
}


@dg.multi_asset(
    specs=[
        _spec("stg_household", STG_HOUSEHOLD, [RAW_ASSETS["registry"]], extra="Rows that break a rule go to quarantine instead."),
        _spec("stg_project", STG_PROJECT, [RAW_ASSETS["projects"]]),
        _spec("stg_village", STG_VILLAGE, [RAW_ASSETS["villages"]]),
        _spec("stg_fund_movement", STG_FUND_MOVEMENT, [RAW_ASSETS["funds"], RAW_ASSETS["projects"]], extra="Movements on unknown projects are quarantined."),
        _spec("stg_ledger_total", STG_LEDGER_TOTAL, [RAW_ASSETS["funds"]]),
        _spec("quarantine", QUARANTINE, [RAW_ASSETS[s] for s in STAGED_TABLES], group="warehouse"),
        _spec("load_audit", LOAD_AUDIT, [RAW_ASSETS[s] for s in STAGED_TABLES], group="warehouse"),
    ],
    retry_policy=RETRY,
    can_subset=False,
)
def source_staging(context: dg.AssetExecutionContext, raw_files: RawFilesResource, warehouse: WarehouseResource):
    key = pii.pii_key()
    if pii.using_development_key():
        context.log.warning(f"{pii.PII_KEY_ENV} is not set: household and donor keys use the development key")

    db = warehouse.open()
    try:
        previous = _previous_loads(db)
        files = {source: raw_files.files(source) for source in STAGED_TABLES}
        migrations = [db.ensure_table(table) for table in STAGED_TABLES.values()]
        db.ensure_table(STG_LEDGER_TOTAL)
        migrations += [db.ensure_table(QUARANTINE), db.ensure_table(LOAD_AUDIT)]
        writer = StagingWriter(db)
        workers = worker_count(_bytes_to_read(files, previous))
        as_arrow = db.dialect == "duckdb"
        runs = {}
        # Ledgers are judged against every code of every project list, rejected rows included, so
        # whenever a ledger or a list changes, all lists are read again (they are small).
        projects_touched = _changed(files["projects"], "projects", previous) or _changed(files["funds"], "funds", previous)
        with Stager(workers, key, as_arrow=as_arrow) as stager:
            runs["projects"] = _stage_source(context, "projects", STG_PROJECT, files["projects"], previous, stager, writer, force=projects_touched)
            runs["villages"] = _stage_source(context, "villages", STG_VILLAGE, files["villages"], previous, stager, writer)
            runs["registry"] = _stage_source(context, "registry", STG_HOUSEHOLD, files["registry"], previous, stager, writer)
        known_projects = frozenset(runs["projects"].project_codes | _kept_codes(db, runs["projects"].failed))
        with Stager(workers, key, known_projects, as_arrow=as_arrow) as stager:
            runs["funds"] = _stage_source(
                context, "funds", STG_FUND_MOVEMENT, files["funds"], previous, stager, writer,
                force=bool(runs["projects"].staged or runs["projects"].removed),
            )
        writer.flush()
        results = {run.table.name: db.row_count(run.table) for run in runs.values()}
        total_rows = db.row_count(STG_LEDGER_TOTAL)
        audit = pd.DataFrame([row for run in runs.values() for row in run.audit], columns=LOAD_AUDIT.column_names)
        audit_ref = db.reference(LOAD_AUDIT)
        db.replace_where(LOAD_AUDIT, audit, audit_ref.c.run_id == context.run.run_id)
        quarantine_total = db.row_count(QUARANTINE)
        audit_total = db.row_count(LOAD_AUDIT)
    finally:
        db.close()
    for message in filter(None, migrations):
        # A first run creates its tables; only a migration of existing ones deserves attention.
        (context.log.warning if message.startswith("migrated") else context.log.info)(f"schema change: {message}")

    for source, run in runs.items():
        per_file = audit[audit["source"] == source][["source_file", "status", *AUDIT_COUNTS[:4]]]
        yield dg.MaterializeResult(
            asset_key=run.table.name,
            metadata={
                **table_metadata(run.table, results[run.table.name]),
                "files_read": len(run.staged),
                "files_unchanged": len(run.unchanged),
                "files_failed": len(run.failed),
                "files_removed": len(run.removed),
                "failed_files": dg.MetadataValue.json(run.failed),
                "per_file": dg.MetadataValue.md(per_file.to_markdown(index=False) if not per_file.empty else "no files"),
            },
        )
    yield dg.MaterializeResult(asset_key=STG_LEDGER_TOTAL.name, metadata=table_metadata(STG_LEDGER_TOTAL, total_rows))
    rules = [rule for run in runs.values() for rules in run.rejected_rules for rule in rules]
    by_rule = pd.Series(rules, dtype=object).value_counts().to_dict() if rules else {}
    yield dg.MaterializeResult(
        asset_key="quarantine",
        metadata={
            **table_metadata(QUARANTINE, quarantine_total),
            "rejected_rows_this_run": int(sum(s.rows_quarantined for run in runs.values() for s in run.staged)),
            "by_rule": dg.MetadataValue.json(by_rule),
        },
    )
    yield dg.MaterializeResult(
        asset_key="load_audit",
        metadata={
            **table_metadata(LOAD_AUDIT, audit_total),
            "files_this_run": len(audit),
            "schema_changes": dg.MetadataValue.json([m for m in migrations if m]),
        },
    )


def _bytes_to_read(files: dict[str, list[RawFile]], previous: dict) -> int:
    """Roughly what this run will read: the files whose content is not the one last loaded."""
    return sum(
        raw.size
        for source, found in files.items()
        for raw in found
        if (previous.get((source, raw.relative)) or {}).get("content_sha256") != raw.sha256
    )


def _changed(files: list[RawFile], source: str, previous: dict) -> bool:
    """True when any file of the source is new, changed or gone since its last load."""
    version = rules_version(source)
    present = {raw.relative for raw in files}
    for raw in files:
        before = previous.get((source, raw.relative))
        if not before or before["content_sha256"] != raw.sha256 or before.get("rules_version") != version:
            return True
    return any(s == source and f not in present for s, f in previous)


def _kept_codes(db, failed: list[str]) -> set[str]:
    """Project codes of lists that failed to load this time: their last good rows still stand."""
    if not failed or not db.has_table(STG_PROJECT):
        return set()
    reference = db.reference(STG_PROJECT)
    statement = sa.select(reference.c.project_code).where(reference.c.source_file.in_(failed))
    with db.engine.connect() as connection:
        return {row[0] for row in connection.execute(statement) if row[0]}
