"""Child process: run the nightly job once on a raw folder and a warehouse, report its timings.

``python -m benchmarks.job RAW URL REPORT``. The job's own time (read → validate → load → marts,
checks and the BI copy included) is timed apart from starting Python and importing the code.
"""

from __future__ import annotations

import json
import sys
import time


def main(raw: str, url: str, report: str) -> int:
    # Imported here, not above: staging workers import this module again when they start.
    started = time.perf_counter()
    import dagster as dg

    from etl_project.orchestration.definitions import build_definitions
    from etl_project.orchestration.runner import run_pipeline
    from etl_project.warehouse.engine import opened
    from schemas.tables import LOAD_AUDIT

    build_definitions(raw, url)  # loading the code location is startup, not the job
    ready = time.perf_counter()
    with dg.DagsterInstance.ephemeral() as instance:
        result = run_pipeline(raw, url, instance, log_level="ERROR")
        finished = time.perf_counter()
        steps = {step: s for run_id in result.run_ids for step, s in _step_seconds(instance, run_id).items()}
    with opened(url) as db:
        audit = db.query(
            f"SELECT source, status, COUNT(*) AS files, SUM(rows_read) AS rows_read, SUM(rows_loaded) AS rows_loaded, "
            f"SUM(rows_quarantined) AS rows_quarantined FROM {db.name(LOAD_AUDIT)} WHERE run_id = :run GROUP BY source, status",
            {"run": result.run_id},
        )
    with open(report, "w") as out:
        json.dump(
            {
                "success": result.success,
                "startup_s": ready - started,
                "job_s": finished - ready,
                "steps_s": steps,
                "files": [
                    {k: (int(v) if k not in ("source", "status") else v) for k, v in row.items()} for row in audit.to_dict("records")
                ],
            },
            out,
            indent=1,
        )
    return 0 if result.success else 1


def _step_seconds(instance, run_id: str) -> dict[str, float]:
    started, seconds = {}, {}
    for record in instance.get_records_for_run(run_id, limit=1_000_000).records:
        entry = record.event_log_entry
        event = entry.dagster_event
        if event is None:
            continue
        if event.event_type_value == "STEP_START":
            started[event.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE") and event.step_key in started:
            seconds[event.step_key] = round(entry.timestamp - started[event.step_key], 3)
    return dict(sorted(seconds.items(), key=lambda kv: -kv[1]))


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
