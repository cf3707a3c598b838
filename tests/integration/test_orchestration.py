"""Sensors, the failure record, and the production instance configuration."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from etl_project.ingest.partitions import RAW_FILES
from etl_project.orchestration.definitions import FULL_JOB_NAME, REFRESH_JOB_NAME, build_definitions
from etl_project.orchestration.runner import run_pipeline
from etl_project.orchestration.sensors import record_failure
from etl_project.warehouse.engine import opened
from schemas import source_catalog
from schemas.tables import LOAD_AUDIT, MART_POVERTY_EXIT

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "raw"
WANGMO, WANGMO_CODE = "registry/望谟县扶贫对象信息.csv", "522326"


def _sensor(raw: Path) -> dg.SensorDefinition:
    defs = build_definitions(str(raw), "duckdb:///unused.duckdb")
    return defs.resolve_sensor_def("raw_files_sensor")


def _evaluate(sensor, instance, cursor):
    """One tick, as the daemon makes it: the partition requests are applied before the next."""
    context = dg.build_sensor_context(instance=instance, cursor=json.dumps(cursor) if cursor is not None else None)
    result = sensor(context)
    if isinstance(result, dg.SensorResult):
        for request in result.dynamic_partitions_requests or []:
            if isinstance(request, dg.AddDynamicPartitionsRequest):
                instance.add_dynamic_partitions(request.partitions_def_name, list(request.partition_keys))
            else:
                for key in request.partition_keys:
                    instance.delete_dynamic_partition(request.partitions_def_name, key)
    return result, json.loads(context.cursor)


def test_sensor_keeps_partitions_in_step_and_launches_only_what_changed(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    sensor = _sensor(raw)
    files = sorted(p.relative_to(raw).as_posix() for s in source_catalog.source_names() for p in (raw / s).iterdir())
    with dg.instance_for_test() as instance:
        first, cursor = _evaluate(sensor, instance, None)
        assert sorted(instance.get_dynamic_partitions(RAW_FILES.name)) == files
        [everything] = first.run_requests
        assert everything.job_name == FULL_JOB_NAME and everything.partition_key is None
        assert everything.tags["dagster/asset_partition_range_end"] == instance.get_dynamic_partitions(RAW_FILES.name)[-1]

        unchanged, cursor = _evaluate(sensor, instance, cursor)
        assert isinstance(unchanged, dg.SkipReason)

        # Touched but not changed: no run.
        village = next((raw / "villages").iterdir())
        time.sleep(0.01)
        village.touch()
        touched, cursor = _evaluate(sensor, instance, cursor)
        assert isinstance(touched, dg.SkipReason)

        # One county's registry changed: a run of its partition alone, keyed by the change of content.
        registry = next((raw / "registry").glob("*.csv"))
        registry.write_bytes(registry.read_bytes() + b"\n")
        changed, after_change = _evaluate(sensor, instance, cursor)
        [one] = changed.run_requests
        assert one.partition_key == registry.relative_to(raw).as_posix() and one.job_name == FULL_JOB_NAME
        again, _ = _evaluate(sensor, instance, cursor)
        assert again.run_requests[0].run_key == one.run_key  # the same change never makes a second, different run
        cursor = after_change

        # A project list changed: every ledger is judged again, so one run spans every file.
        projects = next((raw / "projects").iterdir())
        projects.write_bytes(projects.read_bytes() + b"\0")
        listed, cursor = _evaluate(sensor, instance, cursor)
        [span] = listed.run_requests
        assert span.partition_key is None and "dagster/asset_partition_range_start" in span.tags

        # Removed: its partition goes, and a refresh (no file to read) takes its rows out.
        village.unlink()
        removed, cursor = _evaluate(sensor, instance, cursor)
        [refresh] = removed.run_requests
        assert refresh.job_name == REFRESH_JOB_NAME and "1 removed" in refresh.tags["etl/changes"]
        assert village.relative_to(raw).as_posix() not in instance.get_dynamic_partitions(RAW_FILES.name)


def test_started_on_a_current_warehouse_the_sensor_and_the_nightly_read_no_file(tmp_path):
    """`dagster dev` on a warehouse a command-line pass just brought up to date: a new instance, the
    sensor's first tick and the nightly schedule plan no file; one changed file afterwards, that file."""
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with dg.DagsterInstance.ephemeral() as instance:
        assert run_pipeline(raw, url, instance, log_level="ERROR").success
    defs = build_definitions(str(raw), url)
    sensor, nightly = defs.resolve_sensor_def("raw_files_sensor"), defs.resolve_schedule_def("nightly_warehouse_refresh")
    with dg.instance_for_test() as instance:
        first, cursor = _evaluate(sensor, instance, None)
        assert isinstance(first, dg.SensorResult) and first.run_requests == []
        registered = instance.get_dynamic_partitions(RAW_FILES.name)
        assert WANGMO in registered and len(registered) == len(cursor)  # partitions registered, every file known
        assert isinstance(_evaluate(sensor, instance, cursor)[0], dg.SkipReason)

        # The nightly reads no file either: the part of the job after staging, over no partition.
        quiet = nightly(dg.build_schedule_context(instance=instance))
        selected = {key.to_user_string() for key in quiet.asset_selection}
        assert "dagster/asset_partition_range_start" not in quiet.tags and quiet.partition_key is None
        assert "mart_poverty_exit" in selected and not selected & {"raw_file", "staged_file"}

        wangmo = raw / WANGMO
        wangmo.write_bytes(wangmo.read_bytes() + b"\n")
        changed, _ = _evaluate(sensor, instance, cursor)
        [one] = changed.run_requests
        assert one.partition_key == WANGMO and ":new->" not in one.run_key  # changed from what was loaded, not new
        after = nightly(dg.build_schedule_context(instance=instance))
        assert after.tags["dagster/asset_partition_range_start"] == after.tags["dagster/asset_partition_range_end"] == WANGMO
        assert after.asset_selection is None


