"""Staging layer: every registry file read, typed, validated and pseudonymised.

One file's failure (unreadable, unknown layout, missing columns) is recorded with its reason in
load_audit and does not stop the others; that file keeps the rows it had from its last good load.
"""


from datetime import datetime, timezone

import dagster as dg
import pandas as pd
import sqlalchemy as sa

from assets.metadata import OWNERS, describe, table_metadata
from etl_project import pii
from etl_project.readers.extract import SourceFileError
from etl_project.regions import default_index
from etl_project.resources import RawFilesResource, WarehouseResource
from etl_project.staging.registry import SOURCE, StagedFile, stage_file
from schemas.tables import LOAD_AUDIT, QUARANTINE, STG_HOUSEHOLD

RETRY = dg.RetryPolicy(max_retries=2, delay=5, backoff=dg.Backoff.EXPONENTIAL)


def _audit_row(run_id: str, raw, staged: StagedFile | None, error: str | None) -> dict:
    row = {
        "run_id": run_id,
        "source": SOURCE,
        "source_file": raw.relative,
        "content_sha256": raw.sha256,
        "file_bytes": raw.size,
        "status": "failed" if error else "loaded",
        "message": error,
        "loaded_at": datetime.now(timezone.utc).replace(tzinfo=None),
    }
    counts = ("rows_read", "rows_loaded", "rows_quarantined", "rows_skipped", "skipped_blank", "skipped_total", "skipped_note")
    for name in counts:
        row[name] = getattr(staged, name) if staged else 0
    return row


@dg.multi_asset(
    specs=[
        dg.AssetSpec(
            "stg_household",
            group_name="staging",
            owners=OWNERS,
            kinds={"pandas", "duckdb"},
            deps=["raw_registry_files"],
            description=describe(STG_HOUSEHOLD, "Rows that break a rule go to quarantine instead."),
            metadata=table_metadata(STG_HOUSEHOLD),
        ),
        dg.AssetSpec(
            "quarantine",
            group_name="warehouse",
            owners=OWNERS,
            kinds={"duckdb"},
            deps=["raw_registry_files"],
            description=describe(QUARANTINE),
            metadata=table_metadata(QUARANTINE),
        ),
        dg.AssetSpec(
            "load_audit",
            group_name="warehouse",
            owners=OWNERS,
            kinds={"duckdb"},
            deps=["raw_registry_files"],
            description=describe(LOAD_AUDIT),
            metadata=table_metadata(LOAD_AUDIT),
        ),
    ],
    retry_policy=RETRY,
    can_subset=False,
)
def registry_staging(context: dg.AssetExecutionContext, raw_files: RawFilesResource, warehouse: WarehouseResource):
    regions = default_index()
    key = pii.pii_key()
    if pii.using_development_key():
        context.log.warning(f"{pii.PII_KEY_ENV} is not set: household keys use the development key")
    run_id = context.run.run_id
    staged_files, audit_rows, failed = [], [], []
    for raw in raw_files.files("registry"):
        try:
            staged = stage_file(raw.path, raw.relative, regions, key)
        except SourceFileError as exc:
            context.log.error(str(exc))
            failed.append(raw.relative)
            audit_rows.append(_audit_row(run_id, raw, None, str(exc)))
            continue
        staged_files.append(staged)
        audit_rows.append(_audit_row(run_id, raw, staged, None))
        context.log.info(
            f"{raw.relative}: read {staged.rows_read}, loaded {staged.rows_loaded}, "
            f"quarantined {staged.rows_quarantined}, skipped {staged.rows_skipped}"
        )

    db = warehouse.open()
    try:
        kept = _last_good_rows(db, failed)
        staged_rows = db.replace(STG_HOUSEHOLD, [s.staged for s in staged_files] + [kept])
        rejects = [s.quarantine.assign(run_id=run_id) for s in staged_files if not s.quarantine.empty]
        quarantine = pd.concat(rejects, ignore_index=True) if rejects else pd.DataFrame(columns=QUARANTINE.column_names)
        _replace_source_quarantine(db, quarantine, keep_files=failed)
        audit = pd.DataFrame(audit_rows, columns=LOAD_AUDIT.column_names)
        audit_ref = db.reference(LOAD_AUDIT)
        db.replace_where(LOAD_AUDIT, audit, (audit_ref.c.run_id == run_id) & (audit_ref.c.source == SOURCE))
        quarantine_total = db.row_count(QUARANTINE.name)
        audit_total = db.row_count(LOAD_AUDIT.name)
    finally:
        db.close()

    file_table = audit[["source_file", "status", "rows_read", "rows_loaded", "rows_quarantined", "rows_skipped"]]
    yield dg.MaterializeResult(
        asset_key="stg_household",
        metadata={
            **table_metadata(STG_HOUSEHOLD, staged_rows),
            "files_loaded": len(staged_files),
            "files_failed": len(failed),
            "failed_files": dg.MetadataValue.json(failed),
            "rows_kept_from_last_good_load": len(kept),
            "per_file": dg.MetadataValue.md(file_table.to_markdown(index=False) if not file_table.empty else "no files"),
        },
    )
    yield dg.MaterializeResult(
        asset_key="quarantine",
        metadata={
            **table_metadata(QUARANTINE, quarantine_total),
            "rejected_rows_this_run": int(quarantine[["source_file", "source_sheet", "source_row"]].drop_duplicates().shape[0]) if not quarantine.empty else 0,
            "by_rule": dg.MetadataValue.json(quarantine["rule"].value_counts().to_dict() if not quarantine.empty else {}),
        },
    )
    yield dg.MaterializeResult(asset_key="load_audit", metadata={**table_metadata(LOAD_AUDIT, audit_total), "files_this_run": len(audit)})


def _last_good_rows(db, failed: list[str]) -> pd.DataFrame:
    if not failed or not db.has_table(STG_HOUSEHOLD.name):
        return pd.DataFrame(columns=STG_HOUSEHOLD.column_names)
    table = db.reference(STG_HOUSEHOLD)
    statement = sa.select(table).where(table.c.source_file.in_(failed))
    with db.engine.connect() as connection:
        return pd.read_sql(statement, connection)


def _replace_source_quarantine(db, quarantine: pd.DataFrame, keep_files: list[str]) -> None:
    """This source's quarantine rows replaced in one transaction, except those of files that failed
    to load this time (their last verdict still stands)."""
    target = db.reference(QUARANTINE)
    condition = target.c.source == SOURCE
    if keep_files:
        condition = condition & target.c.source_file.not_in(keep_files)
    db.replace_where(QUARANTINE, quarantine, condition)
