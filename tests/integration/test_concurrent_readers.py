"""BI readers querying the marts while a run rebuilds them: never an error, never a partial total,
never a wait longer than the lock timeout, even behind a reader that keeps its transaction open."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import pytest

from etl_project.orchestration.runner import run_pipeline
from etl_project.warehouse.engine import opened
from etl_project.warehouse.pg_locks import LOCK_TIMEOUT_ENV, LOCK_TRIES_ENV, LockPolicy
from etl_project.warehouse.serving import published_path
from tests.builders import cli_run

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "raw"
TOTAL_SQL = "SELECT SUM(registered_households) FROM analytics.mart_poverty_exit WHERE region_level = 'province' AND year = 2020"

READER = r"""
import json, sys, time
kind, target, out, stop = sys.argv[1:5]
seen, errors = [], []
deadline = time.time() + 300
while time.time() < deadline:
    try:
        if kind == "duckdb":
            import duckdb
            connection = duckdb.connect(target, read_only=True)
            value = connection.execute(sys.argv[5]).fetchone()[0]
            connection.close()
        else:
            import psycopg
            with psycopg.connect(target) as connection:
                value = connection.execute(sys.argv[5]).fetchone()[0]
        seen.append(None if value is None else int(value))
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
    import os
    if os.path.exists(stop):
        break
