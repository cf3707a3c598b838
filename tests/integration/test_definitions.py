"""The code location loads, and every asset says what it is, who owns it and what it holds."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pytest

from etl_project.ingest.partitions import RAW_FILES
from etl_project.orchestration.definitions import FULL_JOB_NAME, build_definitions, defs
from schemas import source_catalog
from tests import dagster_ui

ROOT = Path(__file__).resolve().parents[2]
GROUPS = {"raw", "staging", "warehouse", "marts", "reports", "serving"}


def test_every_asset_has_group_description_owner_kind():
    graph = defs().resolve_asset_graph()
    keys = graph.get_all_asset_keys()
    assert {k.to_user_string() for k in keys} >= {
        "raw_file",
        "staged_file",
        "report_claim",
        "report_finding",
        "stg_household",
        "stg_fund_movement",
        "stg_project",
        "stg_village",
        "stg_ledger_total",
        "quarantine",
        "load_audit",
        "dim_region",
        "dim_donor",
        "dim_project",
        "fact_household",
        "fact_investment",
        "mart_poverty_exit",
        "mart_investment",
    }
    for key in keys:
        node = graph.get(key)
        assert node.group_name in GROUPS, key
        assert node.description and any("\u4e00" <= ch <= "\u9fff" for ch in node.description), key
        assert node.owners == ["team:data-engineering"], key
        assert node.kinds, key
        if node.group_name not in ("raw", "serving"):
            assert "dagster/column_schema" in node.metadata, key
            # A per-file partition writes rows to its source's table; every other asset is one table.
            assert "dagster/table_name" in node.metadata or node.partitions_def is not None, key


def test_lineage_runs_raw_to_marts():
    graph = defs().resolve_asset_graph()
    upstream = {k.to_user_string() for k in graph.get(dg.AssetKey("mart_poverty_exit")).parent_keys}
    assert upstream == {"fact_household", "dim_region"}
    investment = {k.to_user_string() for k in graph.get(dg.AssetKey("mart_investment")).parent_keys}
    assert investment == {"fact_investment", "dim_project", "dim_region"}
    assert {k.to_user_string() for k in graph.get(dg.AssetKey("stg_household")).parent_keys} == {"staged_file"}
    assert {k.to_user_string() for k in graph.get(dg.AssetKey("staged_file")).parent_keys} == {"raw_file"}
    # Raw and staged files are partitioned per file; everything from the staging tables on is whole.
    for name in ("raw_file", "staged_file"):
        assert graph.get(dg.AssetKey(name)).partitions_def == RAW_FILES
    assert graph.get(dg.AssetKey("stg_household")).partitions_def is None
    assert "dagster/column_lineage" in graph.get(dg.AssetKey("mart_poverty_exit")).metadata


def test_nightly_schedule_runs_every_file_partition_in_one_run(tmp_path):
    schedule = defs().resolve_schedule_def("nightly_warehouse_refresh")
    assert schedule.cron_schedule == "0 2 * * *" and schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.job_name == FULL_JOB_NAME
    raw = tmp_path / "raw"
    shutil.copytree(ROOT / "data" / "raw", raw)
    nightly = build_definitions(str(raw), "duckdb:///y.duckdb").resolve_schedule_def("nightly_warehouse_refresh")
    with dg.instance_for_test() as instance:
        request = nightly(dg.build_schedule_context(instance=instance))
        keys = instance.get_dynamic_partitions(RAW_FILES.name)
        # Every spreadsheet became a partition, and one run spans them all.
        files = [p for s in source_catalog.source_names() for p in (raw / s).iterdir()]
        assert len(keys) == len(files) > 0
        assert request.tags["dagster/asset_partition_range_start"] == keys[0]
        assert request.tags["dagster/asset_partition_range_end"] == keys[-1]
        (raw / "registry" / sorted(os.listdir(raw / "registry"))[0]).unlink()
        nightly(dg.build_schedule_context(instance=instance))
        assert len(instance.get_dynamic_partitions(RAW_FILES.name)) == len(keys) - 1


def test_dagster_definitions_validate_on_workspace():
    dagster = Path(sys.executable).parent / "dagster"
    result = subprocess.run(
        [str(dagster), "definitions", "validate", "-w", "workspace.yaml"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_webserver_serves_the_asset_graph(webserver):
    """What `dagster dev` shows: the webserver on workspace.yaml answers with the asset graph."""
    nodes = dagster_ui.graphql(
        webserver,
        "{ assetNodes { assetKey { path } dependencyKeys { path } groupName isPartitioned partitionDefinition { dimensionTypes { dynamicPartitionsDefinitionName } } } }",
    )["assetNodes"]
    graph = {n["assetKey"]["path"][0]: ({d["path"][0] for d in n["dependencyKeys"]}, n["groupName"]) for n in nodes}
    assert graph["mart_poverty_exit"] == ({"fact_household", "dim_region"}, "marts")
    assert graph["mart_investment"] == ({"fact_investment", "dim_project", "dim_region"}, "marts")
    assert graph["raw_file"] == (set(), "raw")
    assert graph["staged_file"] == ({"raw_file"}, "staging")
    assert graph["stg_household"] == ({"staged_file"}, "staging")
    partitioned = {
        n["assetKey"]["path"][0]: n["partitionDefinition"]["dimensionTypes"][0]["dynamicPartitionsDefinitionName"]
        for n in nodes
        if n["isPartitioned"]
    }
    assert partitioned == {"raw_file": "raw_files", "staged_file": "raw_files"}
    assert graph["reconciliation"][1] == "reports"


@pytest.mark.skipif(dagster_ui.CHROMIUM is None, reason=dagster_ui.NO_CHROMIUM)
def test_asset_graph_page_renders_in_headless_chromium(webserver, tmp_path):
    """Opens the asset graph as an engineer would, dismisses the first-visit dialog, and keeps a
    screenshot in the test's output folder."""
    with dagster_ui.chromium(tmp_path / "profile") as page:
        page.open(f"{webserver}/asset-groups")
        page.wait_for_text("raw")
        page.skip_first_visit_dialog()
        time.sleep(1)
        text = page.text()
        shot = page.screenshot()
    screenshot = tmp_path / "asset-groups.png"
    screenshot.write_bytes(shot)
    assert shot.startswith(b"\x89PNG") and len(shot) > 20_000
    for group in ("raw", "staging", "warehouse", "marts", "reports"):
        assert group in text, f"group {group} not on the page"
    assert "Join the Dagster community" not in text
