"""Dagster's data versions follow the warehouse: a table kept as it was reports the version it
reported last time, one made from other inputs a new one, so the UI's "unsynced" says what the
warehouse would redo and nothing else."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.definitions.data_version import CachingStaleStatusResolver, StaleStatus
from dagster._core.loader import LoadingContextForTest

from etl_project.ingest.partitions import partition_key
from etl_project.orchestration.definitions import REFRESH_JOB_NAME, build_definitions
from etl_project.orchestration.runner import run_pipeline
from etl_project.warehouse.engine import opened
from schemas.report_tables import RECONCILIATION
from tests.builders import drop_first_household

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "raw"
WANGMO = "registry/望谟县扶贫对象信息.csv"

# What one county's registry file reaches, table by table.
REACHED_BY_A_REGISTRY_FILE = {
    # the file itself, and its rows in staging (a registry writes households, persons and rejects)
    ("raw_file", partition_key(WANGMO)),
    ("staged_file", partition_key(WANGMO)),
    ("stg_household", None),
    ("stg_person", None),
    ("quarantine", None),
    ("load_audit", None),
    # built from the registry's staging generation
    ("dim_region", None),
    ("fact_household", None),
    ("fact_person", None),
    # made from those: the exits, and the monitoring marts, which name their regions from dim_region
    ("mart_poverty_exit", None),
    ("mart_monitoring", None),
    ("mart_monitoring_category", None),
    ("mart_monitoring_risk", None),
    ("mart_monitoring_exited", None),
    # the guard's search and the read copy cover all of these
    ("personal_data_guard", None),
    ("published_read_copy", None),
}


@pytest.fixture
def raw(tmp_path) -> Path:
    target = tmp_path / "raw"
    shutil.copytree(SAMPLE, target)
    return target


def _versions(instance: dg.DagsterInstance, graph) -> dict[tuple[str, str | None], str]:
    """The data version of every asset's latest materialization, every partition of the partitioned."""
    found = {}
    for key in graph.get_all_asset_keys():
        partitions = instance.get_dynamic_partitions("raw_files") if graph.get(key).is_partitioned else [None]
        for partition in partitions:
            record = instance.get_latest_data_version_record(key, partition_key=partition)
            found[(key.to_user_string(), partition)] = record.event_log_entry.tags["dagster/data_version"]
    return found


def _stale(instance: dg.DagsterInstance, graph) -> set[tuple[str, str | None]]:
    """What Dagster's UI would show as unsynced."""
    resolver = CachingStaleStatusResolver(instance, graph, LoadingContextForTest(instance))
    return {
        asset_partition
        for asset_partition in _versions(instance, graph)
        if resolver.get_status(dg.AssetKey(asset_partition[0]), asset_partition[1]) != StaleStatus.FRESH
    }


def _reconciliation(url: str):
    with opened(url) as db:
        return db.query(f"SELECT * FROM {db.name(RECONCILIATION)} ORDER BY report_id, claim_index")


def test_kept_tables_keep_their_data_version_and_a_changed_file_renews_only_what_it_reaches(raw, tmp_path):
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    defs = build_definitions(str(raw), url)
    graph = defs.resolve_asset_graph()
    with dg.DagsterInstance.ephemeral() as instance:
        assert run_pipeline(raw, url, instance).success
        first = _versions(instance, graph)
        assert _stale(instance, graph) == set()

        quiet = run_pipeline(raw, url, instance)
        assert quiet.success and quiet.files_to_read == 0
        # Every table was materialized again, each with the version it had.
        again = {event.asset_key.to_user_string() for event in quiet.results[-1].get_asset_materialization_events()}
        assert again == {name for name, partition in first if partition is None}
        assert _versions(instance, graph) == first
        assert _stale(instance, graph) == set()

        # A kept table materialized alone leaves what is built from it in sync: Dagster would
        # otherwise see a new version and call everything downstream unsynced.
        alone = defs.resolve_job_def(REFRESH_JOB_NAME).execute_in_process(instance=instance, asset_selection=[dg.AssetKey("dim_region")])
        assert alone.success
        assert _versions(instance, graph) == first
        assert _stale(instance, graph) == set()

        reconciled = _reconciliation(url)
        drop_first_household(raw / WANGMO)
        assert run_pipeline(raw, url, instance).success
        after = _versions(instance, graph)
        renewed = {asset_partition for asset_partition in after if after[asset_partition] != first[asset_partition]}
        # The reconciliation compares reports with the marts: it changes when the figures it shows do.
        reconciliation_changed = not _reconciliation(url).equals(reconciled)
        assert renewed == REACHED_BY_A_REGISTRY_FILE | ({("reconciliation", None)} if reconciliation_changed else set())
        assert _stale(instance, graph) == set()