json.dump({"seen": seen, "errors": errors}, open(out, "w"))
"""


def _run(raw: Path, url: str) -> None:
    with dg.DagsterInstance.ephemeral() as instance:
        assert run_pipeline(raw, url, instance).success


def _total(url: str) -> int:
    with opened(url) as db:
        return int(db.scalar(TOTAL_SQL))


def _read_during_run(tmp_path: Path, url: str, kind: str, target: str) -> tuple[int, int, dict]:
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    _run(raw, url)
    old = _total(url)
    # The next run drops one county: the province totals change.
    (raw / "registry" / "望谟县扶贫对象信息.csv").unlink()
    out, stop = tmp_path / "seen.json", tmp_path / "stop"
    reader = subprocess.Popen([sys.executable, "-c", READER, kind, target, str(out), str(stop), TOTAL_SQL])
    try:
        time.sleep(1.0)
        _run(raw, url)
        time.sleep(1.0)
    finally:
        stop.touch()
        reader.wait(timeout=120)
    new = _total(url)
    return old, new, json.loads(out.read_text())


def test_duckdb_readers_of_the_published_copy_see_old_or_new(tmp_path):
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    old, new, observed = _read_during_run(tmp_path, url, "duckdb", str(published_path(url)))
    assert not observed["errors"], observed["errors"][:3]
    assert len(observed["seen"]) > 5 and old != new
    assert set(observed["seen"]) <= {old, new}, set(observed["seen"])


@pytest.mark.postgres
def test_postgres_readers_see_old_or_new(tmp_path, postgres_database):
    target = postgres_database.replace("postgresql+psycopg://", "postgresql://")
    old, new, observed = _read_during_run(tmp_path, postgres_database, "postgresql", target)
    assert not observed["errors"], observed["errors"][:3]
    assert len(observed["seen"]) > 5 and old != new
    assert set(observed["seen"]) <= {old, new}, set(observed["seen"])


class _Watch:
    """Two threads on the database: one samples every 50 ms how long each statement waiting for a
    table lock has waited (by the server's clock); the other queries the mart in a loop, as new BI
    readers would, timing each query."""

    def __init__(self, dsn: str):
        self.dsn, self.halt = dsn, threading.Event()
        self.lock_waits: dict[tuple[int, object, bool], float] = {}  # (pid, statement start, a DROP) -> seconds waited
        self.reads: list[float] = []
        self.threads = [threading.Thread(target=self._sample, daemon=True), threading.Thread(target=self._read, daemon=True)]

    def start(self) -> None:
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.halt.set()
        for thread in self.threads:
            thread.join(timeout=120)

    def _sample(self) -> None:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as watcher:
            while not self.halt.is_set():
                for pid, started, drop, waited in watcher.execute(
                    "SELECT pid, query_start, query ILIKE 'DROP%', EXTRACT(EPOCH FROM clock_timestamp() - query_start) "
                    "FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                ):
                    key = (pid, started, drop)
                    self.lock_waits[key] = max(float(waited), self.lock_waits.get(key, 0.0))
                time.sleep(0.05)

    def _read(self) -> None:
        import psycopg

        while not self.halt.is_set():
            began = time.monotonic()
            # A fresh session each time, as a dashboard opening; the timeout only keeps the test from hanging.
            with psycopg.connect(self.dsn, autocommit=True, options="-c statement_timeout=60000") as reader:
                reader.execute(TOTAL_SQL).fetchone()
            self.reads.append(time.monotonic() - began)
            time.sleep(0.05)

    def waiting(self) -> bool:
        import psycopg

        with psycopg.connect(self.dsn, autocommit=True) as probe:
            return bool(
                probe.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
                ).fetchone()[0]
            )


@pytest.mark.postgres
def test_postgres_reader_idle_in_transaction_is_named_and_never_queues_readers(tmp_path, postgres_database):
    """A BI session that read a mart and left its transaction open: the run that must replace the
    mart waits for it at most the lock timeout per try, then fails that step naming the session; new
    readers never queue longer than the timeout; SIGTERM ends a run stuck behind it at once; and once
    the session lets go, the next run succeeds."""
    import psycopg

    dsn = postgres_database.replace("postgresql+psycopg://", "postgresql://")
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    _run(raw, postgres_database)
    old = _total(postgres_database)
    (raw / "registry" / "望谟县扶贫对象信息.csv").unlink()  # the next run changes the marts

    holder = psycopg.connect(dsn, application_name="bi_dashboard")
    holder_pid = holder.execute("SELECT pg_backend_pid()").fetchone()[0]
    holder.execute(TOTAL_SQL).fetchone()  # and then nothing: idle in transaction, holding the mart
    short = {LOCK_TIMEOUT_ENV: "1", LOCK_TRIES_ENV: "3"}
    policy = LockPolicy(timeout_s=1.0, tries=3)
    watch = _Watch(dsn)
    watch.start()
    run = None
    try:
        started = time.monotonic()
        run = cli_run(raw, postgres_database, env=short)
        out, err = run.communicate(timeout=90)
        took = time.monotonic() - started

        assert run.returncode == 1, err[-3000:]
        failed = [line for line in err.splitlines() if line.startswith("step mart_poverty_exit failed:")]
        assert failed and f"pid {holder_pid}" in failed[0] and "bi_dashboard" in failed[0], err[-3000:]
        assert "idle in transaction" in failed[0] and "被其他会话占用" in failed[0], failed[0]
        drops = sorted(waited for (_, _, drop), waited in watch.lock_waits.items() if drop)
        queued = sorted(waited for (_, _, drop), waited in watch.lock_waits.items() if not drop)
        assert len(drops) == policy.tries and drops[-1] <= policy.timeout_s + 0.3, drops
        assert queued and queued[-1] <= policy.timeout_s + 0.3, queued  # readers did queue, never longer
        assert max(watch.reads) <= policy.timeout_s + 1.0, max(watch.reads)
        assert _total(postgres_database) == old  # the mart kept its whole old version
        print(
            f"run failed after {took:.1f} s; its DROP waited {[round(w, 2) for w in drops]} s; {len(queued)} readers "
            f"queued, at most {queued[-1]:.2f} s; {len(watch.reads)} reads, slowest {max(watch.reads):.2f} s"
        )

        run = cli_run(raw, postgres_database, env={LOCK_TIMEOUT_ENV: "120"})
        deadline = time.monotonic() + 120
        while not watch.waiting():
            assert run.poll() is None and time.monotonic() < deadline, "the run never waited for the mart"
            time.sleep(0.1)
        run.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        out, err = run.communicate(timeout=60)
        stopped = time.monotonic() - signalled
        assert stopped < 3.0 and run.returncode == 128 + signal.SIGTERM, (stopped, run.returncode, err[-3000:])
        assert "Traceback" not in out + err and 'File "' not in out + err and err.strip().count("\n") == 0, err[-3000:]
        while watch.waiting():  # the server drops the stopped run's DROP, and with it the readers' queue
            assert time.monotonic() - signalled < 5.0, "a DROP of the stopped run still waits"
            time.sleep(0.1)
        print(f"SIGTERM: the run ended {stopped:.2f} s later, its DROP was gone {time.monotonic() - signalled:.2f} s later")
    finally:
        watch.stop()
        if run is not None and run.poll() is None:
            run.kill()
            run.wait()
        holder.rollback()  # the BI session lets go
    assert max(watch.reads) <= policy.timeout_s + 1.0, max(watch.reads)

    run = cli_run(raw, postgres_database, env=short)
    out, err = run.communicate(timeout=300)
    assert run.returncode == 0, err[-3000:]
    assert _total(postgres_database) != old
    holder.close()
