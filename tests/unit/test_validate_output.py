"""What `validate` and `extract-claims` print for a person: a summary per rule before the rows, a
narrative report sent to extract-claims, file-level refusals in Chinese and English, and each
figure of a report with its region code and sentence."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from etl_project.orchestration import cli
from tests.corpus.build import CASES, build
from tests.corpus.case import UNREADABLE

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "raw"
CJK = re.compile(r"[\u4e00-\u9fff]")
REPORTS = sorted((SAMPLE / "reports").iterdir())


def _cli(capsys, *argv: str) -> tuple[int, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out


def _summary(text: str) -> tuple[list[str], int]:
    """The summary lines and where the row list begins."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if "problems by rule" in line)
    end = next(i for i, line in enumerate(lines) if "problems / 问题明细" in line)
    first_row = next(i for i, line in enumerate(lines) if re.match(r"  (sheet '.*' row|line) \d+, column ", line))
    return lines[start + 1 : end], first_row if first_row > end else -1


def _positions(text: str) -> list[tuple[str, int]]:
    found = []
    for part in text.split("; "):
        sheet = re.match(r"sheet '(.*)' rows? ", part)
        numbers = part[sheet.end() :] if sheet else re.sub(r"^lines? ", "", part)
        found += [(sheet.group(1) if sheet else "", int(n)) for n in numbers.replace(" …", "").split(", ")]
    return found


@pytest.mark.parametrize(
    "relative", ["registry/新田县建档立卡贫困户信息表.xlsx", "registry/那曲县建档立卡贫困户.csv", "funds/贵阳经开区帮扶紫云县资金台账.xlsx"]
)
def test_validate_summarises_each_rule_before_the_rows(relative, capsys):
    code, text = _cli(capsys, "validate", str(SAMPLE / relative))
    _, payload = _cli(capsys, "validate", str(SAMPLE / relative), "--format", "json")
    problems = json.loads(payload)["problems"]
    assert code == 1 and problems
    summary, first_row = _summary(text)
    assert first_row > 0, "the summary comes before the first row"
    by_rule: dict[str, list[dict]] = {}
    for p in problems:
        by_rule.setdefault(p["rule"], []).append(p)
    assert len(summary) == len(by_rule), summary
    counts = []
    for line in summary:
        rule, rest = re.match(r"    (\S+) \(.*?\): (.*)$", line).groups()
        count, where = rest.split(", ", 1)
        counts.append(int(count))
        assert int(count) == len(by_rule[rule]), line
        expected = list(dict.fromkeys((p["sheet"] or "", p["row"]) for p in by_rule[rule]))[:5]
        assert _positions(where) == expected, line
        assert where.endswith(" …") == (len(by_rule[rule]) > len(expected)), line
    assert counts == sorted(counts, reverse=True), "the rules that break most rows first"
    assert [entry["count"] for entry in json.loads(payload)["by_rule"]] == counts


@pytest.mark.parametrize("report", REPORTS, ids=[p.suffix for p in REPORTS])
def test_a_report_given_to_validate_is_sent_to_extract_claims(report, capsys):
    code, text = _cli(capsys, "validate", str(report))
    assert code == 2
    lines = text.splitlines()
    assert lines[0].startswith(f"{report.name}: cannot be ingested")
    chinese, english = lines[1], lines[2]
    assert CJK.search(chinese) and "extract-claims" in chinese, chinese
    assert english.strip().startswith(report.name) and "extract-claims" in english, english
    assert f"does not pick up files named *{report.suffix}" not in text, "a run does read reports"


@pytest.fixture(scope="module")
def refused(tmp_path_factory) -> dict:
    cases = [case for case in CASES if case.exit_code == UNREADABLE]
    return {"cases": cases, "paths": build(tmp_path_factory.mktemp("refused"), cases)}


def test_file_level_refusals_are_said_in_chinese_and_english(refused, capsys):
    assert len(refused["cases"]) >= 15
    for case in refused["cases"]:
        path = refused["paths"][case.name]
        code, payload = _cli(capsys, "validate", str(path), "--format", "json")
        answer = json.loads(payload)
        assert code == 2, case.name
        assert answer["message_en"].startswith(case.filename) and LATIN_WORDS.search(answer["message_en"]), (case.name, answer)
        assert CJK.search(answer["message_zh"]) and case.filename not in answer["message_zh"], (case.name, answer["message_zh"])
        # Chinese beyond what the English quotes (headers, file names are often Chinese themselves).
        assert set(CJK.findall(answer["message_zh"])) - set(CJK.findall(answer["message_en"])), (case.name, answer)
        code, text = _cli(capsys, "validate", str(path))
        assert text.splitlines()[1:] == [f"  {answer['message_zh']}", f"  {answer['message_en']}"], (case.name, text)


LATIN_WORDS = re.compile(r"[A-Za-z]{3,}(?:\s+[A-Za-z]{2,})+")


@pytest.mark.parametrize("report", REPORTS, ids=[p.suffix for p in REPORTS])
def test_extract_claims_shows_each_figure_with_its_region_code_and_sentence(report, capsys):
    _, text = _cli(capsys, "extract-claims", str(report))
    _, payload = _cli(capsys, "extract-claims", str(report), "--format", "json")
    claims = json.loads(payload)["claims"]
    lines = text.splitlines()
    assert claims and any(claim["region_code"] for claim in claims)
    for index, claim in enumerate(claims):
        at = next(i for i, line in enumerate(lines) if line.startswith(f"  [{index}] "))
        code = claim["region_code"] or "no code / 无代码"
        assert lines[at].endswith(f"({code})"), lines[at]
        assert lines[at + 1].strip() == " ".join(claim["text"].split()), (lines[at + 1], claim["text"])
