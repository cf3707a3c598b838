"""Staging files side by side in worker processes, one file per task.

Reading, typing and validating a file is CPU work in Python, so on a machine with several cores
files are staged by a pool of processes (threads would share one interpreter lock). A worker gets
what every file needs once, when it starts: the region index, the key of the keyed hashes, the
settings of reading (size limits, the year a snapshot is as of) and, for ledgers, the project codes
they are checked against. What comes back of a file is only what the
warehouse keeps of it (staged rows, rejected rows, ledger totals, the counts); the staged rows come
already as Arrow for DuckDB, so the process that writes the warehouse does little more than write.

Small runs are staged in the calling process: starting workers costs more than it saves there.
"""

from __future__ import annotations

import json
import multiprocessing
import os
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa

from etl_project.core import personal_data
from etl_project.core.regions import default_index
from etl_project.core.settings import STAGING_MEMORY_DEFAULT, Reading
from etl_project.ingest import progress
from etl_project.ingest.readers.extract import SourceFileError
from etl_project.ingest.staging.pipeline import StagedFile
from etl_project.ingest.staging.steady import FileChanged, FileState, read_steadily
from etl_project.warehouse.engine import conform, memory_capped
from schemas import source_catalog

# Below this many bytes to read, files are staged in the calling process. Starting the pool costs
# two to three seconds (the workers import the staging code) and two workers halve what follows: on
# two cores the whole job was 0.03-1.5 s slower with the pool for 100 000 households of CSV (17 MB,
# about 4 s of staging in one process) and 1.0-2.0 s faster for 200 000 of xlsx (23 MB, about 6 s).
POOL_MIN_BYTES = 20 << 20
AHEAD_PER_WORKER = 4
COUNTS = ("rows_read", "rows_loaded", "rows_quarantined", "skipped_blank", "skipped_total", "skipped_note", "skipped_section")


@dataclass
class FileOutcome:
    """What the warehouse keeps of one staged file, or why it could not be staged."""

    source: str
    source_file: str
    error: str | None = None
    rows: pd.DataFrame | pa.Table | None = None  # staged rows, in the staged table's columns
    more: dict | None = None  # table name -> rows of the source's further staging tables
    quarantine: pd.DataFrame | None = None  # without run_id
    totals: pd.DataFrame | None = None  # ledgers: 合计/小计 verdicts
    project_codes: frozenset[str] | None = None  # project lists: every code, rejected rows' too
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    skipped_blank: int = 0
    skipped_total: int = 0
    skipped_note: int = 0
    skipped_section: int = 0
    personal_data_masked: int = 0  # personal numbers and names found outside the personal columns
    people: pd.DataFrame | None = None  # the persons the file names, as fingerprints (audit.person_fingerprint)
    # what a person should check although the file loaded, one per line; every sheet as JSON
    warnings: str | None = None
    sheets: str | None = None
    # the file as it was read (steady.read_steadily): its size, time and the hash of those bytes
    state: FileState | None = None

    @property
    def rows_skipped(self) -> int:
        return self.skipped_blank + self.skipped_total + self.skipped_note + self.skipped_section


def outcome_of(staged: StagedFile, as_arrow: bool) -> FileOutcome:
    declared = source_catalog.source(staged.source)
    table = declared.staged[0]

    def loadable(rows: pd.DataFrame, table) -> pd.DataFrame | pa.Table:
        if as_arrow:
            # What the warehouse's Arrow load would make of the frame, made here instead (in this
            # thread: every core already runs a worker).
            return pa.Table.from_pandas(conform(rows[table.column_names], table), preserve_index=False, nthreads=1)
        return rows

    rows = loadable(staged.staged, table)
    # The source's further staging tables (a per-person registry: its members): every file of the
    # source replaces its rows there, none where its layout has none.
    more = {t.name: loadable(staged.more[t.name], t) for t in declared.staged[1:] if t.name in staged.more}
    codes = None
    if declared.codes_field is not None and staged.typed is not None:
        codes = frozenset(staged.typed[declared.codes_field].dropna())
    extracted = staged.extract
    return FileOutcome(
        source=staged.source,
        source_file=staged.source_file,
        rows=rows,
        more=more,
        quarantine=staged.quarantine,
        totals=staged.totals if not staged.totals.empty else None,
        project_codes=codes,
        personal_data_masked=sum(staged.personal_data.values()),
        people=pd.DataFrame({"source_file": staged.source_file, "name_fingerprint": staged.people})
        if staged.people is not None and len(staged.people)
        else None,
        warnings="\n".join(staged.warnings()) or None,
        sheets=json.dumps(staged.sheets(), ensure_ascii=False) if extracted else None,
        **{name: getattr(staged, name) for name in COUNTS},
    )


_setup: dict = {}


def _start_worker(key: bytes, known_projects: frozenset[str] | None, as_arrow: bool, reading: Reading) -> None:
    _setup.update(key=key, known_projects=known_projects, as_arrow=as_arrow, reading=reading, regions=default_index())


