"""One writer at a time: a run holds the warehouse's lock for its whole length.

Two runs started at once would otherwise meet a locked DuckDB file halfway through, or interleave
their table swaps on PostgreSQL. The second run waits for the first (or, with a timeout, gives up
with a message saying who holds the lock).
"""

from __future__ import annotations

import fcntl
import os
import time
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

ADVISORY_LOCK_ID = 0x45544C  # "ETL": any constant shared by every run against the same database


class WarehouseBusy(Exception):
    pass


@contextmanager
def warehouse_lock(url: str, timeout_s: float | None = None, on_wait=None):
    if url.startswith("duckdb:///") and ":memory:" not in url:
        with _file_lock(Path(url.removeprefix("duckdb:///")).with_suffix(".lock"), timeout_s, on_wait):
            yield
    elif url.startswith("postgresql"):
        with _advisory_lock(url, timeout_s, on_wait):
            yield
    else:
        yield


@contextmanager
def _file_lock(path: Path, timeout_s: float | None, on_wait):
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+") as handle:
        _acquire(lambda: _try_flock(handle), timeout_s, on_wait, f"lock file {path}")
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}\n")
        handle.flush()
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _try_flock(handle) -> bool:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


@contextmanager
def _advisory_lock(url: str, timeout_s: float | None, on_wait):
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:

            def attempt() -> bool:
                return bool(connection.execute(sa.text("SELECT pg_try_advisory_lock(:id)"), {"id": ADVISORY_LOCK_ID}).scalar())

            _acquire(attempt, timeout_s, on_wait, "advisory lock of the warehouse database")
            try:
                yield
            finally:
                connection.execute(sa.text("SELECT pg_advisory_unlock(:id)"), {"id": ADVISORY_LOCK_ID})
    finally:
        engine.dispose()


def _acquire(attempt, timeout_s: float | None, on_wait, what: str) -> None:
    if attempt():
        return
    if on_wait:
        on_wait(f"another run holds the {what}; waiting for it to finish")
    started = time.monotonic()
    while not attempt():
        if timeout_s is not None and time.monotonic() - started > timeout_s:
            raise WarehouseBusy(f"another run still holds the {what} after {timeout_s:.0f} s; try again when it has finished")
        time.sleep(0.5)
