"""A run reads what `validate` reads, as the sender meant it: every file type validate accepts is
staged, hidden and far-down sheets are named in load_audit, units stated in words are applied, and
a file rewritten while it is read is never recorded as loaded."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

import pytest

from etl_project.core import pii
from etl_project.core.regions import default_index
from etl_project.ingest.staging import registry
from etl_project.ingest.steward import validate_file
from etl_project.warehouse.engine import opened
from schemas.investment_tables import STG_FUND_MOVEMENT
from schemas.tables import LOAD_AUDIT
from tests.corpus.build import BY_NAME, build
from tests.corpus.rows import households
from tests.corpus.runs import run_pipeline
from tests.corpus.writers import csv_text

# Corpus cases the run below is made of: one file of each kind this module is about.
RUN_CASES = (
    "wps_et_workbook",
    "tab_separated_tsv",
    "very_hidden_sheet",
    "second_sheet_header_far_down",
    "sheet_with_no_table_named",
    "unit_row_rmb_wan",
    "page_subtotals",
)
REWRITTEN = "registry/写入中.csv"


def _stage(path: Path):
    return registry.stage_file(path, path.name, default_index(), pii.pii_key(None))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _Rewriter(threading.Thread):
    """Saves a file over and over, each time with another size and time, until stopped: written
    aside and renamed over it, as copying tools and editors save, so that any one read of it
    sees a whole version."""

    def __init__(self, path: Path):
        super().__init__(daemon=True)
        self.path, self.stop, self.writes = path, threading.Event(), 0
        self.contents = [csv_text(households(n)).encode() for n in (300, 301)]

    def run(self) -> None:
        aside = self.path.with_name("." + self.path.name)
        while not self.stop.is_set():
            aside.write_bytes(self.contents[self.writes % 2])
            self.writes += 1
            os.utime(aside, ns=(0, 1_600_000_000_000_000_000 + self.writes))
            os.replace(aside, self.path)
            self.stop.wait(0.005)


@pytest.fixture(scope="module")
def run_with_a_file_being_written(tmp_path_factory):
    raw = tmp_path_factory.mktemp("raw_meaning")
    build(raw, [BY_NAME[name] for name in RUN_CASES])
    rewriter = _Rewriter(raw / REWRITTEN)
    rewriter.path.write_bytes(rewriter.contents[0])
    rewriter.start()
    try:
        run = run_pipeline(raw, tmp_path_factory.mktemp("warehouse_meaning"))
    finally:
        rewriter.stop.set()
        rewriter.join()
    with opened(run.url) as db:
        audit = db.query(f"SELECT * FROM {db.name(LOAD_AUDIT)} WHERE run_id = :run", {"run": run.run_id}).set_index("source_file")
        amounts = db.query(f"SELECT source_file, amount_yuan FROM {db.name(STG_FUND_MOVEMENT)}")
    return raw, audit, amounts, rewriter.writes


def test_the_run_stages_every_file_validate_reads(run_with_a_file_being_written):
    raw, audit, _, _ = run_with_a_file_being_written
    for name in RUN_CASES:
        case = BY_NAME[name]
        row = audit.loc[f"{case.source}/{case.filename}"]
        verdict = validate_file(case.path_in(raw))
        assert row["status"] == "loaded", row["message"]
        assert (row["rows_read"], row["rows_loaded"], row["rows_quarantined"]) == (
            verdict.rows_read,
            verdict.rows_ok,
            verdict.rows_rejected,
        )
        assert json.loads(row["sheets"]) == verdict.sheets
        assert (row["warnings"] or "") == "\n".join(verdict.warnings)


def test_load_audit_names_each_sheet_with_its_rows_and_why(run_with_a_file_being_written):
    _, audit, _, _ = run_with_a_file_being_written
    hidden = {s["sheet"]: s for s in json.loads(audit.loc["registry/深度隐藏.xlsx", "sheets"])}
    assert (hidden["补录"]["visibility"], hidden["补录"]["read"], hidden["补录"]["rows"]) == ("veryhidden", True, 1)
    assert "补录" in audit.loc["registry/深度隐藏.xlsx", "warnings"]
    assert audit.loc["registry/深度隐藏.xlsx", "rows_loaded"] == 3
    far = {s["sheet"]: s for s in json.loads(audit.loc["registry/表头在第200行.xlsx", "sheets"])}
    assert far["补充名单"]["read"] and "row 200" in far["补充名单"]["reason"]
    instructions = {s["sheet"]: s for s in json.loads(audit.loc["registry/说明页有行数.xlsx", "sheets"])}
    assert (instructions["填表说明"]["read"], instructions["填表说明"]["rows"]) == (False, 3)
    assert "no header row" in instructions["填表说明"]["reason"]


def test_a_ledger_in_renminbi_wan_yuan_loads_in_yuan(run_with_a_file_being_written):
    _, _, amounts, _ = run_with_a_file_being_written
    assert amounts.loc[amounts["source_file"] == "funds/单位人民币万元.xlsx", "amount_yuan"].tolist() == [125000.0]


def test_a_file_rewritten_during_the_run_is_failed_not_loaded(run_with_a_file_being_written):
    _, audit, _, writes = run_with_a_file_being_written
    row = audit.loc[REWRITTEN]
    assert writes > 10, "the file was not being rewritten while the run read it"
    assert row["status"] == "failed"
    assert "changed while it was being read" in row["message"]
    assert row["rows_loaded"] == 0
