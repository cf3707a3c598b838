"""The benchmark at a tiny size: it runs end to end and its figures agree with one another.
Timings are not judged here (docs/benchmarks.md holds the measured ones)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from benchmarks.__main__ import main as benchmark
from etl_project.warehouse.engine import opened
from schemas.registry import CATALOG

REQUIRED = (
    "households",
    "rows",
    "pipeline_s",
    "pipeline_rows_per_s",
    "naive_s",
    "speedup_vs_naive",
    "floor_s",
    "fraction_of_floor",
    "peak_rss_mb",
    "noop_rerun_s",
    "one_county_rerun_s",
    "deployed_pipeline_s",
    "deployed_noop_s",
    "deployed_one_county_s",
)
DEPLOYED_PASSES = {"pipeline": "pipeline", "noop": "noop_rerun", "one_county": "one_county_rerun"}


@pytest.fixture(scope="module")
def result(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("bench")
    out = work / "out.json"
    assert benchmark(["--households", "2000", "--format", "csv", "--workdir", str(work), "--naive-rows", "500", "--json", str(out)]) == 0
    return json.loads(out.read_text(encoding="utf-8"))


def test_the_json_has_every_figure_of_both_paths(result):
    missing = [key for key in REQUIRED if key not in result]
    assert not missing
    assert all(isinstance(result[key], (int, float)) and result[key] > 0 for key in REQUIRED)
    assert result["households"] == 2000 and result["naive_scaled"]


def test_the_figures_agree_with_one_another(result):
    assert result["rows"] >= result["registry_rows"] > 0
    assert result["pipeline_rows_per_s"] == pytest.approx(result["rows"] / result["pipeline_s"], rel=0.01)
    assert result["speedup_vs_naive"] == pytest.approx(result["naive_s"] / result["pipeline_s"], rel=0.05)
    assert result["fraction_of_floor"] == pytest.approx(result["floor_s"] / result["pipeline_s"], rel=0.05)
    assert result["floor_s"] == pytest.approx(result["floor_read_s"] + result["floor_load_s"], abs=0.02)
    assert result["naive_s"] == pytest.approx(result["naive_measured_s"] / result["naive_measured_rows"] * result["rows"], rel=0.05)
    assert result["pipeline_process_s"] >= result["pipeline_s"]
    assert result["peak_rss_mb"] >= result["peak_rss_main_mb"] > 0
    assert result["one_county_file"].startswith("registry/")
    assert {t["metric"] for t in result["targets"]} == {
        "pipeline_rows_per_s_per_core",
        "speedup_vs_naive",
        *(f"deployed_{name}_vs_cli" for name in DEPLOYED_PASSES),
    }
    assert all(t["met"] in (True, False) for t in result["targets"])


def test_the_deployed_passes_went_through_the_queue_and_a_launched_process(result):
    for name, cli_name in DEPLOYED_PASSES.items():
        runs = result[f"deployed_{name}_runs"]
        assert runs and all(run["status"] == "SUCCESS" for run in runs)
        # Every step in the launched run's own process, not a process per step.
        assert all(run["step_processes"] == 1 for run in runs)
        assert result[f"deployed_{name}_process_start_s"] == pytest.approx(sum(run["process_start_s"] for run in runs), abs=0.02)
        parts = ("tick", "submit", "process_start", "job")
        assert result[f"deployed_{name}_s"] >= sum(result[f"deployed_{name}_{part}_s"] for part in parts) - 0.05
        assert result[f"deployed_{name}_vs_cli"] == pytest.approx(result[f"deployed_{name}_s"] / result[f"{cli_name}_process_s"], rel=0.05)
    # The nightly with nothing to read runs no per-file step; a changed county's file, one run of the job.
    [pipeline], [noop], [one] = (result[f"deployed_{name}_runs"] for name in DEPLOYED_PASSES)
    assert noop["steps"] < pipeline["steps"] and one["job"] == pipeline["job"] == "warehouse_full_refresh"
    # A sensor started on the current warehouse asks for no run.
    assert result["deployed_sensor_first_tick_runs"] == 0


def _tables(url: str) -> dict[str, pd.DataFrame]:
    with opened(url) as db:
        frames = {}
        for table in CATALOG.tables.values():
            if table.layer == "source" or not db.has_table(table):
                continue
            # When a run happened, not what it made: the run, its load times, when a file first named a person.
            frame = db.query(f"SELECT * FROM {db.name(table)}").drop(columns=["run_id", "loaded_at", "learnt_at"], errors="ignore")
            frames[table.name] = frame.astype(str).sort_values(list(frame.columns)).reset_index(drop=True)
        return frames


def test_staging_in_worker_processes_gives_the_same_warehouse(tmp_path, monkeypatch):
    from benchmarks import data, measure
    from benchmarks.__main__ import REPO

    raw, _ = data.sample_files(tmp_path / "data", 2000, "csv", 5)
    urls = {}
    for workers in ("1", "2"):
        monkeypatch.setenv("ETL_STAGING_WORKERS", workers)
        urls[workers] = f"duckdb:///{tmp_path / f'w{workers}.duckdb'}"
        measure.run("benchmarks.job", str(raw), urls[workers], cwd=REPO)
    alone, pooled = _tables(urls["1"]), _tables(urls["2"])
    assert alone.keys() == pooled.keys() and "fact_household" in alone
    for name, frame in alone.items():
        pd.testing.assert_frame_equal(frame, pooled[name], obj=name)


def test_duckdb_cache_is_capped_lower_while_staging_workers_run(tmp_path):
    from etl_project.warehouse.engine import memory_capped

    with opened(f"duckdb:///{tmp_path / 'capped.duckdb'}") as db:

        def limit():
            return db.scalar("SELECT current_setting('memory_limit')")

        usual = limit()
        with memory_capped("256MB"):
            assert limit() == "244.1 MiB" != usual
        assert limit() == usual
