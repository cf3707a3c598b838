"""Staging layer: every source file read, typed, validated and stripped of personal data.

One file's failure (unreadable, unknown layout, missing columns) is recorded with its reason in
load_audit and does not stop the others; that file keeps the rows it had from its last good load.
Project lists are staged before ledgers, so a movement booked on an unknown project is caught.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import dagster as dg
import pandas as pd
import sqlalchemy as sa

from assets.metadata import OWNERS, describe, table_metadata
from assets.raw import RAW_ASSETS
from etl_project import pii
from etl_project.readers.extract import SourceFileError
from etl_project.regions import default_index
from etl_project.resources import RawFile, RawFilesResource, WarehouseResource
from etl_project.staging import investment, registry
from etl_project.staging.pipeline import StagedFile
from schemas.investment_tables import STG_FUND_MOVEMENT, STG_LEDGER_TOTAL, STG_PROJECT, STG_VILLAGE
from schemas.registry import Table
from schemas.tables import LOAD_AUDIT, QUARANTINE, STG_HOUSEHOLD

RETRY = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL)
AUDIT_COUNTS = ("rows_read", "rows_loaded", "rows_quarantined", "rows_skipped", "skipped_blank", "skipped_total", "skipped_note")


@dataclass
class SourceRun:
    """One source's files in one run: what staged, what failed, and the audit rows."""

    name: str
    table: Table
    staged: list[StagedFile] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    audit: list[dict] = field(default_factory=list)

    def frames(self) -> list[pd.DataFrame]:
        return [s.staged for s in self.staged]


def _audit_row(run_id: str, source: str, raw: RawFile, staged: StagedFile | None, error: str | None) -> dict:
    row = {
        "run_id": run_id,
        "source": source,
        "source_file": raw.relative,
        "content_sha256": raw.sha256,
        "file_bytes": raw.size,
        "status": "failed" if error else "loaded",
        "message": error,
        "loaded_at": datetime.now(timezone.utc).replace(tzinfo=None),
    }
    row.update({name: getattr(staged, name) if staged else 0 for name in AUDIT_COUNTS})
    return row


def _stage_source(context, name: str, table: Table, files: list[RawFile], stage_one: Callable[[RawFile], StagedFile]) -> SourceRun:
    run = SourceRun(name, table)
    for raw in files:
        try:
            staged = stage_one(raw)
        except SourceFileError as exc:
            context.log.error(str(exc))
            run.failed.append(raw.relative)
            run.audit.append(_audit_row(context.run.run_id, name, raw, None, str(exc)))
            continue
        run.staged.append(staged)
        run.audit.append(_audit_row(context.run.run_id, name, raw, staged, None))
        context.log.info(
            f"{raw.relative}: read {staged.rows_read}, loaded {staged.rows_loaded}, "
            f"quarantined {staged.rows_quarantined}, skipped {staged.rows_skipped}"
        )
    return run


