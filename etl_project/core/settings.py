"""The pipeline's settings, and the one place that reads them from the environment.

Nothing else reads the environment: the Dagster resources are made from a ``Settings`` when the code
location loads (etl_project/ingest/resources.py), the command line makes one from the environment and its
options, and the code below them is handed the values it needs, staging's worker processes included.

A value is kept as it was written; the module that uses it says what is wrong with it, naming its
variable, when it is used (a bad size limit fails each workbook that meets it, not the whole run).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

PII_KEY_ENV = "ETL_PII_KEY"
WAREHOUSE_URL_ENV = "ETL_WAREHOUSE_URL"
RAW_DIR_ENV = "ETL_RAW_DIR"
DUCKDB_MEMORY_ENV = "ETL_DUCKDB_MEMORY_LIMIT"
STAGING_MEMORY_ENV = "ETL_DUCKDB_STAGING_MEMORY_LIMIT"
WORKERS_ENV = "ETL_STAGING_WORKERS"
MAX_UNCOMPRESSED_MB_ENV = "ETL_MAX_UNCOMPRESSED_MB"
MAX_COMPRESSION_RATIO_ENV = "ETL_MAX_COMPRESSION_RATIO"
AS_OF_ENV = "ETL_AS_OF_YEAR"
ALERTS_FILE_ENV = "ETL_ALERTS_FILE"
LOCK_TIMEOUT_ENV = "ETL_LOCK_TIMEOUT"
LOCK_TRIES_ENV = "ETL_LOCK_TRIES"
PROGRESS_SECONDS_ENV = "ETL_PROGRESS_SECONDS"
DAGSTER_HOME_ENV = "DAGSTER_HOME"

DEFAULT_WAREHOUSE_PATH = Path("data") / "warehouse" / "warehouse.duckdb"
DEFAULT_WAREHOUSE_URL = f"duckdb:///{DEFAULT_WAREHOUSE_PATH}"
DEFAULT_RAW_DIR = "data/raw"
DUCKDB_MEMORY_DEFAULT = "1GB"
STAGING_MEMORY_DEFAULT = "256MB"
DEFAULT_ALERTS_FILE = "data/warehouse/alerts/run_failures.jsonl"


@dataclass(frozen=True)
class Reading:
    """What reading a source file depends on besides the file, handed to every process that reads
    one: the limits a workbook may inflate to, and the year a snapshot that names none is as of."""

    max_uncompressed_mb: str = ""  # empty: readers/grid.py's default
    max_compression_ratio: str = ""
    as_of_year: str = ""  # empty: none given


@dataclass(frozen=True)
class Settings:
    """Every setting, as written; ``Settings()`` is what an empty environment gives."""

    pii_key: str | None = None  # None: the development key (etl_project/core/pii.py)
    warehouse_url: str = DEFAULT_WAREHOUSE_URL
    raw_dir: str = DEFAULT_RAW_DIR
    duckdb_memory_limit: str = DUCKDB_MEMORY_DEFAULT
    staging_memory_limit: str = STAGING_MEMORY_DEFAULT
    staging_workers: str = ""  # empty: one per core once a run has enough to read
    max_uncompressed_mb: str = ""
    max_compression_ratio: str = ""
    as_of_year: str = ""
    alerts_file: str = DEFAULT_ALERTS_FILE
    lock_timeout: str = ""  # empty: etl_project/warehouse/pg_locks.py's default
    lock_tries: str = ""
    progress_seconds: str = ""  # empty: etl_project/ingest/progress.py's default
    dagster_home: str = ""  # where Dagster keeps run history; empty: none is kept by the command line
    # The settings an environment variable gave (not a default, not a command-line option): the
    # resources pass those on as the variable, which Dagster reads when a run starts.
    given_by_environment: frozenset[str] = frozenset()

    @property
    def reading(self) -> Reading:
        return Reading(self.max_uncompressed_mb, self.max_compression_ratio, self.as_of_year)

    def overridden(self, **values) -> Settings:
        """These settings with ``values`` given otherwise (a command-line option), which are then no
        longer the environment's."""
        return replace(self, **values, given_by_environment=self.given_by_environment - set(values))

    def written(self, variable: str) -> str:
        """The setting that ``variable`` gives, as written; empty when it gives none."""
        value = getattr(self, FIELDS[variable])
        return "" if value is None else value


# Each setting's environment variable.
VARIABLES = {
    "pii_key": PII_KEY_ENV,
    "warehouse_url": WAREHOUSE_URL_ENV,
    "raw_dir": RAW_DIR_ENV,
    "duckdb_memory_limit": DUCKDB_MEMORY_ENV,
    "staging_memory_limit": STAGING_MEMORY_ENV,
    "staging_workers": WORKERS_ENV,
    "max_uncompressed_mb": MAX_UNCOMPRESSED_MB_ENV,
    "max_compression_ratio": MAX_COMPRESSION_RATIO_ENV,
    "as_of_year": AS_OF_ENV,
    "alerts_file": ALERTS_FILE_ENV,
    "lock_timeout": LOCK_TIMEOUT_ENV,
    "lock_tries": LOCK_TRIES_ENV,
    "progress_seconds": PROGRESS_SECONDS_ENV,
    "dagster_home": DAGSTER_HOME_ENV,
}
FIELDS = {variable: name for name, variable in VARIABLES.items()}


def from_environment(environ: Mapping[str, str] | None = None) -> Settings:
    """The settings the environment gives (``os.environ`` when none is passed), read now. An empty
    warehouse URL means the default one; any other variable set empty is taken as written."""
    environ = os.environ if environ is None else environ
    given = {name: environ[variable] for name, variable in VARIABLES.items() if variable in environ}
    if not given.get("warehouse_url"):
        given.pop("warehouse_url", None)
    return Settings(**given, given_by_environment=frozenset(name for name, value in given.items() if value))
