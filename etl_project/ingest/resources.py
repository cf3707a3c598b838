"""Dagster resources: where the raw files are and the key of their personal data, which warehouse
to write, how files are staged, where failed runs are written down. Only these change between a
laptop, CI and production; the assets are the same everywhere.

Every field is a setting (etl_project/core/settings.py). ``resources_for`` makes the resources of a code
location from its settings; a setting the environment gave is passed on as its variable
(``dg.EnvVar``), which Dagster reads when a run starts and the UI shows by name, never by value.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from etl_project.core import personal_data, pii
from etl_project.core.settings import (
    AS_OF_ENV,
    DEFAULT_ALERTS_FILE,
    DEFAULT_RAW_DIR,
    DEFAULT_WAREHOUSE_URL,
    DUCKDB_MEMORY_DEFAULT,
    MAX_COMPRESSION_RATIO_ENV,
    MAX_UNCOMPRESSED_MB_ENV,
    STAGING_MEMORY_DEFAULT,
    STAGING_MEMORY_ENV,
    VARIABLES,
    WORKERS_ENV,
    Reading,
    Settings,
)
from etl_project.warehouse.engine import Warehouse, opened
from schemas.source_catalog import REPORT_SUFFIXES, SPREADSHEET_SUFFIXES


@dataclass(frozen=True)
class RawFile:
    path: Path
    relative: str  # forward slashes, relative to the raw root, personal data masked: how files are named everywhere
    size: int
    sha256: str
    mtime_ns: int = 0


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


class RawFilesResource(dg.ConfigurableResource):
    """The folder of raw source files: one subfolder per source (registry/, funds/, …), and the key
    that stands in for the personal data they hold: household and donor keys are keyed hashes under
    it, and a file named with an ID or phone number is known by a name masked with it."""

    root: str = DEFAULT_RAW_DIR  # $ETL_RAW_DIR
    pii_key: str | None = None  # $ETL_PII_KEY; None: the development key (etl_project/core/pii.py)

    @classmethod
    def of(cls, settings: Settings) -> RawFilesResource:
        return cls(root=settings.raw_dir, pii_key=settings.pii_key)

    @property
    def key(self) -> bytes:
        return pii.pii_key(self.pii_key)

    @property
    def using_development_key(self) -> bool:
        return self.pii_key is None

    def path(self, relative: str) -> Path:
        """Where the file named ``relative`` (as the warehouse names it) is on disk."""
        found = _LISTED.get((self.root, relative))
        if found is None and "*" in relative:
            # A masked name not listed by this process yet (a run started by the sensor).
            self.relatives(relative.split("/", 1)[0], SPREADSHEET_SUFFIXES + REPORT_SUFFIXES)
            found = _LISTED.get((self.root, relative))
        return found if found is not None else Path(self.root) / relative

    def file(self, relative: str, known: KnownHashes | None = None) -> RawFile | None:
        """The file at a path under the raw folder, hashed; None when it is not there (any more)."""
        path = self.path(relative)
        if not path.is_file():
            return None
        return _hashed(path, relative, known)

    def files(self, source: str, suffixes: tuple[str, ...] = SPREADSHEET_SUFFIXES, known: KnownHashes | None = None) -> list[RawFile]:
        return [_hashed(self.path(relative), relative, known) for relative in self.relatives(source, suffixes)]

    def relatives(self, source: str, suffixes: tuple[str, ...] = SPREADSHEET_SUFFIXES) -> list[str]:
        """The source's files as the warehouse names them (paths relative to the raw root, personal
        data masked), without reading them."""
        folder = Path(self.root) / source
        if not folder.is_dir():
            return []
        found = []
        for path in sorted(folder.rglob("*")):
            # Office leaves "~$name.xlsx" lock files next to open workbooks; they are not data.
            if path.is_file() and path.suffix.lower() in suffixes and not path.name.startswith(("~$", ".")):
                relative = path.relative_to(self.root).as_posix()
                label = file_label(relative, self.key)
                if label != relative:
                    _LISTED[(self.root, label)] = path
                found.append(label)
        return found


def file_label(relative: str, key: bytes) -> str:
    """A file's name in the warehouse, the partitions and every message: its path under the raw
    folder, with an ID or phone number in it (and the name beside one) masked."""
    return personal_data.mask_file_label(relative, key)


# (raw root, file label) → the file on disk, for the labels that differ from their paths
_LISTED: dict[tuple[str, str], Path] = {}


# relative path → (size, modification time in ns, SHA-256) of files hashed before
KnownHashes = dict[str, tuple[int, int, str]]


def _hashed(path: Path, relative: str, known: KnownHashes | None) -> RawFile:
    """A file of the size and modification time it had when last hashed keeps that hash, as make
    and rsync judge files: a national folder is not read whole to learn that nothing changed."""
    stat = path.stat()
    before = (known or {}).get(relative)
    if before is not None and before[0] == stat.st_size and before[1] == stat.st_mtime_ns:
        return RawFile(path, relative, stat.st_size, before[2], stat.st_mtime_ns)
    return RawFile(path, relative, stat.st_size, file_sha256(path), stat.st_mtime_ns)


class WarehouseResource(dg.ConfigurableResource):
    """The warehouse: its SQLAlchemy URL, duckdb:///path (default) or postgresql+psycopg://…; the
    cap on DuckDB's memory; how long a table swap on PostgreSQL waits for readers, and how often."""

    url: str = DEFAULT_WAREHOUSE_URL  # $ETL_WAREHOUSE_URL
    duckdb_memory_limit: str = DUCKDB_MEMORY_DEFAULT  # $ETL_DUCKDB_MEMORY_LIMIT
    lock_timeout: str = ""  # $ETL_LOCK_TIMEOUT, seconds; empty: etl_project/warehouse/pg_locks.py's default
    lock_tries: str = ""  # $ETL_LOCK_TRIES

    # The warehouse a run's steps share: opening a DuckDB file reads its catalog and closing it
    # checkpoints, some 35 ms together, which a no-op pass of fifty steps paid at every step.
    _run_warehouse: Warehouse | None = PrivateAttr(default=None)

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Iterator[WarehouseResource]:
        # Once per run with the in-process executor the jobs use; once per step process otherwise.
        if self.url.startswith("duckdb") and _slots_go_step_by_step(context.instance):
            yield self  # each step opens the file and lets it go: the next step to take the slot may be another run's
            return
        with opened(self.url, self.settings) as db:
            self._run_warehouse = db
            try:
                yield self
            finally:
                self._run_warehouse = None

    @property
    def settings(self) -> Settings:
        return Settings(
            warehouse_url=self.url,
            duckdb_memory_limit=self.duckdb_memory_limit,
            lock_timeout=self.lock_timeout,
            lock_tries=self.lock_tries,
        )

    def open(self) -> AbstractContextManager[Warehouse]:
        """The warehouse for a ``with`` block: in a run, the run's own, closed when the run ends;
        outside one, opened for the block and closed when it ends."""
        if self._run_warehouse is not None:
            return nullcontext(self._run_warehouse)
        return opened(self.url, self.settings)


