"""Sensors: new, changed and removed raw files start a run within a minute; failed runs are
written down where an alert hook can pick them up.

The job reads only the files whose content changed since their last load (see load_audit), so a
run started for one file redoes that file alone and the tables built from it.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from etl_project.resources import REPORT_SUFFIXES, SPREADSHEET_SUFFIXES, file_sha256

SOURCES = ("registry", "funds", "projects", "villages", "reports")
ALERTS_FILE_ENV = "ETL_ALERTS_FILE"
DEFAULT_ALERTS_FILE = "data/warehouse/alerts/run_failures.jsonl"
SCAN_INTERVAL_SECONDS = 30


def snapshot(root: Path, previous: dict[str, dict] | None = None) -> dict[str, dict]:
    """path → {size, mtime_ns, sha256} for every raw file. A file whose size and mtime are those of
    the previous snapshot keeps its hash; only new or touched files are hashed again."""
    previous = previous or {}
    found = {}
    for source in SOURCES:
        folder = root / source
        if not folder.is_dir():
            continue
        suffixes = REPORT_SUFFIXES if source == "reports" else SPREADSHEET_SUFFIXES
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.suffix.lower() not in suffixes or path.name.startswith(("~$", ".")):
                continue
            stat = path.stat()
            relative = path.relative_to(root).as_posix()
            before = previous.get(relative)
            if before and before["size"] == stat.st_size and before["mtime_ns"] == stat.st_mtime_ns:
                found[relative] = before
            else:
                found[relative] = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "sha256": file_sha256(path)}
    return found


def changes(before: dict[str, dict], after: dict[str, dict]) -> dict[str, list[str]]:
    """Files new, changed (different content, not merely touched) and removed between snapshots."""
    return {
        "new": sorted(set(after) - set(before)),
        "changed": sorted(p for p in set(after) & set(before) if after[p]["sha256"] != before[p]["sha256"]),
        "removed": sorted(set(before) - set(after)),
    }


def build_raw_files_sensor(job_name: str, raw_root: str) -> dg.SensorDefinition:
    @dg.sensor(
        name="raw_files_sensor",
        job_name=job_name,
        minimum_interval_seconds=SCAN_INTERVAL_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="新增、修改、删除的原始文件一分钟内触发运行 / new, changed and removed raw files start a run within a minute",
    )
    def raw_files_sensor(context: dg.SensorEvaluationContext):
        root = Path(raw_root)
        before = json.loads(context.cursor) if context.cursor else {}
        after = snapshot(root, before)
        diff = changes(before, after)
        context.update_cursor(json.dumps(after, sort_keys=True))
        if not any(diff.values()):
            return dg.SkipReason(f"no new, changed or removed files under {root}")
        # The run key names the content: the same files with the same bytes never start two runs.
        fingerprint = hashlib.sha256(
            json.dumps({kind: [(p, after.get(p, {}).get("sha256")) for p in paths] for kind, paths in diff.items()}, sort_keys=True).encode()
        ).hexdigest()[:20]
        summary = ", ".join(f"{len(paths)} {kind}" for kind, paths in diff.items() if paths)
        return dg.RunRequest(
            run_key=f"raw-{fingerprint}",
            tags={"etl/trigger": "raw_files", "etl/changes": summary[:200]},
        )

    return raw_files_sensor


def alerts_file() -> Path:
    return Path(os.environ.get(ALERTS_FILE_ENV, DEFAULT_ALERTS_FILE))


@dg.run_failure_sensor(
    name="run_failure_recorder",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="记录失败的运行及原因 / every failed run with its reason, one JSON line each, for alert hooks",
)
def run_failure_recorder(context: dg.RunFailureSensorContext) -> None:
    record_failure(
        run_id=context.dagster_run.run_id,
        job_name=context.dagster_run.job_name,
        reason=context.failure_event.message or "",
        failed_steps=[event.step_key for event in context.get_step_failure_events()],
    )


def record_failure(run_id: str, job_name: str, reason: str, failed_steps: list[str]) -> Path:
    path = alerts_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {
        "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "run_id": run_id,
        "job": job_name,
        "reason": reason,
        "failed_steps": failed_steps,
    }
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return path
