"""Raw layer: the files as they arrived, with their content hashes, one partition per file
(etl_project/ingest/partitions.py), so the UI shows every file's history."""

import dagster as dg
import pandas as pd

from assets.metadata import OWNERS, WAREHOUSE_POOL
from etl_project.ingest.incremental.file_hashes import known_hashes, remember_hashes
from etl_project.ingest.partitions import RAW_FILES, file_of, source_of
from etl_project.ingest.resources import RawFilesResource, StagingResource, WarehouseResource
from etl_project.ingest.staging import workers
from etl_project.warehouse.incremental import batch_version
from schemas import source_catalog

RAW_FILE = "raw_file"


@dg.asset(
    name=RAW_FILE,
    pool=WAREHOUSE_POOL,
    group_name="raw",
    owners=OWNERS,
    kinds={"excel", "csv", "text"},
    partitions_def=RAW_FILES,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description=(
        "各县上报的原始文件，每个文件一个分区（登记、资金台账、项目库、行政村名单、工作报告）\n\n"
        f"One partition per file under data/raw/{{{','.join(source_catalog.source_names())}}}/, keyed by its path. "
        "A new or changed file gets an observation on its partition with its size and SHA-256 (its data version). A file "
        "of the size and modification time it had when last hashed is not read again."
    ),
    code_version="2",
)
def raw_file(context: dg.AssetExecutionContext, raw_files: RawFilesResource, warehouse: WarehouseResource, staging: StagingResource):
    with warehouse.open() as db:
        known = known_hashes(db)
    # Files of a new size or time are what staging will read: when that is a lot, the staging
    # workers' server starts now, alongside hashing, rather than when staging begins.
    workers.warm_up(sum(_new_size(raw_files, file_of(key), known) for key in context.partition_keys), staging.workers)
    listing, hashed, versions = [], [], []
    for key in context.partition_keys:
        raw = raw_files.file(file_of(key), known)
        if raw is None:
            # Gone between the sensor's look and this run: the next sensor tick deletes the partition.
            context.log.warning(f"{file_of(key)}: no longer under {raw_files.root}; its rows leave the warehouse on the next refresh")
            continue
        listing.append({"file": raw.relative, "bytes": raw.size, "sha256": raw.sha256[:16]})
        versions.append(raw.sha256)
        if known.get(raw.relative, (None, None, None))[:2] != (raw.size, raw.mtime_ns):
            hashed.append(raw)
        if known.get(raw.relative, (None, None, None))[2] == raw.sha256:
            continue
        # A new or changed file's size and hash, on its partition; the hash is its data version, so
        # the version changes with the content and with nothing else.
        yield dg.AssetObservation(
            asset_key=RAW_FILE,
            partition=key,
            metadata={"source": _label(source_of(key)), "bytes": dg.MetadataValue.int(raw.size), "sha256": raw.sha256},
            tags={"dagster/data_version": raw.sha256},
        )
    if hashed:
        with warehouse.open() as db:
            remember_hashes(db, hashed)  # staging takes them from here instead of reading the files again
    frame = pd.DataFrame(listing)
    yield dg.MaterializeResult(
        metadata={
            "files": dg.MetadataValue.int(len(listing)),
            "total_bytes": dg.MetadataValue.int(int(frame["bytes"].sum()) if listing else 0),
            "listing": dg.MetadataValue.md(frame.head(200).to_markdown(index=False) if listing else "no files"),
        },
        data_version=dg.DataVersion(batch_version(versions)) if versions else None,
    )


def _new_size(raw_files: RawFilesResource, relative: str, known) -> int:
    """The file's size when its size or time is not the one last hashed, else 0."""
    try:
        stat = raw_files.path(relative).stat()
    except OSError:
        return 0
    return 0 if known.get(relative, (None, None))[:2] == (stat.st_size, stat.st_mtime_ns) else stat.st_size


def _label(source: str) -> str:
    return source_catalog.source(source).label if source_catalog.is_source(source) else source