def _spec(key: str, table: Table, deps: list[str], group: str = "staging", extra: str = "") -> dg.AssetSpec:
    return dg.AssetSpec(
        key,
        group_name=group,
        owners=OWNERS,
        kinds={"pandas", "duckdb"},
        deps=deps,
        description=describe(table, extra),
        metadata=table_metadata(table),
    )


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
    regions = default_index()
    key = pii.pii_key()
    if pii.using_development_key():
        context.log.warning(f"{pii.PII_KEY_ENV} is not set: household and donor keys use the development key")

    db = warehouse.open()
    try:
        runs = {}
        runs["projects"] = _stage_source(
            context, "projects", STG_PROJECT, raw_files.files("projects"),
            lambda raw: investment.stage_projects(raw.path, raw.relative, regions, key),
        )
        kept_projects = _last_good_rows(db, STG_PROJECT, runs["projects"].failed)
        # A code in a project list counts as known even when its row was rejected: the money is
        # then traced to a project whose own row needs fixing, not reported as going nowhere.
        listed = [s.typed["project_code"] for s in runs["projects"].staged] + [kept_projects["project_code"]]
        known_projects = {code for codes in listed for code in codes.dropna()}
        runs["villages"] = _stage_source(
            context, "villages", STG_VILLAGE, raw_files.files("villages"),
            lambda raw: investment.stage_villages(raw.path, raw.relative, regions, key),
        )
        runs["registry"] = _stage_source(
            context, "registry", STG_HOUSEHOLD, raw_files.files("registry"),
            lambda raw: registry.stage_file(raw.path, raw.relative, regions, key),
        )
        runs["funds"] = _stage_source(
            context, "funds", STG_FUND_MOVEMENT, raw_files.files("funds"),
            lambda raw: investment.stage_funds(raw.path, raw.relative, regions, key, known_projects),
        )

        results = {}
        for source, run in runs.items():
            kept = kept_projects if source == "projects" else _last_good_rows(db, run.table, run.failed)
            rows = db.replace(run.table, [*run.frames(), kept])
            results[run.table.name] = (rows, len(kept))
        totals = [s.totals for s in runs["funds"].staged if not s.totals.empty]
        kept_totals = _last_good_rows(db, STG_LEDGER_TOTAL, runs["funds"].failed)
        total_rows = db.replace(STG_LEDGER_TOTAL, [*totals, kept_totals])

        failed = [f for run in runs.values() for f in run.failed]
        rejects = [s.quarantine.assign(run_id=context.run.run_id) for run in runs.values() for s in run.staged if not s.quarantine.empty]
        quarantine = pd.concat(rejects, ignore_index=True) if rejects else pd.DataFrame(columns=QUARANTINE.column_names)
        # Every file's verdict is replaced by this run's, except files that failed to load this
        # time: their last verdict still stands. A file no longer present leaves the quarantine.
        target = db.reference(QUARANTINE)
        db.replace_where(QUARANTINE, quarantine, target.c.source_file.not_in(failed) if failed else sa.true())
        audit = pd.DataFrame([row for run in runs.values() for row in run.audit], columns=LOAD_AUDIT.column_names)
        audit_ref = db.reference(LOAD_AUDIT)
        db.replace_where(LOAD_AUDIT, audit, audit_ref.c.run_id == context.run.run_id)
        quarantine_total = db.row_count(QUARANTINE)
        audit_total = db.row_count(LOAD_AUDIT)
    finally:
        db.close()

    for source, run in runs.items():
        rows, kept = results[run.table.name]
        per_file = audit[audit["source"] == source][["source_file", "status", *AUDIT_COUNTS[:4]]]
        yield dg.MaterializeResult(
            asset_key=run.table.name,
            metadata={
                **table_metadata(run.table, rows),
                "files_loaded": len(run.staged),
                "files_failed": len(run.failed),
                "failed_files": dg.MetadataValue.json(run.failed),
                "rows_kept_from_last_good_load": kept,
                "per_file": dg.MetadataValue.md(per_file.to_markdown(index=False) if not per_file.empty else "no files"),
            },
        )
    yield dg.MaterializeResult(asset_key=STG_LEDGER_TOTAL.name, metadata=table_metadata(STG_LEDGER_TOTAL, total_rows))
    by_rule = quarantine["rule"].value_counts().to_dict() if not quarantine.empty else {}
    yield dg.MaterializeResult(
        asset_key="quarantine",
        metadata={
            **table_metadata(QUARANTINE, quarantine_total),
            "rejected_rows_this_run": int(sum(s.rows_quarantined for run in runs.values() for s in run.staged)),
            "by_rule": dg.MetadataValue.json(by_rule),
        },
    )
    yield dg.MaterializeResult(asset_key="load_audit", metadata={**table_metadata(LOAD_AUDIT, audit_total), "files_this_run": len(audit)})


def _last_good_rows(db, table: Table, failed: list[str]) -> pd.DataFrame:
    if not failed or not db.has_table(table):
        return pd.DataFrame(columns=table.column_names)
    reference = db.reference(table)
    statement = reference.select().where(reference.c.source_file.in_(failed))
    with db.engine.connect() as connection:
        return pd.read_sql(statement, connection)