def test_the_sensors_first_look_waits_while_the_warehouse_is_held(tmp_path):
    """A DuckDB file held by another process cannot say what it holds: no run of every file meanwhile."""
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    path = tmp_path / "w.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", f"import duckdb, sys; c = duckdb.connect({str(path)!r}); print('held', flush=True); sys.stdin.read()"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        sensor = build_definitions(str(raw), f"duckdb:///{path}").resolve_sensor_def("raw_files_sensor")
        with dg.instance_for_test() as instance:
            context = dg.build_sensor_context(instance=instance)
            result = sensor(context)
            assert isinstance(result, dg.SkipReason) and "could not be asked" in result.skip_message
            assert context.cursor is None  # the next tick looks again
    finally:
        holder.communicate("")


def _pending_runs(instance, storage, pool: str) -> list[str]:
    runs = instance.get_runs()
    return [run.run_id for run in runs if run.run_id in storage.get_concurrency_info(pool).pending_run_ids]


def test_steps_run_in_process_still_wait_for_the_warehouse_pool(tmp_path):
    """The pool "warehouse" as deploy/dagster.yaml sets it: while another run holds its one slot, no
    step of this run opens the warehouse; once the slot is free, the run goes on and succeeds."""
    from assets.metadata import WAREHOUSE_POOL

    warehouse = tmp_path / "w.duckdb"
    # One county's registry is run enough: the test is about when steps start, not what they read.
    raw = tmp_path / "raw"
    (raw / "registry").mkdir(parents=True)
    shutil.copy(SAMPLE / WANGMO, raw / WANGMO)
    pools = {"concurrency": {"pools": {"granularity": "op", "default_limit": 1}}}
    with dg.instance_for_test(overrides=pools) as instance:
        storage = instance.event_log_storage
        storage.set_concurrency_slots(WAREHOUSE_POOL, 1)
        assert storage.claim_concurrency_slot(WAREHOUSE_POOL, "another-run", "its-step").is_claimed
        outcome = {}
        worker = threading.Thread(
            target=lambda: outcome.update(run=run_pipeline(raw, f"duckdb:///{warehouse}", instance, log_level="ERROR"))
        )
        worker.start()
        # The run is created, then its first step asks for the slot: wait for both, however loaded the machine.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _pending_runs(instance, storage, WAREHOUSE_POOL):
            time.sleep(0.5)
        time.sleep(2)  # a step that wrongly went ahead would have started by now
        [waiting] = instance.get_runs()
        started = [e.dagster_event.step_key for e in instance.all_logs(waiting.run_id, of_type=dg.DagsterEventType.STEP_START)]
        assert worker.is_alive() and started == [] and not warehouse.exists()
        assert waiting.run_id in storage.get_concurrency_info(WAREHOUSE_POOL).pending_run_ids  # waiting for the slot
        storage.free_concurrency_slot_for_step("another-run", "its-step")
        worker.join(timeout=600)
    assert outcome["run"].success and warehouse.exists()


