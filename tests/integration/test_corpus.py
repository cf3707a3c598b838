"""The bad-input corpus: `validate` answers every case with its contract, and a run over the sample
plus every case loads the good files, rejects only the bad ones and accounts for every row."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from etl_project.core import pii
from etl_project.core.regions import default_index
from etl_project.ingest.steward import stage_function, validate_file
from etl_project.orchestration import cli
from etl_project.warehouse.engine import opened
from schemas.registry import CATALOG
from schemas.tables import FACT_HOUSEHOLD, LOAD_AUDIT, QUARANTINE
from tests.corpus.build import CASES, MILLION, MILLION_CASE, build
from tests.corpus.case import CLEAN, UNREADABLE, Case
from tests.corpus.runs import ROOT, copy_sample, run_pipeline, sample_run, source_files

# Shown in the quarantine at most this long (etl_project/ingest/staging/pipeline.py MAX_VALUE_CHARS).
MAX_SHOWN_VALUE = 200


def _param(case: Case):
    marks = [pytest.mark.xfail(strict=True, reason=case.bug)] if case.bug else []
    return pytest.param(case, id=case.name, marks=marks)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("corpus")
    build(out)
    return out


# -- validate ---------------------------------------------------------------------------------


def _assert_refusal(case: Case, answer: dict) -> None:
    message = answer.get("message") or ""
    assert answer["status"] == "unreadable"
    assert case.filename in message, f"the message does not name the file: {message}"
    for words in case.says:
        assert words in message, f"{words!r} not in: {message}"
    if case.says_any:
        assert any(words in message for words in case.says_any), f"none of {case.says_any} in: {message}"


def _assert_problems(case: Case, answer: dict) -> None:
    problems = answer["problems"]
    for p in problems:
        assert p["row"] > 0 and p["column"] and p["rule"] and p["message_zh"] and p["message_en"], p
        assert p["value"] is None or len(str(p["value"])) <= MAX_SHOWN_VALUE, p["rule"]
    found = {(p["row"], p["rule"]) for p in problems}
    expected = {(e.row, e.rule) for e in case.problems}
    assert found == expected, f"missing {sorted(expected - found)}, unexpected {sorted(found - expected)}"
    for e in case.problems:
        at = [p for p in problems if (p["row"], p["rule"]) == (e.row, e.rule)]
        if e.sheet is not None:
            assert {p["sheet"] for p in at} == {e.sheet}, (e, at)
        if e.column is not None:
            assert e.column in {p["column"] for p in at}, (e, at)


def _assert_answer(case: Case, code: int, answer: dict) -> None:
    assert code == case.exit_code, f"exit {code}, expected {case.exit_code}: {answer.get('message') or answer.get('problems')}"
    if code == UNREADABLE:
        _assert_refusal(case, answer)
        return
    assert answer["source"] == case.source
    assert answer["rows_read"] == answer["rows_ok"] + answer["rows_rejected"] + answer["rows_skipped"]
    if case.rows is not None:
        assert (answer["rows_ok"], answer["rows_rejected"]) == case.rows
    _assert_problems(case, answer)
    if code == CLEAN:
        assert answer["status"] == "ok"
    for words in case.warns:
        assert any(words in w for w in answer["warnings"]), f"no warning says {words!r}: {answer['warnings']}"
    reported = {s["sheet"]: (s["read"], s["rows"]) for s in answer["sheets"]}
    for sheet, read, rows in case.sheets:
        assert reported.get(sheet) == (read, rows), f"sheet {sheet!r}: {reported.get(sheet)}, expected {(read, rows)}: {answer['sheets']}"


def _comparable(value):
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return None if pd.isna(value) else value


def _assert_staged(case: Case, path: Path) -> None:
    staged = stage_function(case.source)(path, case.filename, default_index(), pii.pii_key(None)).staged
    for column, expected in case.staged.items():
        assert [_comparable(v) for v in staged[column].tolist()] == expected, column


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_validate_answers_with_its_contract(case: Case, corpus: Path, capsys):
    code = cli.main(["validate", str(case.path_in(corpus)), "--format", "json"])
    out, err = capsys.readouterr()
    assert "Traceback" not in err and "Traceback" not in out
    assert code in (0, 1, 2)
    _assert_answer(case, code, json.loads(out))
    if case.staged:
        _assert_staged(case, case.path_in(corpus))


@pytest.mark.parametrize("name", ["empty_file", "password_protected", "truncated_xlsx"])
def test_a_refusal_gives_its_reason_once(name: str, corpus: Path):
    case = next(c for c in CASES if c.name == name)
    message = validate_file(case.path_in(corpus)).message
    assert message.count(case.filename) == 1, message


def test_corpus_is_large_and_varied():
    assert len(CASES) >= 60
    assert {c.exit_code for c in CASES} == {0, 1, 2}
    assert {c.source for c in CASES} == {"registry", "funds", "projects", "villages"}


@pytest.mark.parametrize("name", ["sql_in_file_name", "password_protected", "csv_named_xlsx"])
def test_the_installed_command_answers_without_a_traceback(name: str, corpus: Path):
    case = next(c for c in CASES if c.name == name)
    done = subprocess.run(
        [sys.executable, "-m", "etl_project", "validate", str(case.path_in(corpus)), "--format", "json"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
        check=False,
    )
    assert "Traceback" not in done.stderr
    assert done.returncode == case.exit_code
    assert json.loads(done.stdout)["file"] == case.filename


def test_a_million_rows_are_read_without_losing_one(tmp_path: Path):
    path = tmp_path / MILLION_CASE.filename
    MILLION_CASE.write(path)
    started = time.perf_counter()
    verdict = validate_file(path, "villages")
    elapsed = time.perf_counter() - started
    assert verdict.exit_code == CLEAN, verdict.message or verdict.problems[:3]
    assert (verdict.rows_read, verdict.rows_ok, verdict.rows_rejected, verdict.rows_skipped) == (MILLION, MILLION, 0, 0)
    print(f"\n{MILLION} rows validated in {elapsed:.1f} s")


# -- a run over the sample and the whole corpus --------------------------------------------------


@pytest.fixture(scope="module")
def runs(tmp_path_factory, corpus: Path):
    raw = copy_sample(tmp_path_factory.mktemp("raw_with_corpus"))
    shutil.copytree(corpus, raw, dirs_exist_ok=True)
    return sample_run(tmp_path_factory), run_pipeline(raw, tmp_path_factory.mktemp("corpus_warehouse"))


def _audit(run) -> pd.DataFrame:
    with opened(run.url) as db:
        return db.query(f"SELECT * FROM {db.name(LOAD_AUDIT)} WHERE run_id = :run", {"run": run.run_id}).set_index("source_file")


def _quarantine(run) -> set[tuple]:
    with opened(run.url) as db:
        frame = db.query(
            f"SELECT source_file, source_sheet, source_row, rule FROM {db.name(QUARANTINE)} WHERE run_id = :run", {"run": run.run_id}
        )
    return {(f, s or "", int(r), rule) for f, s, r, rule in frame.itertuples(index=False)}


def test_the_run_finishes_and_accounts_for_every_row_of_every_file(runs):
    _, run = runs
    assert run.result.success
    audit = _audit(run)
    assert set(audit.index) == source_files(run.raw), "a file the run did not account for"
    assert not audit.index.duplicated().any()
    balanced = audit["rows_read"] == audit["rows_loaded"] + audit["rows_quarantined"] + audit["rows_skipped"]
    assert balanced[audit["status"] != "failed"].all(), audit[~balanced]
    assert run.checks()["load_audit_balanced"]


def test_the_good_files_load_exactly_as_without_the_corpus(runs):
    alone, together = runs
    before, after = _audit(alone), _audit(together)
    columns = ["status", "rows_read", "rows_loaded", "rows_quarantined", "rows_skipped", "content_sha256"]
    assert (before["status"] == "loaded").all()
    pd.testing.assert_frame_equal(after.loc[before.index, columns].sort_index(), before[columns].sort_index())
    sample_files = set(before.index)
    assert {q for q in _quarantine(together) if q[0] in sample_files} == _quarantine(alone)


@pytest.fixture(scope="module")
def corpus_outcome(runs) -> tuple[Path, pd.DataFrame, set[tuple]]:
    _, run = runs
    return run.raw, _audit(run), _quarantine(run)


@pytest.mark.parametrize("case", [pytest.param(c, id=c.name) for c in CASES])
def test_the_run_treats_each_case_as_validate_does(case: Case, corpus_outcome):
    """Failed when validate refuses it, else loaded with validate's very rows and problems."""
    raw, audit, quarantine = corpus_outcome
    verdict = validate_file(case.path_in(raw))
    assert verdict.as_text().startswith(case.filename)
    name = f"{case.source}/{case.filename}"
    row = audit.loc[name]
    if verdict.exit_code == UNREADABLE:
        # The reason beside the file, which source_file names once.
        assert row["status"] == "failed" and row["message"] and not row["message"].startswith(case.filename)
        return
    assert row["status"] == "loaded", row["message"]
    counts = (row["rows_read"], row["rows_loaded"], row["rows_quarantined"], row["rows_skipped"])
    assert counts == (verdict.rows_read, verdict.rows_ok, verdict.rows_rejected, verdict.rows_skipped)
    assert (row["warnings"] or "") == "\n".join(verdict.warnings), "load_audit and validate warn differently"
    assert json.loads(row["sheets"]) == verdict.sheets, "load_audit and validate name the sheets differently"
    in_run = {(s, r, rule) for f, s, r, rule in quarantine if f == name}
    expected = {(p["sheet"] or "", p["row"], p["rule"]) for p in verdict.problems if p["rule"] != "total_mismatch"}
    assert in_run == expected


