"""`validate` on a fund ledger, a project list and a village list through the command line: it finds each
file's source and answers 0 (clean), 1 (rows rejected) or 2 (file refused)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.builders import FUND_HEADERS, PROJECT_HEADERS, VILLAGE_HEADERS, fund_row, project_row, village_row, write_table

ROOT = Path(__file__).resolve().parents[2]


def _validate(path: Path, *extra: str) -> tuple[int, dict]:
    result = subprocess.run(
        [sys.executable, "-m", "etl_project", "validate", str(path), "--format", "json", *extra], capture_output=True, text=True, cwd=ROOT
    )
    assert "Traceback" not in result.stderr, result.stderr
    return result.returncode, json.loads(result.stdout)


def test_validate_detects_each_source_and_answers_0_1_2(tmp_path: Path):
    clean_projects = tmp_path / "projects.xlsx"
    write_table(clean_projects, PROJECT_HEADERS, [project_row()], "紫云县扶贫项目库", "单位：万元")
    code, verdict = _validate(clean_projects)
    assert code == 0 and verdict["source"] == "projects" and verdict["status"] == "ok" and verdict["rows_ok"] == 1

    villages = tmp_path / "villages.xlsx"
    write_table(villages, VILLAGE_HEADERS, [village_row(), village_row(**{"行政村": "新寨村", "农业人口": 9999})], "名单", "单位：人")
    code, verdict = _validate(villages)
    assert code == 1 and verdict["source"] == "villages" and verdict["rows_rejected"] == 1
    problem = verdict["problems"][0]
    assert problem["rule"] == "agricultural_above_registered" and problem["row"] == 5 and problem["message_zh"] and problem["message_en"]

    ledger = tmp_path / "ledger.xlsx"
    rows = write_table(
        ledger,
        FUND_HEADERS,
        [fund_row(1), ["合计", "", "", "", "", "", "", "", "", "", "", 99, ""]],
        "贵阳经开区2019年对口帮扶紫云县资金台账",
        "单位：万元",
        sheet="台账",
    )
    code, verdict = _validate(ledger)
    assert code == 1 and verdict["source"] == "funds"
    assert [p["rule"] for p in verdict["problems"]] == ["total_mismatch"] and verdict["problems"][0]["row"] == rows[1]

    not_a_sheet = tmp_path / "photo.xlsx"
    not_a_sheet.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    code, verdict = _validate(not_a_sheet)
    assert code == 2 and verdict["status"] == "unreadable" and "photo.xlsx" in verdict["message"]

    code, verdict = _validate(clean_projects, "--source", "villages")
    assert code == 2 and "missing required columns" in verdict["message"]
