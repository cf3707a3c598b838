"""Whole-pipeline runs for the reliability tests, the sample-only one shared by every module."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from etl_project.core.settings import Settings
from etl_project.ingest import partitions
from etl_project.ingest.resources import RawFilesResource
from etl_project.orchestration.runner import PipelineRun
from etl_project.orchestration.runner import run_pipeline as run_once

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_RAW = ROOT / "data" / "raw"


@dataclass(frozen=True)
class Run:
    raw: Path
    url: str
    result: PipelineRun

    @property
    def run_id(self) -> str:
        return self.result.run_id

    def checks(self) -> dict[str, bool]:
        return {e.check_name: e.passed for e in self.result.get_asset_check_evaluations()}


def run_pipeline(raw: Path, warehouse_dir: Path, settings: Settings | None = None) -> Run:
    url = f"duckdb:///{warehouse_dir / 'warehouse.duckdb'}"
    with dg.DagsterInstance.ephemeral() as instance:
        result = run_once(raw, url, instance, settings=settings)
    return Run(raw, url, result)


def copy_sample(target: Path) -> Path:
    shutil.copytree(SAMPLE_RAW, target, dirs_exist_ok=True)
    return target


def source_files(raw: Path) -> set[str]:
    """What a run must account for: every file of every source folder (reports too), relative to ``raw``."""
    return set(partitions.raw_files(RawFilesResource(root=str(raw))))


_sample_runs: dict[str | None, Run] = {}


def sample_run(tmp_path_factory, pii_key: str | None = None) -> Run:
    """The shipped sample, run once per session and key (None: the development key)."""
    if pii_key not in _sample_runs:
        raw = copy_sample(tmp_path_factory.mktemp("sample_raw"))
        _sample_runs[pii_key] = run_pipeline(raw, tmp_path_factory.mktemp("sample_warehouse"), Settings(pii_key=pii_key))
    return _sample_runs[pii_key]


def generated_run(tmp_path_factory, instance: dg.DagsterInstance | None = None, **generated) -> tuple[Path, dict, str, PipelineRun]:
    """A sample written by the generator with these options, run once into DuckDB: the raw folder,
    the generator's truth, the warehouse URL and the run (kept in ``instance`` when given, as a
    deployment keeps its runs; else forgotten)."""
    import json

    from sample_data import generate

    raw = tmp_path_factory.mktemp("raw")
    truth_path = raw.parent / f"{raw.name}-truth.json"
    generate(raw, truth=truth_path, **generated)
    url = f"duckdb:///{tmp_path_factory.mktemp('warehouse') / 'warehouse.duckdb'}"
    if instance is not None:
        result = run_once(raw, url, instance)
    else:
        with dg.DagsterInstance.ephemeral() as ephemeral:
            result = run_once(raw, url, ephemeral)
    return raw, json.loads(truth_path.read_text(encoding="utf-8")), url, result
