"""Child process: the nightly pass as a deployment makes it, for timing beside the command line's.

``python -m benchmarks.deployed RAW URL HOME STORAGE REPORT``. HOME becomes a Dagster instance
configured as deploy/dagster.yaml (queued run coordinator, the tag and pool limits, the default run
launcher); STORAGE ``postgres`` keeps its storage as shipped (the database at DAGSTER_PG_URL, wiped
first: give one the benchmark alone uses), ``sqlite`` puts it in SQLite files under HOME.
workspace.yaml's code location is served by a code server of its own, as the daemon and the
webserver keep one. Then, as the daemon would:

1. **pipeline**: the nightly schedule ticks over a fresh warehouse;
2. **no-op**: it ticks again, nothing changed;
3. the raw-files sensor makes its first tick (nothing changed: it must ask for no run; its runs are
   counted, not launched);
4. **one county**: one county's file changes and the sensor ticks again.

Each tick is evaluated by the code server; its runs are created and submitted to the queue, the
queue's daemon step dequeues them, and the instance's run launcher starts each run in a new process
that loads the code and executes the job. A pass's time runs from the tick to the end of its last run
and so includes that process's start and code load; the time the daemon sleeps between its loops
(sensor interval, queue interval) is not in it.
"""

from __future__ import annotations

import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
POLL_S = 0.05
MILESTONES = ("RUN_ENQUEUED", "RUN_STARTING", "RUN_START", "RUN_SUCCESS", "RUN_FAILURE")


def main(raw: str, url: str, home: str, storage: str, report: str) -> int:
    # The code server and the runs it launches read where the files and the warehouse are from the
    # environment, as in a deployment.
    os.environ.update(DAGSTER_HOME=home, ETL_RAW_DIR=raw, ETL_WAREHOUSE_URL=url, ETL_ALERTS_FILE=str(Path(home) / "alerts.jsonl"))
    write_instance_config(Path(home), storage)
    # What the code server and the runs print goes to a log, as a daemon's would, not between the
    # benchmark's lines; this process's own errors still reach the terminal.
    sys.stderr = os.fdopen(os.dup(2), "w", buffering=1)
    with open(Path(home) / "deployment.log", "ab") as log:
        for stream in (1, 2):
            os.dup2(log.fileno(), stream)
    from benchmarks import change

    started = time.perf_counter()
    with Deployment(Path(home)) as deployment:
        ready = time.perf_counter()
        pipeline = deployment.scheduled_pass("nightly_warehouse_refresh")
        noop = deployment.scheduled_pass("nightly_warehouse_refresh")
        first_tick = deployment.sensor_tick("raw_files_sensor", cursor=None)
        changed = change.change_one_county(Path(raw))
        one = deployment.sensor_pass("raw_files_sensor", first_tick.cursor)
    Path(report).write_text(
        json.dumps(
            {
                "code_server_start_s": ready - started,
                "pipeline": pipeline.as_dict(),
                "noop": noop.as_dict(),
                "one_county": one.as_dict(),
                "one_county_file": changed.relative_to(raw).as_posix(),
                "sensor_first_tick_runs": len(first_tick.requests),
            },
            indent=1,
        )
    )
    return 0


def write_instance_config(home: Path, storage: str) -> Path:
    """deploy/dagster.yaml as shipped, or storing runs and events in SQLite under HOME."""
    config = yaml.safe_load((REPO / "deploy" / "dagster.yaml").read_text(encoding="utf-8"))
    if storage == "sqlite":
        config.pop("storage", None)
    elif storage != "postgres":
        raise ValueError(f"storage: sqlite or postgres, not {storage!r}")
    home.mkdir(parents=True, exist_ok=True)
    path = home / "dagster.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Tick:
    requests: list  # (job name, RunRequest)
    cursor: str | None
    seconds: float


@dataclass
class Pass:
    seconds: float  # from the tick to the end of its last run
    tick_s: float  # the schedule or sensor evaluated by the code server
    submit_s: float  # its runs created (each asks the code server for its plan) and queued
    runs: list[dict]

    def as_dict(self) -> dict:
        return {"seconds": self.seconds, "tick_s": self.tick_s, "submit_s": self.submit_s, "runs": self.runs}


