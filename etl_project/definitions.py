"""The Dagster code location: assets, checks, the nightly job and schedule, resources."""

from __future__ import annotations

import dagster as dg

from assets import checks, investment_checks, marts, raw, reports, serving, staging, warehouse
from etl_project.resources import RawFilesResource, WarehouseResource

FULL_JOB_NAME = "warehouse_full_refresh"
NIGHTLY_CRON, TIMEZONE = "0 2 * * *", "Asia/Shanghai"

ASSET_MODULES = (raw, staging, warehouse, marts, reports, serving)

full_refresh_job = dg.define_asset_job(
    FULL_JOB_NAME,
    selection=dg.AssetSelection.all(),
    description="读取全部原始文件并重建仓库与集市 / read every raw file, rebuild the warehouse and marts",
)

nightly_schedule = dg.ScheduleDefinition(
    name="nightly_warehouse_refresh",
    job=full_refresh_job,
    cron_schedule=NIGHTLY_CRON,
    execution_timezone=TIMEZONE,
    default_status=dg.DefaultScheduleStatus.RUNNING,
)


def build_definitions(raw_dir: str | None = None, warehouse_url: str | None = None) -> dg.Definitions:
    """The same assets everywhere; only the resources point elsewhere."""
    raw_files = RawFilesResource(root=raw_dir) if raw_dir else RawFilesResource()
    warehouse_resource = WarehouseResource(url=warehouse_url) if warehouse_url else WarehouseResource()
    return dg.Definitions(
        assets=dg.load_assets_from_modules(list(ASSET_MODULES)),
        asset_checks=dg.load_asset_checks_from_modules([checks, investment_checks, reports]),
        jobs=[full_refresh_job],
        schedules=[nightly_schedule],
        resources={"raw_files": raw_files, "warehouse": warehouse_resource},
    )


defs = build_definitions()
