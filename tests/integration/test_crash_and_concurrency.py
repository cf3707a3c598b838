"""A run killed in the middle leaves every table wholly old or wholly new, and the next run equals a
clean one; two runs started at once do not corrupt the warehouse (the second waits)."""

from __future__ import annotations

import shutil
import signal
import time
from pathlib import Path

import pandas as pd
import pytest

from etl_project.warehouse.engine import opened
from schemas.registry import CATALOG
from tests.builders import cli_run

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "raw"
DROPPED = "registry/望谟县扶贫对象信息.csv"
BI_TABLES = [t for t in CATALOG.tables.values() if t.schema == "analytics" and t.layer in ("marts", "warehouse")]


def _snapshot(url: str) -> dict[str, pd.DataFrame]:
    with opened(url) as db:
        frames = {}
        for table in BI_TABLES:
            if table.name in ("report_claim", "report_finding", "reconciliation"):
                continue
            frame = db.query(f"SELECT * FROM {db.name(table)}")
            frames[table.name] = frame.sort_values(list(frame.columns)).reset_index(drop=True) if not frame.empty else frame
        return frames


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return a.shape == b.shape and a.astype(str).equals(b.astype(str))


@pytest.fixture(scope="module")
def states(tmp_path_factory):
    """Warehouse contents before (all files) and after (one county's file removed), from clean runs."""
    base = tmp_path_factory.mktemp("states")
    raw_old, raw_new = base / "old", base / "new"
    shutil.copytree(SAMPLE, raw_old)
    shutil.copytree(SAMPLE, raw_new)
    (raw_new / DROPPED).unlink()
    old_url, new_url = f"duckdb:///{base / 'old.duckdb'}", f"duckdb:///{base / 'new.duckdb'}"
    for raw, url in ((raw_old, old_url), (raw_new, new_url)):
        assert cli_run(raw, url).wait(timeout=300) == 0
    return raw_new, Path(old_url.removeprefix("duckdb:///")), _snapshot(old_url), _snapshot(new_url)


@pytest.mark.parametrize("kill_after_s", [2.0, 4.0, 6.0])
def test_killed_run_leaves_old_or_new_tables_and_the_next_run_recovers(states, tmp_path, kill_after_s):
    raw_new, old_file, old, new = states
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(old_file, warehouse)
    url = f"duckdb:///{warehouse}"
    run = cli_run(raw_new, url)
    time.sleep(kill_after_s)
    run.send_signal(signal.SIGKILL)
    run.wait(timeout=30)

    after_kill = _snapshot(url)
    for name, frame in after_kill.items():
        assert _same(frame, old[name]) or _same(frame, new[name]), f"{name} is neither the old nor the new table"

    assert cli_run(raw_new, url).wait(timeout=300) == 0
    recovered = _snapshot(url)
    for name, frame in recovered.items():
        assert _same(frame, new[name]), f"{name} differs from a clean run after recovery"


def test_sigterm_ends_a_run_within_seconds_in_one_line(states, tmp_path):
    """SIGTERM (a service manager stopping the run, a container shut down) in the middle of a run
    that changes the warehouse: the process is gone within seconds, says so in one line, no stack
    trace, and every table is whole; the next run completes the work."""
    raw_new, old_file, old, new = states
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(old_file, warehouse)
    url = f"duckdb:///{warehouse}"
    run = cli_run(raw_new, url)
    time.sleep(4.0)
    assert run.poll() is None, "the run ended before it could be stopped"
    run.send_signal(signal.SIGTERM)
    signalled = time.monotonic()
    out, err = run.communicate(timeout=60)
    took = time.monotonic() - signalled
    assert took < 3.0, f"the run took {took:.1f} s to stop"
    assert run.returncode == 128 + signal.SIGTERM
    assert "Traceback" not in out + err and 'File "' not in out + err, err[-3000:]
    assert err.strip().count("\n") == 0 and "SIGTERM" in err, err[-3000:]

    for name, frame in _snapshot(url).items():
        assert _same(frame, old[name]) or _same(frame, new[name]), f"{name} is neither the old nor the new table"
    assert cli_run(raw_new, url).wait(timeout=300) == 0
    for name, frame in _snapshot(url).items():
        assert _same(frame, new[name]), f"{name} differs from a clean run after the stopped one"


def test_two_runs_at_once_do_not_collide(states, tmp_path):
    raw_new, old_file, _, new = states
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(old_file, warehouse)
    url = f"duckdb:///{warehouse}"
    first, second = cli_run(raw_new, url), cli_run(raw_new, url)
    outputs = [p.communicate(timeout=600) for p in (first, second)]
    assert first.returncode == 0 and second.returncode == 0, [o[1][-2000:] for o in outputs]
    assert any("waiting" in err for _, err in outputs)
    for name, frame in _snapshot(url).items():
        assert _same(frame, new[name]), name
