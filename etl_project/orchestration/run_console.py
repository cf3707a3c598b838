"""What ``etl-project run`` shows while a pass goes on.

Without --verbose, Dagster's own console log is off: a file that fails its partition would
otherwise be told three times over (its reason, the step's failure with a stack trace, the run's
failure with it again) and every step downstream would add an ERROR line. The command says instead,
once each, what a person acts on: the failed files with their reasons in the closing summary, any
other step's failure in one line, and the warnings of steps other than staging (staging's warnings
are in the summary, per file). Meanwhile the progress of the pass is shown (etl_project/ingest/progress.py).
With --verbose, Dagster's log is shown as it comes, and no progress line interleaves with it.
"""

from __future__ import annotations

import logging

import dagster as dg

from etl_project.ingest import progress
from etl_project.ingest.incremental.pending import Pending
from etl_project.ingest.partitions import source_of
from etl_project.orchestration.sensors import STAGED_FILE_STEP
from schemas import source_catalog

_STEP_ENDS = (dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE)


class ConsoleWatch:
    """Follows one pass for the console (see etl_project/orchestration/runner.RunWatch)."""

    def __init__(self, stream, verbose: bool = False, **progress_options):
        self.verbose = verbose
        self.progress = progress.RunProgress(stream, STAGED_FILE_STEP, **progress_options)
        self._listening = None

    @property
    def log_level(self) -> str:
        """Dagster's console log: everything from INFO on with --verbose, else nothing it would print."""
        return "INFO" if self.verbose else "CRITICAL"

    def planned(self, pending: Pending) -> None:
        # Reports are few and quick, and are read outside the stagers that announce files.
        tabular = {source.name for source in source_catalog.tabular_sources()}
        self.progress.plan({file: size for file, size in pending.to_read.items() if source_of(file) in tabular})

    def run_starting(self, job_name: str, steps: int) -> None:
        self.progress.run_started(job_name, steps)

    def event(self, entry: dg.EventLogEntry) -> None:
        if entry.is_dagster_event:
            kind = entry.get_dagster_event().event_type
            if kind == dg.DagsterEventType.STEP_START:
                self.progress.step_started(entry.step_key)
            elif kind in _STEP_ENDS:
                self.progress.step_ended(entry.step_key)
        elif not self.verbose and entry.level == logging.WARNING and entry.step_key != STAGED_FILE_STEP:
            self.progress.say(f"WARNING {entry.user_message}")

    def stop(self) -> None:
        """The bar taken off the terminal now (the process is about to end on a signal)."""
        if not self.verbose:
            self.progress.__exit__(None, None, None)

    def __enter__(self) -> ConsoleWatch:
        if not self.verbose:
            self._listening = progress.listening(self.progress.file_staged)
            self._listening.__enter__()
            self.progress.__enter__()
        return self

    def __exit__(self, *exc) -> None:
        if self._listening is not None:
            self.progress.__exit__(*exc)
            self._listening.__exit__(*exc)
            self._listening = None
