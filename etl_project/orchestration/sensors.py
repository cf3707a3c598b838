"""Sensors: new, changed and removed raw files start a run within a minute and keep the per-file
partitions in step with the raw folder; a run whose files failed is followed by a rebuild from what
loaded; failed runs are written down where an alert hook can pick them up.

A run reads only the files whose content changed since their last load (see load_audit), so a run
started for one file redoes that file alone and the tables built from it. The sensor's first look
(a new instance, `dagster dev` on an existing warehouse) starts from what the warehouse loaded, so
files it holds as they are on disk start nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from assets.metadata import FAILED_FILES
from etl_project.core import personal_data
from etl_project.core.settings import Settings
from etl_project.ingest import partitions
from etl_project.ingest.incremental.pending import standing_loads
from etl_project.ingest.resources import AlertsResource, RawFilesResource, file_sha256
from schemas import source_catalog

SCAN_INTERVAL_SECONDS = 30
STAGED_FILE_STEP = "staged_file"


def snapshot(raw_files: RawFilesResource, previous: dict[str, dict] | None = None) -> dict[str, dict]:
    """path → {size, mtime_ns, sha256} for every raw file. A file whose size and mtime are those of
    the previous snapshot keeps its hash; only new or touched files are hashed again."""
    previous = previous or {}
    found = {}
    # The files a run would stage, found as the run finds them.
    for relative in partitions.raw_files(raw_files):
        path = raw_files.path(relative)  # a name with personal data in it is listed masked
        try:
            stat = path.stat()
        except OSError:
            continue  # gone since the folder was listed
        before = previous.get(relative)
        if before and before["size"] == stat.st_size and before["mtime_ns"] == stat.st_mtime_ns:
            found[relative] = before
        else:
            found[relative] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": file_sha256(path)}
    return found


def as_loaded(settings: Settings) -> dict[str, dict]:
    """A snapshot of the files as the warehouse last loaded them: those whose load stands (the content
    then hashed, today's rules), with the size, time and hash they had. A file that never loaded,
    failed or was checked under other rules is not in it: it is new."""
    standing = standing_loads(settings, partitions.raw_files(RawFilesResource.of(settings)))
    return {relative: {"size": size, "mtime_ns": mtime_ns, "sha256": sha256} for relative, (size, mtime_ns, sha256) in standing.items()}


def changes(before: dict[str, dict], after: dict[str, dict]) -> dict[str, list[str]]:
    """Files new, changed (different content, not merely touched) and removed between snapshots."""
    return {
        "new": sorted(set(after) - set(before)),
        "changed": sorted(p for p in set(after) & set(before) if after[p]["sha256"] != before[p]["sha256"]),
        "removed": sorted(set(before) - set(after)),
    }


def build_raw_files_sensor(full_job, refresh_job, settings: Settings) -> dg.SensorDefinition:
    @dg.sensor(
        name="raw_files_sensor",
        jobs=[full_job, refresh_job],
        minimum_interval_seconds=SCAN_INTERVAL_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "新增、修改、删除的原始文件一分钟内触发运行，并维护每个文件一个分区 / new, changed and removed raw files "
            "start a run within a minute; the raw_files partitions follow the folder"
        ),
    )
    def raw_files_sensor(context: dg.SensorEvaluationContext):
        raw_files = RawFilesResource.of(settings)
        if context.cursor:
            before = json.loads(context.cursor)
        else:
            try:
                before = as_loaded(settings)
            except sa.exc.OperationalError as error:
                # A DuckDB file a run holds: look again next tick rather than take every file for new.
                return dg.SkipReason(f"first look: the warehouse could not be asked what it holds ({error.orig}); trying again")
        after = snapshot(raw_files, before)
        diff = changes(before, after)
        registered = context.instance.get_dynamic_partitions(partitions.RAW_FILES.name)
        staged = [path for path in after if partitions.is_staged(path)]
        change = partitions.reconcile(registered, staged)
        context.update_cursor(json.dumps(after, sort_keys=True))
        requests = plan_runs(diff, before, after, [k for k in registered if k not in change.deleted] + change.added)
        if not requests and not change.added and not change.deleted:
            return dg.SkipReason(f"no new, changed or removed files under {settings.raw_dir}")
        return dg.SensorResult(
            run_requests=[
                dg.RunRequest(
                    job_name=full_job.name if r.staged else refresh_job.name, run_key=r.run_key, partition_key=r.partition_key, tags=r.tags
                )
                for r in requests
            ],
            dynamic_partitions_requests=change.requests(),
        )

    return raw_files_sensor


@dataclass(frozen=True)
class PlannedRun:
    staged: bool  # stages files (the full job) or only rebuilds from staging (the refresh job)
    run_key: str
    partition_key: str | None
    tags: dict


def plan_runs(diff: dict[str, list[str]], before: dict, after: dict, keys_in_order: list[str]) -> list[PlannedRun]:
    """At most one run per change seen. One changed file: a run of its partition alone. Several,
    or a project list (every ledger is judged against the lists): one run over every partition,
    which reads only the files whose content changed. Only removals: a refresh from staging. Run
    keys name the content, so the same change never starts two runs."""
    arrived = [p for p in diff["new"] + diff["changed"] if partitions.is_staged(p)]
    summary = ", ".join(f"{len(paths)} {kind}" for kind, paths in diff.items() if paths)
    tags = {"etl/trigger": "raw_files", "etl/changes": summary[:200]}
    fingerprint = hashlib.sha256(
        json.dumps(
            {
                kind: [(p, (before.get(p) or {}).get("sha256"), (after.get(p) or {}).get("sha256")) for p in paths]
                for kind, paths in diff.items()
            },
            sort_keys=True,
        ).encode()
    ).hexdigest()[:20]
    if len(arrived) == 1 and not source_catalog.judged_by_others(partitions.source_of(arrived[0])):
        path = arrived[0]
        old, new = (before.get(path) or {}).get("sha256", "new")[:12], after[path]["sha256"][:12]
        key = partitions.partition_key(path)
        return [PlannedRun(True, f"file:{key}:{old}->{new}", key, tags)]
    if arrived and keys_in_order:
        span = {"dagster/asset_partition_range_start": keys_in_order[0], "dagster/asset_partition_range_end": keys_in_order[-1]}
        return [PlannedRun(True, f"files:{fingerprint}", None, {**tags, **span})]
    if any(diff.values()):
        return [PlannedRun(False, f"refresh:{fingerprint}", None, tags)]
    return []


def build_refresh_after_failed_files(full_job, refresh_job) -> dg.SensorDefinition:
    @dg.run_failure_sensor(
        name="refresh_after_failed_files",
        monitored_jobs=[full_job],
        request_job=refresh_job,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description=(
            "有文件失败时，用已装载的数据重建仓库与集市 / when a file fails its partition, the marts are rebuilt from "
            "what loaded (and name the failed file)"
        ),
    )
    def refresh_after_failed_files(context: dg.RunFailureSensorContext):
        failed_steps = {event.step_key for event in context.get_step_failure_events()}
        if failed_steps == {STAGED_FILE_STEP}:
            return dg.RunRequest(run_key=f"after:{context.dagster_run.run_id}", tags={"etl/trigger": "failed_files"})
        return dg.SkipReason(f"run failed in {sorted(failed_steps)}: not a file failure, nothing to rebuild")

    return refresh_after_failed_files


@dg.run_failure_sensor(
    name="run_failure_recorder",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="记录失败的运行及原因 / every failed run with its reason, one JSON line each, for alert hooks",
)
def run_failure_recorder(context: dg.RunFailureSensorContext, alerts: AlertsResource) -> None:
    step_failures = context.get_step_failure_events()
    record_failure(
        Path(alerts.file),
        run_id=context.dagster_run.run_id,
        job_name=context.dagster_run.job_name,
        reason=context.failure_event.message or "",
        failed_steps=[event.step_key for event in step_failures],
        files=failed_files(step_failures),
    )


def failed_files(step_failures: list[dg.DagsterEvent]) -> list[dict]:
    """The files that failed their partitions, each with its reason, as the staging step reported
    them when it failed (its dg.Failure's metadata)."""
    found = []
    for event in step_failures:
        reported = event.step_failure_data.user_failure_data
        if reported is not None and FAILED_FILES in reported.metadata:
            found.extend(reported.metadata[FAILED_FILES].value)
    return found


def record_failure(path: Path, run_id: str, job_name: str, reason: str, failed_steps: list[str], files: Sequence[dict] = ()) -> Path:
    """One JSON line per failed run, added to ``path``: its reason, the steps that failed and, when
    files failed their partitions, each file with its own reason ({"file": ..., "reason": ...})."""
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "run_id": run_id,
        "job": job_name,
        # A step's exception may quote a value it met; an alert goes where personal data must not.
        "reason": personal_data.mask_text(reason).text,
        "failed_steps": failed_steps,
        "files": [{"file": f["file"], "reason": personal_data.mask_text(f["reason"]).text} for f in files],
    }
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return path
