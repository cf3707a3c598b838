"""The Dagster code location: assets, checks, the nightly job and schedule, resources."""

from __future__ import annotations

import warnings
from datetime import timedelta

import dagster as dg

from assets import checks, investment_checks, marts, raw, reports, serving, staging, warehouse
from etl_project.resources import RawFilesResource, WarehouseResource
from etl_project.sensors import build_raw_files_sensor, run_failure_recorder

FULL_JOB_NAME = "warehouse_full_refresh"
NIGHTLY_CRON, TIMEZONE = "0 2 * * *", "Asia/Shanghai"

ASSET_MODULES = (raw, staging, warehouse, marts, reports, serving)

# A DuckDB file takes one writer at a time: the job's steps run one after another, and the
# instance's run queue (deploy/dagster.yaml) lets one run with this tag write at a time.
WAREHOUSE_WRITE_TAG = {"etl/warehouse": "write"}
STALE_AFTER = timedelta(hours=26)

full_refresh_job = dg.define_asset_job(
    FULL_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="读取变化的原始文件并重建仓库与集市 / read the raw files that changed, rebuild the warehouse and marts",
    executor_def=dg.multiprocess_executor.configured({"max_concurrent": 1}),
    tags=WAREHOUSE_WRITE_TAG,
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_warehouse_refresh",
    job=full_refresh_job,
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


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
        assets = dg.with_source_code_references(dg.load_assets_from_modules(list(ASSET_MODULES)))
    return dg.Definitions(
        assets=dg.map_asset_specs(_with_policies, assets),
        asset_checks=dg.load_asset_checks_from_modules([checks, investment_checks, reports]),
        jobs=[full_refresh_job],
        schedules=[nightly_schedule],
        sensors=[build_raw_files_sensor(FULL_JOB_NAME, raw_files.root), run_failure_recorder],
        resources={"raw_files": raw_files, "warehouse": warehouse_resource},
    )


defs = build_definitions()