def test_sql_in_names_changed_nothing(runs):
    alone, together = runs
    with opened(alone.url) as before, opened(together.url) as after:
        for table in CATALOG.tables.values():
            if table.layer == "source" or not before.has_table(table):
                continue
            assert after.has_table(table), f"{table.schema}.{table.name} is gone"
            if before.row_count(table):
                assert after.row_count(table) > 0, f"{table.schema}.{table.name} lost its rows"
        files = set(after.query(f"SELECT DISTINCT source_file FROM {after.name(LOAD_AUDIT)}")["source_file"])
        names = set(after.query(f"SELECT DISTINCT source_sheet FROM {after.name(QUARANTINE)}")["source_sheet"].dropna())
    assert any("DROP TABLE analytics.fact_household" in f for f in files)
    assert any("DELETE FROM audit.load_audit" in f for f in files)
    assert any("DROP TABLE audit.quarantin" in n for n in names)


def test_a_household_in_two_files_loads_twice_and_is_flagged(runs):
    alone, together = runs
    files = [f"{c.source}/{c.filename}" for c in CASES if c.name.startswith("same_household_file_")]
    with opened(together.url) as db:
        shared = db.query(
            f"SELECT household_key FROM {db.name(FACT_HOUSEHOLD)} WHERE source_file IN (:a, :b) "
            "GROUP BY household_key HAVING COUNT(DISTINCT source_file) = 2",
            {"a": files[0], "b": files[1]},
        )
    assert len(shared) == 1, "the head both files hold is one household key, in each file once"
    assert alone.checks()["fact_household_constraints"]
    assert not together.checks()["fact_household_constraints"]
