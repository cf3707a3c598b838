"""A file's partition tells its own story, where an engineer looks for it: a file that loaded has its
own counts, sheets, header row, unit and problems by rule on its staged_file partition; a file that
fails has its reason on its partition's check, in the run's failure and in the alert line, said once
and with personal data masked. Read through the Dagster webserver's GraphQL and in headless Chromium,
over a Dagster home that keeps its history like a deployment's."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from etl_project.ingest.resources import AlertsResource
from etl_project.orchestration.runner import PipelineRun, run_pipeline
from etl_project.orchestration.sensors import run_failure_recorder
from etl_project.warehouse.engine import opened
from schemas.tables import LOAD_AUDIT, QUARANTINE
from tests import dagster_ui
from tests.builders import PROJECT_HEADERS, VALID_IDS, household, project_row, write_csv, write_table, write_xlsx

REGISTRY = "registry/紫云县建档立卡贫困户信息表.xlsx"
PROJECTS = "projects/紫云县扶贫项目库.xlsx"
# A county names its file after the person who filled it in, ID number included: the name must be
# masked wherever the file is named.
PERSON, PERSON_ID = "王小明", VALID_IDS[1]
BROKEN_NAME = f"{PERSON}_{PERSON_ID}.csv"

# What the files below hold, as written: the counts each partition must tell.
REGISTRY_ROWS = [household(户编号=f"520425001000{i}", 证件号码=VALID_IDS[i]) for i in (2, 3, 4)] + [
    household(户编号="5204250010009", 证件号码="123")
]
REGISTRY_COUNTS = {"rows_loaded": 3, "rows_quarantined": 1, "skipped_blank": 1, "skipped_total": 1, "skipped_note": 2, "skipped_section": 0}
PROJECT_ROWS = [project_row(), project_row(项目编号="ZY-2019-002", 项目名称="大河村养牛项目")]
SHEETS = {REGISTRY: "花名册", PROJECTS: "Sheet1"}
PROJECT_COUNTS = {"rows_loaded": 2, "rows_quarantined": 0, "skipped_blank": 0, "skipped_total": 0, "skipped_note": 0, "skipped_section": 0}

MATERIALIZATION = """
query Materialization($partitions: [String!]) {
  assetOrError(assetKey: {path: ["staged_file"]}) {
    ... on Asset {
      assetMaterializations(partitions: $partitions, limit: 1) {
        partition runId
        metadataEntries {
          label
          ... on IntMetadataEntry { intValue }
          ... on TextMetadataEntry { text }
          ... on MarkdownMetadataEntry { mdStr }
          ... on JsonMetadataEntry { jsonString }
        }
      }
    }
  }
}"""

CHECK = """
query Check($partition: String) {
  assetCheckExecutions(assetKey: {path: ["staged_file"]}, checkName: "file_readable", partition: $partition, limit: 1) {
    status runId
    evaluation {
      success severity description partition targetMaterialization { runId }
      metadataEntries { label ... on TextMetadataEntry { text } }
    }
  }
}"""

RUN_LOG = """
query RunLog($runId: ID!) {
  runOrError(runId: $runId) { ... on Run { status } }
  logsForRun(runId: $runId) {
    ... on EventConnection {
      events {
        __typename
        ... on ExecutionStepFailureEvent {
          stepKey
          error { message }
          failureMetadata { metadataEntries { label ... on JsonMetadataEntry { jsonString } } }
        }
      }
    }
  }
}"""


@dataclass(frozen=True)
class Story:
    home: Path
    first: PipelineRun  # every file loaded
    second: PipelineRun  # the person-named file came back broken
    audit: dict  # source_file -> load_audit row of the run it was last read in
    rules: dict  # source_file -> {rule: problems} as the quarantine holds them
    failed_file: str  # the broken file's label, as load_audit names it
    reason: str  # its reason, as load_audit records it


@pytest.fixture(scope="module")
def story(tmp_path_factory) -> Story:
    root = tmp_path_factory.mktemp("partition_story")
    raw = root / "raw"
    (raw / "registry").mkdir(parents=True)
    (raw / "projects").mkdir()
    write_xlsx(raw / REGISTRY, REGISTRY_ROWS, blank_after=(1,))
    write_table(raw / PROJECTS, PROJECT_HEADERS, PROJECT_ROWS, "紫云县扶贫项目库", "单位：万元")
    broken = raw / "registry" / BROKEN_NAME
    write_csv(broken, [household(户编号="5204250010005", 证件号码=VALID_IDS[5])], "utf-8")
    home = root / "dagster_home"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
    url = f"duckdb:///{root / 'warehouse.duckdb'}"
    with dg.DagsterInstance.from_config(str(home)) as instance:
        first = run_pipeline(raw, url, instance)
        # The county sends it again without its table: no row looks like a header.
        broken.write_text("这份文件只有说明文字\n表格另行报送\n", encoding="utf-8")
        second = run_pipeline(raw, url, instance)
    with opened(url) as db:
        audit = db.query(
            f"SELECT * FROM {db.name(LOAD_AUDIT)} WHERE run_id IN (:a, :b) AND status <> 'unchanged' ORDER BY loaded_at",
            {"a": first.run_id, "b": second.run_id},
        )
        quarantine = db.query(f"SELECT source_file, rule, COUNT(*) AS n FROM {db.name(QUARANTINE)} GROUP BY source_file, rule")
    rows = {row["source_file"]: row for row in audit.to_dict("records")}
    [failed] = [row for row in rows.values() if row["status"] == "failed"]
    rules: dict = {}
    for row in quarantine.itertuples():
        rules.setdefault(row.source_file, {})[row.rule] = int(row.n)
    return Story(home, first, second, rows, rules, failed["source_file"], failed["message"])


@pytest.fixture(scope="module")
def web(story):
    with dagster_ui.webserver(story.home) as base:
        yield base


def _metadata(entries: list[dict]) -> dict:
    return {e["label"]: next((e[k] for k in ("intValue", "text", "mdStr", "jsonString") if k in e), None) for e in entries}


def _markdown_rows(table: str) -> list[list[str]]:
    lines = [line for line in table.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def test_the_runs_went_as_the_files_were_written(story):
    assert story.first.success and not story.first.files_failed
    assert story.second.files_failed and story.second.success  # the warehouse was rebuilt from what loaded
    assert story.failed_file.startswith("registry/") and PERSON_ID not in story.failed_file and PERSON not in story.failed_file
    assert "no header row" in story.reason


def test_a_loaded_file_partition_carries_its_own_counts(story, web):
    told = {}
    for file, written in ((REGISTRY, REGISTRY_COUNTS), (PROJECTS, PROJECT_COUNTS)):
        [materialization] = dagster_ui.graphql(web, MATERIALIZATION, {"partitions": [file]})["assetOrError"]["assetMaterializations"]
        assert materialization["partition"] == file and materialization["runId"] == story.first.run_id
        metadata = _metadata(materialization["metadataEntries"])
        told[file] = metadata
        audit = story.audit[file]
        # As the file was written, and as load_audit accounts for it.
        for name, count in written.items():
            assert metadata[name] == count == audit[name], name
        skipped = sum(written[k] for k in ("skipped_blank", "skipped_total", "skipped_note", "skipped_section"))
        assert metadata["rows_skipped"] == skipped
        assert metadata["rows_read"] == written["rows_loaded"] + written["rows_quarantined"] + skipped == audit["rows_read"]
        assert metadata["dagster/row_count"] == written["rows_loaded"]
        assert metadata["status"] == "loaded" and metadata["source"] == file.split("/")[0]
        # Title on row 1, unit line on row 2: the header starts on row 3.
        assert metadata["header_row"] == 3
        [sheet] = _markdown_rows(metadata["sheets"])
        assert sheet[:3] == [SHEETS[file], "yes", "3"] and metadata["sheets_read"] == SHEETS[file]
        # Its problems by rule, as the quarantine holds them for this file alone.
        by_rule = {row[0]: int(row[1]) for row in _markdown_rows(metadata.get("problems_by_rule", ""))}
        assert bool(by_rule) == bool(written["rows_quarantined"])
        assert by_rule == story.rules.get(file, {})
        assert metadata["problems"] == sum(story.rules.get(file, {}).values())
        # Nothing of the run: no totals of the tables or of the other files.
        assert not any(label.startswith(("rows_in_", "files_")) or label == "per_file" for label in metadata), sorted(metadata)
    assert told[REGISTRY]["unit"] == "元"  # the unit line says 单位：人、元
    assert told[PROJECTS]["unit"] == "万元"  # 单位：万元, and its one money header says 万元 too


def test_a_failed_file_partition_check_gives_its_reason_once(story, web):
    [execution] = dagster_ui.graphql(web, CHECK, {"partition": story.failed_file})["assetCheckExecutions"]
    evaluation = execution["evaluation"]
    assert execution["status"] == "FAILED" and execution["runId"] == story.second.run_id
    assert evaluation["success"] is False and evaluation["severity"] == "ERROR" and evaluation["partition"] == story.failed_file
    metadata = _metadata(evaluation["metadataEntries"])
    assert metadata["file"] == story.failed_file
    assert metadata["reason"] == story.reason  # the reason load_audit records, word for word
    assert story.failed_file not in story.reason  # the file is named beside it, not in it
    assert evaluation["description"].count(story.reason) == 1 and "未能装载" in evaluation["description"]
    # Its last good load stands, and the check is of that materialization.
    assert "1" in metadata["kept"] and evaluation["targetMaterialization"]["runId"] == story.first.run_id
    # The files that loaded pass their own partitions' check.
    for file in (REGISTRY, PROJECTS):
        [passed] = dagster_ui.graphql(web, CHECK, {"partition": file})["assetCheckExecutions"]
        assert passed["status"] == "SUCCEEDED", file


def test_the_run_failure_names_the_file_and_its_reason_once(story, web):
    answer = dagster_ui.graphql(web, RUN_LOG, {"runId": story.second.run_id})
    assert answer["runOrError"]["status"] == "FAILURE"
    [failure] = [e for e in answer["logsForRun"]["events"] if e["__typename"] == "ExecutionStepFailureEvent"]
    assert failure["stepKey"] == "staged_file"
    message = failure["error"]["message"]
    assert message.count(story.failed_file) == 1 and message.count(story.reason) == 1
    assert f"{story.failed_file}: {story.reason}" in message
    assert "未能装载" in message and "failed to load" in message
    [listed] = [json.loads(e["jsonString"]) for e in failure["failureMetadata"]["metadataEntries"] if e["label"] == "failed_files"]
    assert listed == [{"file": story.failed_file, "reason": story.reason}]
    # What the command line shows of the step is the same account.
    assert dict(story.second.step_failures())["staged_file"].count(story.reason) == 1


def test_the_alert_line_names_the_failed_file(story, tmp_path):
    alerts = tmp_path / "run_failures.jsonl"
    failed_run = story.second.results[0]
    with dg.DagsterInstance.from_config(str(story.home)) as instance:
        context = dg.build_run_status_sensor_context(
            sensor_name=run_failure_recorder.name,
            dagster_event=failed_run.get_run_failure_event(),
            dagster_instance=instance,
            dagster_run=failed_run.dagster_run,
            resources={"alerts": AlertsResource(file=str(alerts))},
        ).for_run_failure()
        run_failure_recorder(context)
    [line] = alerts.read_text(encoding="utf-8").splitlines()
    entry = json.loads(line)
    assert entry["run_id"] == story.second.run_id and entry["failed_steps"] == ["staged_file"]
    assert entry["files"] == [{"file": story.failed_file, "reason": story.reason}]
    assert PERSON_ID not in line and PERSON not in line


def test_no_answer_names_the_person_the_file_is_named_after(story, web):
    answers = json.dumps(
        [
            dagster_ui.graphql(web, CHECK, {"partition": story.failed_file}),
            dagster_ui.graphql(web, RUN_LOG, {"runId": story.second.run_id}),
            dagster_ui.graphql(web, MATERIALIZATION, {"partitions": [story.failed_file]}),
        ],
        ensure_ascii=False,
    )
    assert story.failed_file in answers
    assert PERSON_ID not in answers and PERSON not in answers
    # The ID number's digits are masked in the middle, not left whole under another spelling.
    assert not re.search(r"\d{17}[\dXx]", answers)


@pytest.mark.skipif(dagster_ui.CHROMIUM is None, reason=dagster_ui.NO_CHROMIUM)
def test_the_failed_partition_reason_shows_in_the_ui(story, web, tmp_path):
    """Opens staged_file's file check as an engineer would, picks the failed file among its
    partitions, and keeps a screenshot of what the UI says of it."""
    with dagster_ui.chromium(tmp_path / "profile") as page:
        page.open(f"{web}/assets/staged_file?view=checks&checkDetail=file_readable")
        page.wait_for_text("file_readable")
        page.skip_first_visit_dialog()
        # The check's own Partitions tab (the asset has one too, further up the page).
        assert page.evaluate(
            "(() => { const tabs = [...document.querySelectorAll('button, [role=tab]')]"
            ".filter(e => e.innerText && e.innerText.trim() === 'Partitions');"
            " if (!tabs.length) return false; tabs[tabs.length - 1].click(); return true; })()"
        )
        page.wait_for_text(story.failed_file, timeout=30)
        clicked = page.evaluate(
            "(() => { const found = [...document.querySelectorAll('*')].filter(e => e.children.length === 0"
            f" && e.innerText && e.innerText.trim() === {json.dumps(story.failed_file)});"
            " if (!found.length) return false; found[found.length - 1].click(); return true; })()"
        )
        assert clicked, "the failed file is not among the check's partitions"
        text = page.wait_for_text(story.reason[:60], timeout=30)
        time.sleep(1)
        shot = page.screenshot()
    (tmp_path / "failed-partition.png").write_bytes(shot)
    assert shot.startswith(b"\x89PNG") and len(shot) > 20_000
    assert story.reason[:60] in text and "未能装载" in text
    assert "Failed" in text
    assert PERSON_ID not in text and PERSON not in text
