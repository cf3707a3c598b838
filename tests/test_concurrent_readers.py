"""BI readers querying the marts while a run rebuilds them: never an error, never a partial total."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from etl_project.runner import run_pipeline
from etl_project.serving import published_path
from etl_project.warehouse import Warehouse

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "raw"
TOTAL_SQL = (
    "SELECT SUM(registered_households) FROM analytics.mart_poverty_exit WHERE region_level = 'province' AND year = 2020"
)

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
    db = Warehouse(url)
    try:
        return int(db.scalar(TOTAL_SQL))
    finally:
        db.close()


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
