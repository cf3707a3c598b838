"""The Dagster code location: assets, checks, the nightly job and schedule, resources."""

from __future__ import annotations

import warnings
from datetime import timedelta

import dagster as dg

from assets import checks, investment_checks, marts, monitoring, monitoring_checks, privacy, raw, reports, serving, staging, warehouse
from etl_project.resources import RawFilesResource, WarehouseResource
from etl_project import partitions
from etl_project.sensors import build_raw_files_sensor, build_refresh_after_failed_files, run_failure_recorder

FULL_JOB_NAME = "warehouse_full_refresh"
REFRESH_JOB_NAME = "warehouse_refresh"
NIGHTLY_CRON, TIMEZONE = "0 2 * * *", "Asia/Shanghai"

ASSET_MODULES = (raw, staging, warehouse, marts, monitoring, reports, privacy, serving)

# A DuckDB file takes one writer at a time: the job's steps run one after another, and the
# instance's run queue (deploy/dagster.yaml) lets one run with this tag write at a time.
WAREHOUSE_WRITE_TAG = {"etl/warehouse": "write"}
STALE_AFTER = timedelta(hours=26)
ONE_WRITER = dg.multiprocess_executor.configured({"max_concurrent": 1})
PER_FILE_ASSETS = dg.AssetSelection.assets(raw.RAW_FILE, staging.STAGED_FILE)

full_refresh_job = dg.define_asset_job(
    FULL_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description=(
        "读取变化的原始文件（按文件分区）并重建仓库与集市 / stage the raw files of the run's partitions that changed, "
        "then rebuild the warehouse and marts"
    ),
    executor_def=ONE_WRITER,
    tags=WAREHOUSE_WRITE_TAG,
)
refresh_job = dg.define_asset_job(
    REFRESH_JOB_NAME,
    selection=dg.AssetSelection.all() - PER_FILE_ASSETS,
    description=(
        "由已装载的数据重建仓库与集市（不读原始表格）/ rebuild the warehouse and marts from what is staged: after a "
        "file failed, a file was removed, or a report changed"
    ),
    executor_def=ONE_WRITER,
    tags=WAREHOUSE_WRITE_TAG,
)


def build_nightly_schedule(raw_root: str) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="nightly_warehouse_refresh",
        job=full_refresh_job,
        cron_schedule=NIGHTLY_CRON,
        execution_timezone=TIMEZONE,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="每晚 02:00（北京时间）全量检查 / every night at 02:00 Asia/Shanghai: every file, unchanged ones skipped",
    )
    def nightly(context: dg.ScheduleEvaluationContext):
        keys = partitions.sync(context.instance, raw_root)
        if not keys:
            return dg.SkipReason(f"no spreadsheet files under {raw_root}")
        return dg.RunRequest(run_key=None, tags={**partitions.whole_range(context.instance), "etl/trigger": "nightly"})

    return nightly


def _with_policies(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Policies set once for all assets: marts go stale 26 hours after their last build."""
    if spec.group_name in ("marts", "reports"):
        return spec.replace_attributes(freshness_policy=dg.FreshnessPolicy.time_window(fail_window=STALE_AFTER))
    return spec


def build_definitions(raw_dir: str | None = None, warehouse_url: str | None = None) -> dg.Definitions:
    """The same assets everywhere; only the resources point elsewhere."""
    raw_files = RawFilesResource(root=raw_dir) if raw_dir else RawFilesResource()
    warehouse_resource = WarehouseResource(url=warehouse_url) if warehouse_url else WarehouseResource()
    with warnings.catch_warnings():
        # Code references are marked beta; the UI link they give is worth it, the warning is noise.
        warnings.simplefilter("ignore", dg.BetaWarning)
        # The staging tables and their checks follow the sources declared now (schemas/source_catalog.py).
        assets = dg.with_source_code_references([*dg.load_assets_from_modules(list(ASSET_MODULES)), staging.build_staging_tables()])
    return dg.Definitions(
        assets=dg.map_asset_specs(_with_policies, assets),
        asset_checks=[*dg.load_asset_checks_from_modules([checks, investment_checks, monitoring_checks, reports]), *checks.build_source_checks()],
        jobs=[full_refresh_job, refresh_job],
        schedules=[build_nightly_schedule(raw_files.root)],
        sensors=[build_raw_files_sensor(full_refresh_job, refresh_job, raw_files.root), build_refresh_after_failed_files(full_refresh_job, refresh_job), run_failure_recorder],
        resources={"raw_files": raw_files, "warehouse": warehouse_resource},
    )


defs = build_definitions()