class Deployment:
    """An instance, its queue and its code server, driven one loop at a time as the daemon drives them."""

    def __init__(self, home: Path):
        import dagster as dg
        from dagster._core.workspace.context import WorkspaceProcessContext
        from dagster._core.workspace.load_target import WorkspaceFileTarget
        from dagster._daemon.run_coordinator.queued_run_coordinator_daemon import QueuedRunCoordinatorDaemon

        self.instance = dg.DagsterInstance.from_config(str(home))
        self.instance.wipe()  # runs, events and partitions of an earlier benchmark (PostgreSQL)
        self.workspace = WorkspaceProcessContext(self.instance, WorkspaceFileTarget([str(REPO / "workspace.yaml")]))
        self.queue = QueuedRunCoordinatorDaemon(interval_seconds=POLL_S)

    def __enter__(self) -> Deployment:
        self.workspace.__enter__()
        location, _ = self._location()
        if location is None:
            raise RuntimeError("the code location in workspace.yaml did not load")
        return self

    def __exit__(self, *exc) -> None:
        self.workspace.__exit__(*exc)
        self.instance.dispose()

    def _location(self):
        context = self.workspace.create_request_context()
        [entry] = context.get_code_location_entries().values()
        if entry.code_location is None:
            raise RuntimeError(f"the code location did not load: {entry.load_error}")
        location = entry.code_location
        [repository] = location.get_repositories().values()
        return location, repository

    def schedule_tick(self, name: str) -> Tick:
        from dagster._core.definitions.timestamp import TimestampWithTimezone

        started = time.perf_counter()
        location, repository = self._location()
        schedule = repository.get_schedule(name)
        data = location.get_schedule_execution_data(
            self.instance, repository.handle, name, TimestampWithTimezone(time.time(), schedule.execution_timezone or "UTC"), None
        )
        requests = [(schedule.job_name, request) for request in data.run_requests or []]
        return Tick(requests, None, time.perf_counter() - started)

    def sensor_tick(self, name: str, cursor: str | None) -> Tick:
        import dagster as dg

        started = time.perf_counter()
        location, repository = self._location()
        data = location.get_sensor_execution_data(self.instance, repository.handle, name, None, None, cursor, None, None)
        # The daemon applies the sensor's partition changes before it creates the sensor's runs.
        for change in data.dynamic_partitions_requests or []:
            if isinstance(change, dg.AddDynamicPartitionsRequest):
                self.instance.add_dynamic_partitions(change.partitions_def_name, list(change.partition_keys))
            else:
                for key in change.partition_keys:
                    self.instance.delete_dynamic_partition(change.partitions_def_name, key)
        requests = [(request.job_name, request) for request in data.run_requests or []]
        return Tick(requests, data.cursor, time.perf_counter() - started)

    def scheduled_pass(self, name: str) -> Pass:
        started = time.time()
        return self._launch(self.schedule_tick(name), started)

    def sensor_pass(self, name: str, cursor: str | None) -> Pass:
        started = time.time()
        return self._launch(self.sensor_tick(name, cursor), started)

    def _launch(self, tick: Tick, started: float) -> Pass:
        if not tick.requests:
            raise RuntimeError("the tick asked for no run")
        submitting = time.perf_counter()
        run_ids = [self._submit(job_name, request) for job_name, request in tick.requests]
        submit_s = time.perf_counter() - submitting
        while not all(self.instance.get_run_by_id(run_id).is_finished for run_id in run_ids):
            list(self.queue.run_iteration(self.workspace))  # dequeue and launch what the limits allow
            time.sleep(POLL_S)
        runs = [self._timings(run_id) for run_id in run_ids]
        failed = [run for run in runs if run["status"] != "SUCCESS"]
        if failed:
            raise RuntimeError(f"run(s) failed: {failed}")
        return Pass(max(run["ended_at"] for run in runs) - started, tick.seconds, submit_s, runs)

    def _submit(self, job_name: str, request) -> str:
        """Create the run as the daemon creates a tick's run, and hand it to the run coordinator."""
        from dagster._core.definitions.selector import JobSubsetSelector
        from dagster._core.storage.tags import RUN_KEY_TAG

        location, repository = self._location()
        remote_job = location.get_job(
            JobSubsetSelector(
                location_name=location.name,
                repository_name=repository.name,
                job_name=job_name,
                op_selection=None,
                asset_selection=request.asset_selection,
                asset_check_selection=request.asset_check_keys,
            )
        )
        plan = location.get_execution_plan(
            remote_job, request.run_config, step_keys_to_execute=None, known_state=None, instance=self.instance
        )
        tags = {**(remote_job.run_tags or {}), **request.tags, **({RUN_KEY_TAG: request.run_key} if request.run_key else {})}
        run = self.instance.create_run(
            job_name=job_name,
            run_id=None,
            run_config=request.run_config,
            resolved_op_selection=remote_job.resolved_op_selection,
            step_keys_to_execute=None,
            status=None,
            op_selection=None,
            root_run_id=None,
            parent_run_id=None,
            tags=tags,
            job_snapshot=remote_job.job_snapshot,
            execution_plan_snapshot=plan.execution_plan_snapshot,
            parent_job_snapshot=remote_job.parent_job_snapshot,
            remote_job_origin=remote_job.get_remote_origin(),
            job_code_origin=remote_job.get_python_origin(),
            asset_selection=frozenset(request.asset_selection) if request.asset_selection is not None else None,
            asset_check_selection=frozenset(request.asset_check_keys) if request.asset_check_keys is not None else None,
            asset_graph=repository.asset_graph,
        )
        self.instance.submit_run(run.run_id, self.workspace.create_request_context())
        return run.run_id

    def _timings(self, run_id: str) -> dict:
        """When the run reached each milestone: queued, launched, its process ready, done."""
        at, step_processes = {}, set()
        for entry in self.instance.all_logs(run_id):
            event = entry.dagster_event
            if event is not None and event.event_type.name in MILESTONES:
                at.setdefault(event.event_type.name, entry.timestamp)
            if event is not None and event.event_type.name == "STEP_START":
                step_processes.add(event.pid)
        run = self.instance.get_run_by_id(run_id)
        ended = at.get("RUN_SUCCESS", at.get("RUN_FAILURE"))
        return {
            "job": run.job_name,
            "status": run.status.value,
            "steps": len(self.instance.get_run_step_stats(run_id)),
            "step_processes": len(step_processes),  # processes the steps ran in
            "queue_s": at["RUN_STARTING"] - at["RUN_ENQUEUED"],
            "process_start_s": at["RUN_START"] - at["RUN_STARTING"],  # a new process, its imports, the code loaded
            "job_s": ended - at["RUN_START"],
            "ended_at": ended,
        }


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:6]))
