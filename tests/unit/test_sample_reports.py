"""The sample's narrative reports: one per format, and every figure read back as the truth says.

The truth lists each figure the warehouse judges, with the status it should get; here the report
extractor reads every generated report and must find exactly those figures (metric, value, period,
place), nothing else that the warehouse would judge, and the planted self-contradiction.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from etl_project.reports import extract_report
from etl_project.reports.reconciliation import judge, qualifier_of, step_of
from sample_data import generate

FORMATS = {"html", "docx", "pdf", "txt", "md"}
SHOWCASE_CODES = {"520425", "431171", "540602", "522326", "431128"}
QUALIFIER_WINDOW = 3  # as the reports layer reads a qualifier around a figure
# What must never be a claim: years, dates, months, ordinals, enumerations, plan names.
NOT_FIGURES = re.compile(
    r"(?:19|20)\d\d年(?:\d{1,2}月)?(?:\d{1,2}日)?|\d{1,2}月(?:\d{1,2}日)?|第[一二三四五六七八九十\d]+"
    r"|[一二三四五六七八九十]+[是、]|十[一二三四五]五|\d{4}-\d{2}-\d{2}"
)


def _run(out: Path, seed: int) -> tuple[dict, dict]:
    summary = generate(out, households=600, seed=seed, truth=out / "truth.json")
    return summary, json.loads((out / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports")
    summary, truth = _run(out, 5)
    extracted = {entry["file"]: extract_report(out / entry["file"]) for entry in truth["reports"]}
    return out, summary, truth, extracted


def _claims(truth: dict, file: str) -> list[dict]:
    return [c for c in truth["report_claims"] if c["file"] == file]


def _reports(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted((out / "reports").iterdir())}


def test_same_seed_same_reports(sample, tmp_path):
    out, _, truth, _ = sample
    _, again = _run(tmp_path / "again", 5)
    assert _reports(tmp_path / "again") == _reports(out)
    assert {k: again[k] for k in ("reports", "report_claims", "report_findings")} == {
        k: truth[k] for k in ("reports", "report_claims", "report_findings")
    }
    _run(tmp_path / "other", 6)
    other = _reports(tmp_path / "other")
    assert other.keys() == _reports(out).keys() and other != _reports(out)


def test_one_report_per_format_and_county(sample):
    out, summary, truth, _ = sample
    assert {e["format"] for e in truth["reports"]} == FORMATS and len(truth["reports"]) == 5
    assert {e["county_code"] for e in truth["reports"]} == SHOWCASE_CODES
    assert summary["reports"] == [e["file"] for e in truth["reports"]]
    assert all(e["file"].startswith("reports/") and e["file"].endswith("." + e["format"]) for e in truth["reports"])
    # Reports have no rows to count: they stay out of the per-file row accounting.
    assert not any(f["file"].startswith("reports/") for f in truth["files"])


def test_each_file_is_really_its_format(sample):
    out, _, truth, extracted = sample
    files = {e["format"]: out / e["file"] for e in truth["reports"]}
    with zipfile.ZipFile(files["docx"]) as archive:
        assert "word/document.xml" in archive.namelist()
    assert files["pdf"].read_bytes().startswith(b"%PDF")
    assert "脱贫" in extracted[f"reports/{files['pdf'].name}"]["body"]
    raw = files["txt"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert "建档立卡" in raw.decode("gb18030")
    page = files["html"].read_text(encoding="utf-8")
    body = extracted[f"reports/{files['html'].name}"]["body"]
    for furniture in ("首页 &gt; 新闻中心", "分享到", "相关链接", "政务公开"):
        assert furniture in page and furniture.replace("&gt;", ">") not in body
    assert files["md"].read_text(encoding="utf-8").startswith("# ")


def test_titles_and_dates_are_read(sample):
    _, _, truth, extracted = sample
    for entry in truth["reports"]:
        report = extracted[entry["file"]]
        assert report["report_date"] == entry["report_date"], entry["file"]
        assert report["title"] and report["body"].startswith(report["title"]), entry["file"]


def _key(claim: dict) -> tuple:
    """A township's claim is keyed by the county it is read in: its own code is the warehouse's to find."""
    return claim["metric"], claim["period"], claim.get("context_code") or claim["region_code"], claim["approx"]


def test_every_judged_figure_is_read_as_planned(sample):
    _, _, truth, extracted = sample
    for entry in truth["reports"]:
        read = [c for c in extracted[entry["file"]]["claims"] if c["metric"] != "other"]
        planned = _claims(truth, entry["file"])
        unmatched = list(read)
        for claim in planned:
            found = next((c for c in unmatched if _key(c) == _key(claim) and abs(c["value"] - claim["value"]) <= 0.5), None)
            assert found is not None, (entry["file"], claim, [(_key(c), c["value"]) for c in unmatched])
            unmatched.remove(found)
        assert not unmatched, (entry["file"], "figures the truth does not list", unmatched)


def test_no_date_year_or_ordinal_becomes_a_figure(sample):
    _, _, truth, extracted = sample
    for entry in truth["reports"]:
        report = extracted[entry["file"]]
        body = report["body"]
        spans = [m.span() for m in NOT_FIGURES.finditer(body)]
        assert spans, entry["file"]
        for claim in report["claims"]:
            assert not any(start < claim["end"] and claim["start"] < end for start, end in spans), (
                entry["file"],
                body[claim["start"] : claim["end"]],
            )
        assert any(c["metric"] == "other" for c in report["claims"]), entry["file"]


def test_the_contradiction_is_found_and_nothing_else(sample):
    _, _, truth, extracted = sample
    found = {(file, f["rule"]) for file, report in extracted.items() for f in report["findings"]}
    assert found == {(f["file"], f["rule"]) for f in truth["report_findings"]}
    assert [f["rule"] for f in truth["report_findings"]] == ["exits_exceed_registered"]


def test_statuses_are_the_reconciliation_s(sample):
    """The truth's expected status is what the reconciliation's own judge gives the figure as read."""
    _, _, truth, extracted = sample
    for entry in truth["reports"]:
        report = extracted[entry["file"]]
        body = report["body"]
        for claim in _claims(truth, entry["file"]):
            read = next(c for c in report["claims"] if _key(c) == _key(claim) and abs(c["value"] - claim["value"]) <= 0.5)
            text = body[read["start"] : read["end"]]
            window = body[max(0, read["start"] - QUALIFIER_WINDOW) : read["end"] + QUALIFIER_WINDOW]
            qualifier = qualifier_of(window) if read["approx"] else None
            status = judge(float(read["value"]), claim["warehouse_value"], qualifier, step_of(float(read["value"]), text))
            assert status == claim["expected_status"], (entry["file"], claim, text)


def test_statuses_cover_every_case(sample):
    _, _, truth, _ = sample
    statuses = Counter(c["expected_status"] for c in truth["report_claims"])
    assert statuses["within_tolerance"] >= 1 and statuses["match"] > 20
    assert len({c["file"] for c in truth["report_claims"] if c["expected_status"] == "mismatch"}) == 2
    # Townships are judged too: one quoted right, one overstated.
    assert {c["expected_status"] for c in truth["report_claims"] if c.get("context_code")} == {"match", "mismatch"}
    for entry in truth["reports"]:
        claims = _claims(truth, entry["file"])
        assert any(c["approx"] and c["expected_status"] == "match" for c in claims), entry["file"]
        assert any(c["expected_status"] == "no_data" and c["warehouse_value"] is None for c in claims), entry["file"]
        assert sum(not c["approx"] and c["expected_status"] == "match" for c in claims) >= 5, entry["file"]


def _monitoring_count(truth: dict, code: str, year: int, column: str) -> int:
    """A county's monitoring figure recounted from the monitoring truth's spells."""
    end = f"{year}-12-31"
    spells = [s for s in truth["monitoring"]["households"] if s["county_code"] == code]
    kept = {
        "newly_taken_in": [s for s in spells if s["taken_in_date"][:4] == str(year)],
        "cumulative_taken_in": [s for s in spells if s["taken_in_date"] <= end],
        "eliminated": [s for s in spells if (s["eliminated_date"] or "")[:4] == str(year)],
        "cumulative_eliminated": [s for s in spells if s["eliminated_date"] and s["eliminated_date"] <= end],
    }[column.rsplit("_", 1)[0]]
    return len(kept) if column.endswith("households") else sum(s["household_size"] for s in kept)


def test_warehouse_values_come_from_the_truth_marts(sample):
    """Recounted from the truth's own county rows, independently of how the reports read them."""
    _, _, truth, _ = sample
    poverty = {(r["region_code"], r["year"]): r for r in truth["mart_poverty_exit"] if r["region_level"] in ("county", "township")}
    invested: dict[tuple[str, int], float] = defaultdict(float)
    for r in truth["mart_investment"]:
        if r["region_level"] == "county":
            invested[r["region_code"], r["year"]] += r["amount_yuan"]
    columns = {"households_exited": "exited_households", "persons_exited": "exited_persons", "villages_exited": "villages_exited"}
    for claim in truth["report_claims"]:
        code, period = claim["region_code"], claim["period"]
        if "mart_column" in claim:
            assert claim["warehouse_value"] == _monitoring_count(truth, code, int(period), claim["mart_column"]), claim
            continue
        if claim["warehouse_value"] is None:
            assert code is None or claim["metric"] not in (*columns, "investment_amount", "registered_poor_households")
            continue
        first, _, last = (period or "").partition("-")
        years = range(int(first), int(last or first) + 1) if period else range(2014, 2022)
        metric = claim["metric"]
        if metric == "investment_amount":
            expected = sum(invested.get((code, y), 0) for y in years)
        elif metric.startswith("registered_poor"):
            column = "registered_households" if metric.endswith("households") else "registered_persons"
            expected = poverty[code, years[-1] if period else 2020][column]
        else:
            expected = sum(poverty[code, y][columns[metric]] for y in years if (code, y) in poverty)
        assert abs(expected - claim["warehouse_value"]) < 0.01, claim
