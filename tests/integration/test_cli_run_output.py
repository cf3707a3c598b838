"""What `etl-project run` prints: a file that fails its partition is told once, without Dagster's
ERROR lines or a stack trace; progress comes from the run itself; --verbose brings Dagster's log back."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest

from etl_project.core.settings import PROGRESS_SECONDS_ENV
from etl_project.ingest import progress
from etl_project.ingest.progress import RunProgress
from etl_project.ingest.staging.workers import Stager
from etl_project.warehouse.engine import opened
from schemas.tables import LOAD_AUDIT
from tests.builders import cli_run

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "raw"
KEPT = ("villages/新田县行政村基本情况表.xlsx", "registry/那曲县建档立卡贫困户.csv")
BROKEN = "registry/broken.csv"


@pytest.fixture(scope="module")
def failed_file(tmp_path_factory) -> dict:
    """Two sample files and one without a header, run three times through the real command: with a
    plain progress line for every change, with the defaults, and with --verbose."""
    root = tmp_path_factory.mktemp("failed_file")
    raw = root / "raw"
    for relative in KEPT:
        (raw / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(SAMPLE / relative, raw / relative)
    (raw / BROKEN).write_text("hello,world\n1,2\n", encoding="utf-8")
    url = f"duckdb:///{root / 'warehouse.duckdb'}"
    runs = {}
    for name, env, extra in (("progress", {PROGRESS_SECONDS_ENV: "0"}, []), ("default", {}, []), ("verbose", {}, ["--verbose"])):
        process = cli_run(raw, url, env=env, extra=extra)
        out, err = process.communicate(timeout=600)
        runs[name] = {"code": process.returncode, "out": out, "err": err}
    with opened(url) as db:
        audit = db.query(f"SELECT source_file, message FROM {db.name(LOAD_AUDIT)} WHERE status = 'failed'")
    return {"runs": runs, "reasons": dict(zip(audit["source_file"], audit["message"]))}


@pytest.mark.parametrize("name", ["progress", "default"])
def test_a_failed_file_is_told_once_without_a_stack_trace(failed_file, name):
    run = failed_file["runs"][name]
    said = run["out"] + run["err"]
    assert run["code"] == 1, said[-3000:]
    assert "Traceback" not in said and "Stack Trace" not in said, said[-3000:]
    assert " - dagster - " not in said and "STEP_FAILURE" not in said, said[-3000:]
    reason = failed_file["reasons"][BROKEN]
    # The reason as load_audit keeps it, from its first words after the file's name to its end.
    tail = reason[-60:]
    assert said.count(tail) == 1, said[-3000:]
    assert said.count("no header row found") == 1 and said.count("未找到表头") == 1, said[-3000:]
    failed_lines = [line for line in run["out"].splitlines() if line.startswith("FAILED ")]
    assert len(failed_lines) == 1 and failed_lines[0].count("broken.csv") == 1, failed_lines


def test_progress_lines_count_the_run_files_and_rows(failed_file):
    run = failed_file["runs"]["progress"]
    lines = [line for line in run["err"].splitlines() if line.startswith("files ")]
    assert lines, run["err"][-3000:]
    last = lines[-1]
    # Every file of the folder is read; the broken one counts as read and failed.
    assert last.startswith("files 3/3 (1 failed) · "), last
    audit_rows = _rows_read(failed_file)
    assert f"· {audit_rows:,} rows ·" in last, (last, audit_rows)
    assert "rows/s" in last and "steps " in last, last
    counts = [int(line.split()[1].split("/")[0]) for line in lines]
    assert counts == sorted(counts), "files read never go down"


def _rows_read(failed_file) -> int:
    # What the summary says was read: the same run's load_audit, printed on its Files line.
    files_line = next(line for line in failed_file["runs"]["progress"]["out"].splitlines() if line.startswith("Files: "))
    return int(files_line.split("rows read ")[1].split(",")[0])


def test_a_quick_run_adds_no_progress_line_to_a_log(failed_file):
    err = failed_file["runs"]["default"]["err"]
    assert not [line for line in err.splitlines() if line.startswith(("files ", "steps "))], err


def test_verbose_shows_dagster_log(failed_file):
    run = failed_file["runs"]["verbose"]
    assert run["code"] == 1
    assert " - dagster - ERROR - " in run["err"] and "STEP_FAILURE" in run["err"], run["err"][-3000:]
    assert not [line for line in run["err"].splitlines() if line.startswith("files ")], "no progress line between log lines"


# -- the progress display, on its own clock -----------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _progress(terminal: bool, interval: float = 60.0) -> tuple[RunProgress, io.StringIO, Clock]:
    stream, clock = io.StringIO(), Clock()
    shown = RunProgress(stream, "staged_file", terminal=terminal, interval=interval, delay=2.0, clock=clock)
    shown.plan({"registry/a.csv": 3000, "registry/b.csv": 1000})
    shown.run_started("warehouse_full_refresh", 10)
    shown.step_ended("raw_file")
    shown.step_started("staged_file")
    return shown, stream, clock


def test_rate_and_time_left_come_from_bytes_and_rows_read():
    shown, _, clock = _progress(terminal=False)
    clock.now += 4.0
    shown.file_staged("registry/b.csv", 500, False)  # a quarter of the bytes in 4 s
    text = shown.text()
    assert text.startswith("files 1/2 · 500 rows · 125 rows/s · ETA 0:12 · steps 1/10"), text
    clock.now += 6.0
    shown.file_staged("registry/a.csv", 1500, True)
    shown.step_ended("staged_file")
    text = shown.text()
    assert text.startswith("files 2/2 (1 failed) · 2,000 rows · 200 rows/s · steps 2/10"), text
    assert "ETA" not in text


def test_plain_lines_wait_for_their_interval_and_end_with_the_last_state():
    shown, stream, clock = _progress(terminal=False, interval=60.0)
    clock.now += 30.0
    shown.file_staged("registry/b.csv", 500, False)
    shown.tick()
    assert stream.getvalue() == "", "nothing before the first interval"
    clock.now += 31.0
    shown.tick()
    first = stream.getvalue().splitlines()
    assert len(first) == 1 and first[0].startswith("files 1/2"), first
    clock.now += 61.0
    shown.tick()
    assert len(stream.getvalue().splitlines()) == 1, "an unchanged state is not written again"
    shown.file_staged("registry/a.csv", 1500, False)
    shown.close()
    lines = stream.getvalue().splitlines()
    assert len(lines) == 2 and lines[-1].startswith("files 2/2"), lines


def test_a_quick_run_leaves_nothing_and_a_slow_one_a_bar_it_clears():
    shown, stream, clock = _progress(terminal=True)
    clock.now += 1.0
    shown.tick()
    shown.close()
    assert stream.getvalue() == ""
    shown, stream, clock = _progress(terminal=True)
    clock.now += 3.0
    shown.file_staged("registry/a.csv", 1500, False)
    shown.tick()
    drawn = stream.getvalue()
    assert drawn.startswith("\r\x1b[K[############....] files 1/2") and "\n" not in drawn, repr(drawn)
    shown.say("WARNING something to act on")
    assert stream.getvalue() == drawn + "\r\x1b[KWARNING something to act on\n", "the bar is cleared before the line"
    shown.tick()
    redrawn = stream.getvalue()
    assert redrawn.endswith("\r\x1b[K" + drawn.removeprefix("\r\x1b[K")), "and drawn again after it"
    shown.close()
    assert stream.getvalue() == redrawn + "\r\x1b[K", "closing takes the bar away"


def test_files_staged_in_worker_processes_are_announced_here():
    """The pool's workers stage the files; the process that writes the warehouse hears of each."""
    from etl_project.core import pii

    files = [(SAMPLE / relative, relative) for relative in KEPT[1:] + ("registry/望谟县扶贫对象信息.csv",)]
    heard = []
    with (
        progress.listening(lambda source_file, rows, failed: heard.append((source_file, rows, failed))),
        Stager(2, pii.pii_key(None), as_arrow=False) as stager,
    ):
        outcomes = list(stager.stage("registry", files))
    assert heard == [(o.source_file, o.rows_read, o.error is not None) for o in outcomes]
    assert [h[0] for h in heard] == [relative for _, relative in files] and all(h[1] > 0 for h in heard)
