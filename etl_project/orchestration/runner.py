"""One pass of the pipeline in this process, as the sensors would make it.

The raw_files partitions are brought in step with the raw folder. Then one run of the full job
over the partitions whose file must be read (etl_project/ingest/incremental/pending.py: from the first
such partition to the last, in Dagster's order, and every file when a project list changed) stages
them and rebuilds the warehouse; with no file to read, a refresh run rebuilds what depends on staging
(removed files' rows leave, the marts and checks are brought up to date, each keeping its last
answer when its inputs did not change). If files failed their partitions, the first run stops
before the warehouse; a refresh run then rebuilds it from what loaded, as the
refresh_after_failed_files sensor does in a deployment.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import dagster as dg

from etl_project.core.settings import Settings, from_environment
from etl_project.ingest import partitions
from etl_project.ingest.incremental.pending import Pending, pending_files
from etl_project.ingest.resources import RawFilesResource
from etl_project.orchestration.definitions import FULL_JOB_NAME, REFRESH_JOB_NAME, build_definitions
from etl_project.orchestration.sensors import STAGED_FILE_STEP


@dataclass
class PipelineRun:
    results: list[dg.ExecuteInProcessResult] = field(default_factory=list)
    files_to_read: int = 0  # files in the staging run (those with nothing new among them are skipped)
    files_unchanged: int = 0  # files left out: their last load stands

    @property
    def files_failed(self) -> bool:
        """Whether some file failed its partition (the others loaded; see load_audit)."""
        return any(event.step_key == STAGED_FILE_STEP for result in self.results for event in result.all_events if event.is_step_failure)

    @property
    def success(self) -> bool:
        """The warehouse and marts were built from every file that loaded: a file that failed its own
        partition does not make the pass fail, anything else does."""
        if not self.results or not self.results[-1].success:
            return False
        return all(
            result.success or {e.step_key for e in result.all_events if e.is_step_failure} == {STAGED_FILE_STEP} for result in self.results
        )

    @property
    def run_id(self) -> str:
        """The run that staged the files (the first; a refresh when none had to be read):
        load_audit rows carry its id."""
        return self.results[0].run_id

    @property
    def run_ids(self) -> list[str]:
        return [result.run_id for result in self.results]

    def step_failures(self) -> list[tuple[str, str]]:
        return [
            (event.step_key, _reason(event.step_failure_data))
            for result in self.results
            for event in result.all_events
            if event.is_step_failure
        ]

    def check_evaluations(self) -> list:
        """The latest evaluation of every check over the runs of this pass. A check evaluated per
        file partition (staged_file's file_readable) stands for the run by its first failure, or
        by its last evaluation when every file passed."""
        latest = {}
        for result in self.results:
            this_run = {}
            for evaluation in result.get_asset_check_evaluations():
                key = (evaluation.asset_key, evaluation.check_name)
                if key not in this_run or this_run[key].passed:
                    this_run[key] = evaluation
            latest.update(this_run)
        return list(latest.values())

    # Named as on Dagster's own run result, so a pass reads like one run.
    get_asset_check_evaluations = check_evaluations

    def asset_materializations_for_node(self, node_name: str) -> list[dg.AssetMaterialization]:
        return [m for result in self.results for m in result.asset_materializations_for_node(node_name)]


def _reason(failure) -> str:
    """What went wrong in the step: the asset's own account when it failed on purpose (dg.Failure:
    staged_file names each failed file and why); else its exception, which Dagster wraps in one that
    only names the step ("Error occurred while executing op ..."), with the asset's own as its cause."""
    if failure.user_failure_data is not None and failure.user_failure_data.description:
        return failure.user_failure_data.description.strip()
    error = failure.error
    if error is None:
        return ""
    if error.cls_name == "DagsterExecutionStepExecutionError" and error.cause is not None:
        error = error.cause
    return error.message.strip()


class RunWatch(Protocol):
    """Who follows a pass as it goes (the command line's progress): told what is to be read, when
    each run starts, and every event of the run, in the thread that runs it."""

    def planned(self, pending: Pending) -> None: ...

    def run_starting(self, job_name: str, steps: int) -> None: ...

    def event(self, entry: dg.EventLogEntry) -> None: ...


def run_pipeline(
    raw_dir: str | Path,
    warehouse_url: str | None,
    instance: dg.DagsterInstance,
    log_level: str = "WARNING",
    tags: dict[str, str] | None = None,
    watch: RunWatch | None = None,
    settings: Settings | None = None,
) -> PipelineRun:
    """``settings``: those of the environment when none are given; ``raw_dir`` and ``warehouse_url``
    (when given) override theirs."""
    settings = (settings or from_environment()).overridden(raw_dir=str(raw_dir))
    if warehouse_url:
        settings = settings.overridden(warehouse_url=warehouse_url)
    defs = build_definitions(settings=settings)
    config = {"loggers": {"console": {"config": {"log_level": log_level}}}}
    partitions.sync(instance, RawFilesResource.of(settings))
    pending = pending_files(settings, instance.get_dynamic_partitions(partitions.RAW_FILES.name))
    if watch is not None:
        watch.planned(pending)
    outcome = PipelineRun(files_to_read=len(pending.keys), files_unchanged=pending.unchanged)

    def execute(job_name: str, run_tags: dict[str, str]) -> dg.ExecuteInProcessResult:
        job = defs.resolve_job_def(job_name)
        run_id = str(uuid.uuid4())
        if watch is not None:
            # One step per node: the in-process executor runs each asset, multi-asset and check as one.
            watch.run_starting(job_name, len(job.graph.node_names()))
            instance.add_event_listener(run_id, watch.event)
        return job.execute_in_process(instance=instance, raise_on_error=False, run_config=config, tags=run_tags, run_id=run_id)

    if pending.keys:
        full = execute(FULL_JOB_NAME, {**partitions.range_tags(pending.keys), **(tags or {})})
        outcome.results.append(full)
        failed_steps = {event.step_key for event in full.all_events if event.is_step_failure}
        if full.success or failed_steps != {STAGED_FILE_STEP}:
            return outcome
    outcome.results.append(execute(REFRESH_JOB_NAME, tags or {}))
    return outcome