def _staged(source: str, path: Path, source_file: str) -> StagedFile:
    declared = source_catalog.source(source)
    arguments = [path, source_file, _setup["regions"], _setup["key"]]
    if declared.judged_against is not None:
        arguments.append(_setup["known_projects"])
    return declared.staging_function()(*arguments, reading=_setup["reading"])


def stage_one(source: str, path: Path, source_file: str, known: tuple[int, int, str] | None = None) -> FileOutcome:
    """One file staged with the worker's setup; an unreadable file, or one that changed while it
    was read, is an outcome, not an error. ``known``: (size, mtime_ns, sha256) when last hashed."""
    try:
        staged, state = read_steadily(path, lambda p: _staged(source, p, source_file), known, source_file)
    except (SourceFileError, FileChanged) as exc:
        return FileOutcome(source=source, source_file=source_file, error=failure_reason(str(exc), source_file, path))
    outcome = outcome_of(staged, _setup["as_arrow"])
    outcome.state = state
    return outcome


def failure_reason(message: str, source_file: str, path: Path) -> str:
    """Why a file could not be staged, without the file's name the reader put in front of it: the
    file is named once, by whatever shows the reason beside it (load_audit.source_file, the
    partition, the alert). The reason quotes sheet names and headers as written: they may name a
    person, so it is masked."""
    named = [name + joint for name in (source_file, path.name) for joint in (": ", ", ")]
    reason = next((message[len(prefix) :] for prefix in named if message.startswith(prefix)), message)
    return personal_data.mask_text(reason).text


def worker_count(total_bytes: int, configured: str = "") -> int:
    """Processes to stage with: ``configured`` ($ETL_STAGING_WORKERS) if given (1: in this
    process), else one per core once there is enough to read."""
    if configured:
        return max(1, int(configured))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return cores if cores > 1 and total_bytes >= POOL_MIN_BYTES else 1


class Stager:
    """Stages the files of one source with a given setup, in this process or in a pool, and
    yields their outcomes in the order of the files. While workers run, DuckDB in this process is
    capped at ``memory_limit`` ($ETL_DUCKDB_STAGING_MEMORY_LIMIT, see warehouse.memory_capped): the
    blocks it has written are on disk, and the workers need the memory more than its cache does."""

    def __init__(
        self,
        workers: int,
        key: bytes,
        known_projects: frozenset[str] | None = None,
        as_arrow: bool = True,
        reading: Reading = Reading(),
        memory_limit: str = STAGING_MEMORY_DEFAULT,
    ):
        self.workers = workers
        self.setup = (key, known_projects, as_arrow, reading)
        self.memory_limit = memory_limit
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Stager:
        if self.workers > 1:
            self._capped = memory_capped(self.memory_limit)
            self._capped.__enter__()
            self._pool = ProcessPoolExecutor(self.workers, mp_context=_context(), initializer=_start_worker, initargs=self.setup)
        else:
            _start_worker(*self.setup)
        return self

    def __exit__(self, *exc) -> None:
        if self._pool is not None:
            try:
                self._pool.shutdown(wait=True, cancel_futures=True)
            finally:
                self._capped.__exit__(None, None, None)

    def stage(self, source: str, files: Iterable[tuple]) -> Iterator[FileOutcome]:
        """``files``: (path, source_file) or (path, source_file, (size, mtime_ns, sha256) when last hashed)."""
        if self._pool is None:
            for item in files:
                yield _announced(stage_one(source, *item))
            return
        # Files ahead of the one being written: enough to keep every worker busy while this
        # process writes a batch to the warehouse (a second or two), few enough that finished
        # files do not pile up in memory.
        pending: deque[Future] = deque()
        queue = iter(files)

        def submit_next() -> bool:
            item = next(queue, None)
            if item is not None:
                pending.append(self._pool.submit(stage_one, source, *item))
            return item is not None

        while len(pending) < AHEAD_PER_WORKER * self.workers and submit_next():
            pass
        while pending:
            outcome = pending.popleft().result()
            submit_next()
            yield _announced(outcome)


def _announced(outcome: FileOutcome) -> FileOutcome:
    # Here, in the process that writes the warehouse, whichever process staged the file.
    progress.file_staged(outcome.source_file, outcome.rows_read, outcome.error is not None)
    return outcome


def warm_up(bytes_to_read: int, configured_workers: str = "") -> None:
    """Start the server the staging workers are forked from, in the background, when a run is
    about to read enough for workers: its imports (about a second of one core) then overlap with
    the steps before staging instead of delaying it."""
    if worker_count(bytes_to_read, configured_workers) <= 1 or "forkserver" not in multiprocessing.get_all_start_methods():
        return
    _context()
    from multiprocessing import forkserver

    threading.Thread(target=forkserver.ensure_running, name="staging-forkserver", daemon=True).start()


def _context():
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        # Workers are forked from a server that has the staging code imported already: a clean
        # process (no threads, no open warehouse), and starting the next pool costs milliseconds.
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["etl_project.ingest.staging.workers"])
        return context
    return multiprocessing.get_context("spawn")