def test_the_sensors_run_for_one_changed_file_rereads_it_alone_and_updates_the_marts(tmp_path):
    """The done-when of orchestration: change one county's file, let the sensor act, run what it asks."""
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    defs = build_definitions(str(raw), url)
    sensor = defs.resolve_sensor_def("raw_files_sensor")
    # In memory: what the sensor registers and the runs' history are the same, without a file per event.
    with dg.DagsterInstance.ephemeral() as instance:
        first, cursor = _evaluate(sensor, instance, None)
        assert run_requested(defs, instance, first.run_requests[0]).success
        before = _county_registered(url, WANGMO_CODE)

        wangmo = raw / WANGMO
        lines = wangmo.read_text(encoding="utf-8-sig").splitlines(keepends=True)
        first_household = next(i for i, line in enumerate(lines) if line.startswith("望谟县,"))
        del lines[first_household]
        wangmo.write_text("".join(lines), encoding="utf-8-sig")
        changed, cursor = _evaluate(sensor, instance, cursor)
        [request] = changed.run_requests
        result = run_requested(defs, instance, request)
        assert result.success
    with opened(url) as db:
        audit = db.query(f"SELECT source_file, status FROM {db.name(LOAD_AUDIT)} WHERE run_id = :r", {"r": result.run_id})
    assert audit.values.tolist() == [[WANGMO, "loaded"]]
    staged = [m.partition for m in result.asset_materializations_for_node("staged_file")]
    assert staged == [WANGMO]
    after = _county_registered(url, WANGMO_CODE)
    assert after != before
    # What the sensor's run left equals a clean run over the changed folder.
    clean = f"duckdb:///{tmp_path / 'clean.duckdb'}"
    with dg.DagsterInstance.ephemeral() as instance:
        assert run_pipeline(raw, clean, instance).success
    assert after == _county_registered(clean, WANGMO_CODE)
    assert _mart(url).equals(_mart(clean))


def _mart(url: str):
    with opened(url) as db:
        return db.query(f"SELECT * FROM {db.name(MART_POVERTY_EXIT)} ORDER BY region_level, region_code, year")


def run_requested(defs, instance, request: dg.RunRequest):
    job = defs.resolve_job_def(request.job_name)
    return job.execute_in_process(instance=instance, raise_on_error=False, partition_key=request.partition_key, tags=request.tags)


def _county_registered(url: str, code: str) -> int:
    with opened(url) as db:
        return int(
            db.scalar(
                f"SELECT registered_households FROM {db.name(MART_POVERTY_EXIT)} WHERE region_level = 'county' "
                "AND region_code = :c AND year = 2020",
                {"c": code},
            )
        )


def test_failed_runs_are_recorded_for_alerts(tmp_path):
    path = record_failure(
        tmp_path / "alerts" / "failures.jsonl", "run-1", FULL_JOB_NAME, "step staging_tables failed: disk full", ["staging_tables"]
    )
    entry = json.loads(path.read_text(encoding="utf-8").splitlines()[-1])
    assert entry["run_id"] == "run-1" and entry["failed_steps"] == ["staging_tables"] and "disk full" in entry["reason"]


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
        assert instance.get_ref().storage_data.class_name == "PooledPostgresStorage"
        connections_before = _server_connections(postgres_database)
        result = run_pipeline(SAMPLE, warehouse, instance)
        assert result.success
        # The storage keeps its connections: a run of some forty steps opens a handful, not hundreds.
        assert _server_connections(postgres_database) - connections_before < 20
    engine = sa.create_engine(postgres_database)
    with engine.connect() as connection:
        stored = connection.execute(sa.text("SELECT COUNT(*) FROM runs WHERE run_id = :r"), {"r": result.run_id}).scalar()
    engine.dispose()
    assert stored == 1


def _server_connections(database_url: str) -> int:
    """Connections the server has accepted to this database since its statistics were reset."""
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT pg_stat_clear_snapshot()"))
            return connection.execute(sa.text("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")).scalar()
    finally:
        engine.dispose()


def test_a_run_whose_file_failed_is_followed_by_a_refresh_from_what_loaded(tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(SAMPLE, raw)
    (raw / "registry" / "坏文件.xlsx").write_bytes(b"PK\x03\x04 not a workbook")
    defs = build_definitions(str(raw), f"duckdb:///{tmp_path / 'w.duckdb'}")
    follow_up = defs.resolve_sensor_def("refresh_after_failed_files")
    with dg.instance_for_test() as instance:
        first, _ = _evaluate(defs.resolve_sensor_def("raw_files_sensor"), instance, None)
        failed = run_requested(defs, instance, first.run_requests[0])
        assert not failed.success
        [entry] = instance.all_logs(failed.run_id, of_type=dg.DagsterEventType.RUN_FAILURE)
        event = entry.dagster_event
        context = dg.build_run_status_sensor_context(
            sensor_name="refresh_after_failed_files",
            dagster_event=event,
            dagster_instance=instance,
            dagster_run=instance.get_run_by_id(failed.run_id),
        ).for_run_failure()
        request = follow_up(context)
        assert isinstance(request, dg.RunRequest) and request.run_key == f"after:{failed.run_id}"
        # The refresh it asks for builds the marts from the files that loaded, naming the failed one.
        refresh = defs.resolve_job_def(REFRESH_JOB_NAME).execute_in_process(instance=instance, raise_on_error=False)
        assert refresh.success
        mart = refresh.asset_materializations_for_node("mart_poverty_exit")[0]
        assert mart.metadata["files_failed_kept_last_good"].value == ["registry/坏文件.xlsx"]
