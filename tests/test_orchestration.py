"""Sensors, the failure record, and the production instance configuration."""

from __future__ import annotations

import json
import shutil
import time
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from etl_project.definitions import FULL_JOB_NAME, build_definitions
from etl_project.sensors import build_raw_files_sensor, record_failure

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "raw"


def test_sensor_sees_new_changed_and_removed_files_once(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    sensor = build_raw_files_sensor(FULL_JOB_NAME, str(raw))
    with dg.instance_for_test() as instance:
        context = dg.build_sensor_context(instance=instance)
        first = sensor(context)
        assert isinstance(first, dg.RunRequest)
        cursor = json.loads(context.cursor)
        assert len(cursor) == sum(1 for p in raw.rglob("*") if p.is_file())

        context = dg.build_sensor_context(instance=instance, cursor=json.dumps(cursor))
        assert isinstance(sensor(context), dg.SkipReason)

        # Touched but not changed: no run.
        village = next((raw / "villages").iterdir())
        time.sleep(0.01)
        village.touch()
        context = dg.build_sensor_context(instance=instance, cursor=json.dumps(cursor))
        assert isinstance(sensor(context), dg.SkipReason)
        cursor = json.loads(context.cursor)

        # Changed content: a run whose key names that content.
        ledger = next((raw / "funds").glob("*.csv"))
        ledger.write_bytes(ledger.read_bytes() + b"\n")
        context = dg.build_sensor_context(instance=instance, cursor=json.dumps(cursor))
        changed = sensor(context)
        assert isinstance(changed, dg.RunRequest) and "1 changed" in changed.tags["etl/changes"]
        again = sensor(dg.build_sensor_context(instance=instance, cursor=json.dumps(cursor)))
        assert again.run_key == changed.run_key  # the same change never makes a second, different run
        cursor = json.loads(context.cursor)

        village.unlink()
        context = dg.build_sensor_context(instance=instance, cursor=json.dumps(cursor))
        removed = sensor(context)
        assert isinstance(removed, dg.RunRequest) and "1 removed" in removed.tags["etl/changes"]
        assert removed.run_key != changed.run_key


def test_failed_runs_are_recorded_for_alerts(tmp_path, monkeypatch):
    monkeypatch.setenv("ETL_ALERTS_FILE", str(tmp_path / "alerts" / "failures.jsonl"))
    path = record_failure("run-1", FULL_JOB_NAME, "step source_staging failed: disk full", ["source_staging"])
    entry = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    assert entry["run_id"] == "run-1" and entry["failed_steps"] == ["source_staging"] and "disk full" in entry["reason"]


def test_marts_carry_a_freshness_policy_and_code_references():
    graph = build_definitions().resolve_asset_graph()
    mart = graph.get(dg.AssetKey("mart_poverty_exit"))
    assert mart.freshness_policy is not None
    assert "dagster/code_references" in mart.metadata
    assert build_definitions().resolve_job_def(FULL_JOB_NAME).tags.get("etl/warehouse") == "write"


@pytest.mark.postgres
def test_postgres_backed_instance_runs_the_job(postgres_database, tmp_path, monkeypatch):
    """deploy/dagster.yaml as shipped: runs and events stored in PostgreSQL."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(ROOT / "deploy" / "dagster.yaml", home / "dagster.yaml")
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    monkeypatch.setenv("DAGSTER_PG_URL", postgres_database.replace("postgresql+psycopg://", "postgresql+psycopg2://"))
    warehouse = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with dg.DagsterInstance.get() as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        result = build_definitions(str(SAMPLE), warehouse).resolve_job_def(FULL_JOB_NAME).execute_in_process(
            instance=instance, raise_on_error=False
        )
        assert result.success
    engine = sa.create_engine(postgres_database)
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT COUNT(*) FROM runs WHERE run_id = :r"), {"r": result.run_id}).scalar()
    engine.dispose()
    assert stored == 1
