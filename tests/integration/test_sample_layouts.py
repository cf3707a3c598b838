"""The layouts real offices send, as the generator writes them, end to end: numbered three-row
headers over template placeholder rows, section rows naming the township of the rows below, one
sheet per township without a township column, and a county's wide ledger of one year in 万元 with
a 合计 column and row, its county and year only in its title. A run over them equals the
generator's truth (households, persons, yuan, quarantine rows), and no personal value of the
generated people reaches any table."""

from __future__ import annotations

from pathlib import Path

import pytest
from python_calamine import CalamineWorkbook

from etl_project.ingest.readers.column_map import load_column_map
from etl_project.ingest.readers.extract import extract
from etl_project.warehouse.engine import opened
from schemas.investment_tables import FACT_INVESTMENT
from schemas.tables import FACT_HOUSEHOLD, LOAD_AUDIT
from tests.corpus.runs import generated_run
from tests.integration.test_end_to_end import _assert_matches_truth, _assert_quarantine_counted
from tests.integration.test_personal_data_routes import _hits, _tables

FORMS = ("numbered_three_rows", "section_rows", "sheet_per_township")


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    return generated_run(tmp_path_factory, households=1500, seed=3, per_person=0)


def _entries(truth: dict, form: str) -> list[dict]:
    return [e for e in truth["files"] if e.get("form") == form]


def _wide(truth: dict) -> dict:
    (entry,) = [e for e in truth["files"] if e["source"] == "funds" and e["layout"] == "wide"]
    return entry


def _cells(raw: Path, entry: dict) -> list[list[str]]:
    rows = CalamineWorkbook.from_path(str(raw / entry["file"])).get_sheet_by_name(entry["sheet"]).to_python()
    return [[str(v).strip() if v not in (None, "") else "" for v in row] for row in rows]


def test_the_sample_writes_each_layout(run):
    raw, truth, _, _ = run
    numbered = _entries(truth, "numbered_three_rows")[0]
    header = _cells(raw, numbered)[2:5]
    assert header[0][0] == "1.县" and header[0][1] == "2、乡镇" and header[1][14].startswith("（一）")
    assert header[2][-2:] == ["种植业收入", "务工收入"]
    assert _cells(raw, numbered)[5][:2] == ["N", "N"] and _cells(raw, numbered)[6][0] == "示例"

    sections = _entries(truth, "section_rows")[0]
    assert "township_name" not in sections["columns"] and sections["section_rows"] >= 5
    said = [s for s in truth["skipped_rows"] if s["file"] == sections["file"] and s["reason"] == "section"]
    assert len(said) == sections["section_rows"]
    lines = (raw / sections["file"]).read_text(encoding="utf-8-sig").splitlines()
    assert lines[said[0]["row"] - 1].startswith("一、") and lines[said[1]["row"] - 1].startswith("二、")

    sheets = _entries(truth, "sheet_per_township")
    assert len(sheets) >= 5 and len({e["file"] for e in sheets}) == 1
    assert all(e["sheet"].endswith(("镇", "乡")) and "township_name" not in e["columns"] for e in sheets)

    wide = _wide(truth)
    cells = _cells(raw, wide)
    assert cells[0][0] == "紫云县2019年帮扶资金台账" and cells[1][0] == "单位：万元"
    assert cells[2][7] == "资金来源（万元）" and cells[3][7:10] == ["合计", "财政专项", "信贷"]
    assert not {"日期", "县", "受援县"} & set(cells[2])
    total = next(row for row in cells if row[0] == "合计")
    assert abs(float(total[7]) - sum(float(c) for c in total[8:] if c)) < 1e-6


def test_a_run_over_them_equals_the_truth(run):
    _, truth, url, result = run
    assert result.success
    with opened(url) as db:
        _assert_matches_truth(db, truth)  # marts, every quarantined row, every file's accounting
        _assert_quarantine_counted(db, truth, result)


def test_households_persons_and_yuan_of_each_layout_file(run):
    _, truth, url, _ = run
    with opened(url) as db:
        households = db.query(
            f"SELECT source_file, COUNT(*) AS households, SUM(household_size) AS persons, COUNT(DISTINCT township_code) AS townships "
            f"FROM {db.name(FACT_HOUSEHOLD)} GROUP BY source_file"
        ).set_index("source_file")
        for form in FORMS:
            entries = _entries(truth, form)
            file = entries[0]["file"]
            assert households.loc[file, "households"] == sum(e["clean_rows"] for e in entries), form
            assert households.loc[file, "persons"] == sum(e["clean_persons"] for e in entries), form
        assert households.loc[_entries(truth, "sheet_per_township")[0]["file"], "townships"] == len(_entries(truth, "sheet_per_township"))
        assert households.loc[_entries(truth, "section_rows")[0]["file"], "townships"] == _entries(truth, "section_rows")[0]["section_rows"]

        wide = _wide(truth)
        money = db.query(
            f"SELECT SUM(amount_yuan) AS yuan, COUNT(DISTINCT fund_date) AS dates, MIN(county_code) AS county "
            f"FROM {db.name(FACT_INVESTMENT)} WHERE source_file = :f",
            {"f": wide["file"]},
        )
        assert float(money["yuan"].iloc[0]) == wide["clean_yuan"] > 0
        assert money["dates"].iloc[0] == 1 and money["county"].iloc[0] == wide["county_code"]
        ledgers = [e for e in truth["files"] if e["source"] == "funds"]
        total = db.scalar(f"SELECT SUM(amount_yuan) FROM {db.name(FACT_INVESTMENT)}")
        assert float(total) == sum(e["clean_yuan"] for e in ledgers) == truth["fact_investment_total_yuan"]
        audit = db.query(f"SELECT rows_quarantined, message FROM {db.name(LOAD_AUDIT)} WHERE source_file = :f", {"f": wide["file"]})
        assert audit["rows_quarantined"].tolist() == [wide["defect_rows"]] == [1]


def test_no_personal_value_of_the_generated_people_in_any_table(run):
    raw, truth, url, _ = run
    registry = load_column_map("registry")
    values: set[str] = set()
    for file in {e["file"] for e in truth["files"] if e["source"] == "registry"}:
        rows = extract(raw / file, registry).rows
        for column in ("head_name", "id_number", "phone"):
            values |= {str(v).strip() for v in rows[column].dropna()}
    funds = load_column_map("funds")
    for file in {e["file"] for e in truth["files"] if e["source"] == "funds"}:
        rows = extract(raw / file, funds).rows
        values |= {str(v).strip() for v in rows.loc[rows["donor_type"] == "个人", "donor_name"].dropna()}
    assert len(values) > 3000
    tables = {k: v for k, v in _tables(url).items() if not k.startswith("audit.") or k == "audit.quarantine"}
    # A two-character name is found inside place names: names are looked for inside texts from three
    # characters on, and as whole values at any length.
    hits = _hits(tables, {v for v in values if not v[:1].isdigit() and len(v) >= 3})
    assert not hits, hits[:10]
    for name, frame in tables.items():
        text = {v.strip() for v in frame.astype(str).stack()}
        assert not text & values, (name, sorted(text & values)[:5])