def _slots_go_step_by_step(instance: dg.DagsterInstance | None) -> bool:
    """Whether the instance hands concurrency pool slots to one step at a time (granularity op, the
    default, with a limit set). A DuckDB file stays locked to the process that holds it open, so a run
    may keep it across its steps only where the pool is taken per run (deploy/dagster.yaml) or not at
    all (the command line's ephemeral instance, which its own lock keeps to one run at a time)."""
    if instance is None:
        return False
    pools = instance.get_concurrency_config().pool_config
    taken_per_run = getattr(pools.pool_granularity, "value", None) == "run"
    if taken_per_run or not instance.event_log_storage.supports_global_concurrency_limits:
        return False
    return pools.default_pool_limit is not None or bool(instance.event_log_storage.get_concurrency_keys())


class StagingResource(dg.ConfigurableResource):
    """How raw files are staged: in how many worker processes, DuckDB's memory cap while they run,
    the sizes a workbook may inflate to, and the year a per-person snapshot naming none is as of."""

    workers: str = ""  # $ETL_STAGING_WORKERS; empty: one per core once a run has enough to read
    memory_limit: str = STAGING_MEMORY_DEFAULT  # $ETL_DUCKDB_STAGING_MEMORY_LIMIT
    max_uncompressed_mb: str = ""  # $ETL_MAX_UNCOMPRESSED_MB; empty: etl_project/ingest/readers/grid.py's default
    max_compression_ratio: str = ""  # $ETL_MAX_COMPRESSION_RATIO
    as_of_year: str = ""  # $ETL_AS_OF_YEAR

    @property
    def reading(self) -> Reading:
        return Reading(self.max_uncompressed_mb, self.max_compression_ratio, self.as_of_year)

    def written(self, variable: str) -> str:
        """The setting ``variable`` gives, as written (what a source's rules version hashes)."""
        return {
            WORKERS_ENV: self.workers,
            STAGING_MEMORY_ENV: self.memory_limit,
            AS_OF_ENV: self.as_of_year,
            MAX_UNCOMPRESSED_MB_ENV: self.max_uncompressed_mb,
            MAX_COMPRESSION_RATIO_ENV: self.max_compression_ratio,
        }[variable]


class AlertsResource(dg.ConfigurableResource):
    """Where failed runs are written down, one JSON line each, for alert hooks to pick up."""

    file: str = DEFAULT_ALERTS_FILE  # $ETL_ALERTS_FILE


def resources_for(settings: Settings) -> dict[str, dg.ConfigurableResource]:
    """The resources of a code location with these settings."""

    def given(field: str):
        return dg.EnvVar(VARIABLES[field]) if field in settings.given_by_environment else getattr(settings, field)

    return {
        "raw_files": RawFilesResource(root=given("raw_dir"), pii_key=given("pii_key")),
        "warehouse": WarehouseResource(
            url=given("warehouse_url"),
            duckdb_memory_limit=given("duckdb_memory_limit"),
            lock_timeout=given("lock_timeout"),
            lock_tries=given("lock_tries"),
        ),
        "staging": StagingResource(
            workers=given("staging_workers"),
            memory_limit=given("staging_memory_limit"),
            max_uncompressed_mb=given("max_uncompressed_mb"),
            max_compression_ratio=given("max_compression_ratio"),
            as_of_year=given("as_of_year"),
        ),
        "alerts": AlertsResource(file=given("alerts_file")),
    }
