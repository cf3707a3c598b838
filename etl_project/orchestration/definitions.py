"""The Dagster code location: assets, checks, the nightly job and schedule, resources.

It is built when Dagster loads it (``defs``), not when this module is imported: the settings it
is built with are read then (etl_project/core/settings.py).
"""

from __future__ import annotations

import warnings
from datetime import timedelta

import dagster as dg
import sqlalchemy as sa

from assets import (
    checks,
    constraint_checks,
    investment_checks,
    marts,
    monitoring,
    monitoring_checks,
    privacy,
    raw,
    reports,
    serving,
    staging,
    warehouse,
)
from assets.metadata import WAREHOUSE_KIND, engine_kind
from etl_project.core.settings import Settings, from_environment
from etl_project.ingest import partitions
from etl_project.ingest.incremental.pending import pending_files
from etl_project.ingest.resources import RawFilesResource, resources_for
from etl_project.orchestration.sensors import build_raw_files_sensor, build_refresh_after_failed_files, run_failure_recorder

FULL_JOB_NAME = "warehouse_full_refresh"
REFRESH_JOB_NAME = "warehouse_refresh"
NIGHTLY_CRON, TIMEZONE = "0 2 * * *", "Asia/Shanghai"

ASSET_MODULES = (raw, staging, warehouse, marts, monitoring, reports, privacy, serving)

# A DuckDB file takes one writer at a time: the job's steps run one after another, and the
# instance's run queue (deploy/dagster.yaml) lets one run with this tag write at a time.
WAREHOUSE_WRITE_TAG = {"etl/warehouse": "write"}
STALE_AFTER = timedelta(hours=26)
# One after another in the run's own process, as `etl-project run` executes them: a process per
# step would cost seconds of start and code load each, some thirty times a run. Staging's
# parallelism is inside its step (its worker processes), and the pool "warehouse" still gives
# each step its slot across runs.
ONE_WRITER = dg.in_process_executor
PER_FILE_ASSETS = dg.AssetSelection.assets(raw.RAW_FILE, staging.STAGED_FILE)
REFRESH_SELECTION = dg.AssetSelection.all() - PER_FILE_ASSETS

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
    selection=REFRESH_SELECTION,
    description=(
        "由已装载的数据重建仓库与集市（不读原始表格）/ rebuild the warehouse and marts from what is staged: after a "
        "file failed, a file was removed, or a report changed"
    ),
    executor_def=ONE_WRITER,
    tags=WAREHOUSE_WRITE_TAG,
)


def build_nightly_schedule(settings: Settings, refresh_assets: list[dg.AssetKey]) -> dg.ScheduleDefinition:
    @dg.schedule(
        name="nightly_warehouse_refresh",
        job=full_refresh_job,
        cron_schedule=NIGHTLY_CRON,
        execution_timezone=TIMEZONE,
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=(
            "每晚 02:00（北京时间）检查全部文件，只读取有变化的文件，并刷新仓库与集市 / every night at 02:00 "
            "Asia/Shanghai: the files that must be read, then the warehouse and marts brought up to date"
        ),
    )
    def nightly(context: dg.ScheduleEvaluationContext):
        keys = partitions.sync(context.instance, RawFilesResource.of(settings))
        if not keys:
            return dg.SkipReason(f"no spreadsheet files under {settings.raw_dir}")
        tags = {"etl/trigger": "nightly"}
        try:
            # The pass `etl-project run` makes: the partitions of the files to read, or none.
            to_read = pending_files(settings, keys).keys
        except sa.exc.OperationalError as error:
            # The warehouse could not be asked (a DuckDB file another process holds): every
            # partition; staging still skips each file whose last load stands.
            context.log.warning(f"the warehouse could not be asked which files changed, so every file is in the run: {error.orig}")
            to_read = keys
        if to_read:
            return dg.RunRequest(run_key=None, tags={**partitions.range_tags(to_read), **tags})
        # Nothing to read: the warehouse_refresh part of the job, as that job would run it.
        return dg.RunRequest(run_key=None, asset_selection=refresh_assets, tags=tags)

    return nightly


def _with_policies(spec: dg.AssetSpec, warehouse_kind: str) -> dg.AssetSpec:
    """Policies set once for all assets: marts go stale 26 hours after their last build. A table's
    kind in the UI is the warehouse's engine."""
    if WAREHOUSE_KIND in spec.kinds:
        spec = spec.replace_attributes(kinds={warehouse_kind if kind == WAREHOUSE_KIND else kind for kind in spec.kinds})
    if spec.group_name in ("marts", "reports"):
        return spec.replace_attributes(freshness_policy=dg.FreshnessPolicy.time_window(fail_window=STALE_AFTER))
    return spec


def build_definitions(raw_dir: str | None = None, warehouse_url: str | None = None, settings: Settings | None = None) -> dg.Definitions:
    """The same assets everywhere; only the resources point elsewhere. ``settings``: those of the
    environment when none are given; ``raw_dir`` and ``warehouse_url``, when given, override theirs."""
    settings = settings or from_environment()
    if raw_dir:
        settings = settings.overridden(raw_dir=raw_dir)
    if warehouse_url:
        settings = settings.overridden(warehouse_url=warehouse_url)
    with warnings.catch_warnings():
        # Code references are marked beta; the UI link they give is worth it, the warning is noise.
        warnings.simplefilter("ignore", dg.BetaWarning)
        # The staging tables and their checks follow the sources declared now (schemas/source_catalog.py).
        # So do the tables declared with their SELECT (schemas/).
        assets = dg.with_source_code_references(
            [*dg.load_assets_from_modules(list(ASSET_MODULES)), staging.build_staging_tables(), *warehouse.build_sql_tables()]
        )
    refresh_assets = sorted(REFRESH_SELECTION.resolve(assets), key=lambda key: key.to_user_string())
    warehouse_kind = engine_kind(settings.warehouse_url)
    return dg.Definitions(
        assets=dg.map_asset_specs(lambda spec: _with_policies(spec, warehouse_kind), assets),
        asset_checks=[
            *dg.load_asset_checks_from_modules([checks, investment_checks, monitoring_checks, reports]),
            *checks.build_source_checks(),
            # So do the checks of each analytics table's key and required columns (assets/constraint_checks.py).
            *constraint_checks.build_constraint_checks(),
        ],
        jobs=[full_refresh_job, refresh_job],
        schedules=[build_nightly_schedule(settings, refresh_assets)],
        sensors=[
            build_raw_files_sensor(full_refresh_job, refresh_job, settings),
            build_refresh_after_failed_files(full_refresh_job, refresh_job),
            run_failure_recorder,
        ],
        resources=resources_for(settings),
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
