"""Sources are declared once (schemas/source_catalog.py): a source added as one declaration and one
column map is listed, watched, detected, staged and checked like the others. And `validate`, given
no source, names the closest one with only the columns it lacks, in one message per file."""

from __future__ import annotations

import json
import os
import shutil
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from etl_project.core.settings import Reading
from etl_project.ingest import partitions
from etl_project.ingest.resources import RawFilesResource
from etl_project.ingest.staging.pipeline import SourceSpec, StageContext, stage
from etl_project.ingest.steward import validate_file
from etl_project.ingest.validation import empty_issues
from etl_project.orchestration import cli, sensors
from etl_project.orchestration.runner import run_pipeline
from etl_project.warehouse.engine import opened
from schemas import source_catalog
from schemas.registry import CATALOG, COMPACT, INTEGER, NUMBER, STRING, Field, Rule, Table
from schemas.source_catalog import SPREADSHEET_SUFFIXES, Source
from schemas.tables import LOAD_AUDIT, QUARANTINE
from tests.builders import HEADERS_A, household, write_table, write_xlsx

REAL_SAMPLES = Path(os.environ.get("ETL_REAL_SAMPLES", Path(__file__).resolve().parents[3] / "shared" / "real-samples"))

# -- a source of drinking-water wells, declared here only ---------------------------------------

WELL_COLUMN_MAP = """\
source: wells
description: 饮水安全井清单 / drinking-water wells
fields:
  county_name: [县, 县名称]
  township_name: [乡镇, 乡(镇)]
  well_code: [水井编号, 井号]
  depth_m: [井深, 井深米]
required: [county_name, well_code, depth_m]
"""
WELL_HEADERS = ["县", "乡镇", "水井编号", "井深（米）"]
DEPTH_RANGE = Rule("depth_range", "in_range", {"min_value": 1, "max_value": 500}, "井深应在1至500米之间", "depth must be 1-500 m")
WELL_RECORD = Table(
    "src_test_well",
    "饮水井（源记录）",
    "drinking-water well as read",
    layer="source",
    fields=(
        Field("county_name", STRING, "县", "county", required=True, form=COMPACT),
        Field("township_name", STRING, "乡镇", "township", form=COMPACT),
        Field("well_code", STRING, "水井编号", "well code", required=True, form=COMPACT),
        Field("depth_m", NUMBER, "井深", "depth", unit="米 / m", rules=(DEPTH_RANGE,)),
    ),
)
STG_WELL = Table(
    "stg_test_well",
    "饮水井（暂存）",
    "staged drinking-water wells",
    layer="staging",
    fields=(
        Field("county_name", STRING, "县", "county"),
        Field("well_code", STRING, "水井编号", "well code"),
        Field("depth_m", NUMBER, "井深", "depth", unit="米 / m"),
        Field("source_file", STRING, "来源文件", "source file", required=True),
        Field("source_sheet", STRING, "来源工作表", "source sheet"),
        Field("source_row", INTEGER, "来源行号", "source row", required=True),
    ),
)


def _shape_wells(clean: pd.DataFrame, raw: pd.DataFrame, context: StageContext) -> pd.DataFrame:
    staged = clean[["county_name", "well_code", "depth_m"]].copy()
    staged["source_file"] = context.source_file
    staged["source_sheet"] = raw["source_sheet"].astype("string")
    staged["source_row"] = raw["source_row"].astype("Int64")
    return staged


WELLS_SPEC = SourceSpec(
    name="wells",
    record=WELL_RECORD,
    staged=STG_WELL,
    look_up=lambda typed, context: (pd.DataFrame(index=typed.index), empty_issues()),
    shape=_shape_wells,
)


def stage_wells(path: Path, source_file: str, regions, key: bytes, *, reading: Reading = Reading()):
    return stage(path, source_file, WELLS_SPEC, StageContext(regions, key, source_file, reading=reading))


@contextmanager
def wells_declared(maps: Path):
    maps.mkdir(parents=True, exist_ok=True)
    (maps / "wells.yaml").write_text(WELL_COLUMN_MAP, encoding="utf-8")
    declaration = Source(
        name="wells",
        zh="饮水安全井清单",
        en="well list",
        suffixes=SPREADSHEET_SUFFIXES,
        stage_order=50,
        staged=(STG_WELL,),
        column_map="wells",
        column_map_dir=maps,
        record=WELL_RECORD,
        stage=stage_wells,
    )
    CATALOG.add(WELL_RECORD)  # pandera builds its model from the catalog
    try:
        with source_catalog.source_declared(declaration):
            yield declaration
    finally:
        CATALOG.tables.pop(WELL_RECORD.name, None)


def _wells_file(path: Path, rows: list[list], headers=WELL_HEADERS) -> dict:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_table(path, headers, rows, "紫云县饮水安全井清单", "填报日期：2020年1月")


WELLS = [["紫云县", "猫营镇", "J-001", "35"], ["紫云县", "猫营镇", "J-002", "120.5"], ["紫云县", "大营镇", "J-003", "900"]]


def test_a_source_declared_once_is_listed_watched_detected_staged_and_checked(tmp_path: Path):
    raw = tmp_path / "raw"
    well_file = raw / "wells" / "紫云县水井.xlsx"
    rows = _wells_file(well_file, WELLS)
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    with wells_declared(tmp_path / "maps"):
        # partitions, in staging order, and the sensor's listing and plan
        assert partitions.raw_files(RawFilesResource(root=str(raw))) == ["wells/紫云县水井.xlsx"]
        assert partitions.ordered(["reports/a.txt", "wells/紫云县水井.xlsx", "funds/b.xlsx"]) == [
            "funds/b.xlsx",
            "wells/紫云县水井.xlsx",
            "reports/a.txt",
        ]
        after = sensors.snapshot(RawFilesResource(root=str(raw)))
        assert list(after) == ["wells/紫云县水井.xlsx"]
        planned = sensors.plan_runs(sensors.changes({}, after), {}, after, list(after))
        assert [(p.staged, p.partition_key) for p in planned] == [(True, "wells/紫云县水井.xlsx")]

        # validate detects it from its own column map and applies its rules
        verdict = validate_file(well_file)
        assert (verdict.source, verdict.rows_ok, verdict.rows_rejected) == ("wells", 2, 1)
        assert [(p["row"], p["rule"]) for p in verdict.problems] == [(rows[2], "depth_range")]
        lacking = raw / "wells" / "缺井深.xlsx"
        _wells_file(lacking, [r[:3] for r in WELLS], WELL_HEADERS[:3])
        refused = validate_file(lacking)
        assert refused.exit_code == 2 and "well list (wells)" in refused.message and "depth_m" in refused.message
        lacking.unlink()

        # a run stages it into its table and quarantine, accounts for it and checks it
        with dg.DagsterInstance.ephemeral() as instance:
            result = run_pipeline(raw, url, instance)
        assert not result.files_failed, result.step_failures
        checks = {e.check_name: e.passed for e in result.check_evaluations()}
        assert checks["wells_rows_valid"] is False
        with opened(url) as db:
            staged = db.query(f"SELECT well_code, depth_m, source_row FROM {db.name(STG_WELL)} ORDER BY well_code")
            rejected = db.query(f"SELECT source, source_row, rule FROM {db.name(QUARANTINE)}")
            audit = db.query(f"SELECT source, rows_read, rows_loaded, rows_quarantined, rows_skipped FROM {db.name(LOAD_AUDIT)}")
        assert staged["well_code"].tolist() == ["J-001", "J-002"] and staged["depth_m"].tolist() == [35, 120.5]
        assert rejected.values.tolist() == [["wells", rows[2], "depth_range"]]
        assert audit.values.tolist() == [["wells", 3, 2, 1, 0]]

    # gone with its declaration: nothing kept a list of sources from before
    assert "wells" not in source_catalog.source_names()
    assert partitions.raw_files(RawFilesResource(root=str(raw))) == []


def test_a_new_spelling_of_an_existing_source_is_one_column_map_entry(tmp_path: Path):
    headers = ["户档案号" if h == "户编号" else h for h in HEADERS_A]
    path = tmp_path / "新写法.xlsx"
    write_xlsx(path, [household()], headers=headers)
    refused = validate_file(path)
    assert refused.exit_code == 2 and "household_id (户编号" in refused.message
    maps = tmp_path / "maps"
    shutil.copytree(source_catalog.COLUMN_MAP_DIR, maps)
    registry_map = maps / "registry.yaml"
    text = registry_map.read_text(encoding="utf-8")
    assert "  household_id: [户编号," in text
    registry_map.write_text(text.replace("  household_id: [户编号,", "  household_id: [户档案号, 户编号,"), encoding="utf-8")
    with source_catalog.source_declared(replace(source_catalog.source("registry"), column_map_dir=maps)):
        verdict = validate_file(path)
    assert (verdict.exit_code, verdict.source, verdict.rows_ok) == (0, "registry", 1), verdict.message
    assert validate_file(path).exit_code == 2  # the shipped map again


def test_a_source_cannot_be_declared_twice_nor_against_an_unknown_one(tmp_path: Path):
    registry = source_catalog.source("registry")
    with pytest.raises(ValueError, match="declared twice"):
        source_catalog.register_source(registry)
    orphan = Source(name="orphan", zh="孤", en="orphan", suffixes=(".xlsx",), stage_order=60, staged=(STG_WELL,), judged_against="nowhere")
    with pytest.raises(ValueError, match="not declared"):
        source_catalog.register_source(orphan)


# -- the closest source -------------------------------------------------------------------------


def _without(*dropped: str) -> tuple[list, list[list]]:
    keep = [i for i, h in enumerate(HEADERS_A) if (h if isinstance(h, str) else h[1]) not in dropped]
    return [HEADERS_A[i] for i in keep], [[household()[i] for i in keep]]


def _validate_json(path: Path, capsys) -> tuple[int, dict]:
    code = cli.main(["validate", str(path), "--format", "json"])
    return code, json.loads(capsys.readouterr().out)


def test_without_a_source_the_closest_is_named_with_only_its_missing_columns(tmp_path: Path, capsys):
    headers, rows = _without("户编号", "识别年度")
    path = tmp_path / "缺两列.xlsx"
    write_xlsx(path, rows, headers=headers)
    code, verdict = _validate_json(path, capsys)
    message = verdict["message"]
    assert code == 2 and verdict["source"] == "registry"
    assert "sheet '花名册', header row 3 found: 县, 乡镇, 行政村, 户主姓名, 证件号码" in message
    assert "the closest source is the household registry (registry)" in message
    assert "household_id (户编号" in message and "identification_year (识别年度" in message
    # only what the registry lacks: no other source's refusal, nothing the file has
    for other in ("(funds)", "(projects)", "(villages)", "project_code", "county_name (", "household_size ("):
        assert other not in message, other
    assert "最接近建档立卡户登记（registry），按其格式还缺少以下列：户编号、识别年度" in message
    assert message.count(path.name) == 1


def test_no_header_row_only_when_no_row_looks_like_one(tmp_path: Path, capsys):
    figures = tmp_path / "只有数字.xlsx"
    write_table(figures, ["2019", "2020", "2021"], [["1", "2", "3"], ["4", "5", "6"]], "汇总", "")
    code, verdict = _validate_json(figures, capsys)
    assert code == 2 and "no header row found" in verdict["message"] and "未找到表头" in verdict["message"]

    unknown = tmp_path / "物资.xlsx"
    write_table(unknown, ["品名", "规格", "数量"], [["化肥", "50kg", "20"]], "物资发放表", "")
    code, verdict = _validate_json(unknown, capsys)
    message = verdict["message"]
    assert code == 2 and "no header row" not in message
    assert "header row 3 found: 品名, 规格, 数量; none of these is a column of any source" in message
    assert "第 3 行为表头" in message


def _real_samples() -> list[Path]:
    if not REAL_SAMPLES.is_dir():
        return []
    return sorted(p for p in REAL_SAMPLES.iterdir() if p.suffix.lower() in (".xls", ".xlsx"))


@pytest.mark.skipif(not REAL_SAMPLES.is_dir(), reason=f"{REAL_SAMPLES} is not here")
@pytest.mark.parametrize("path", _real_samples(), ids=lambda p: p.name)
def test_real_files_are_accepted_or_told_the_closest_source(path: Path, capsys):
    code, verdict = _validate_json(path, capsys)
    if code in (0, 1):
        assert verdict["source"] in source_catalog.source_names()
        return
    message = verdict["message"]
    assert code == 2 and message.count(path.name) == 1, message
    # one answer, never every source's refusal in a row
    assert message.count("closest source") <= 1 and message.count("missing required columns") == 0
    if verdict["source"] is not None:
        declared = source_catalog.source(verdict["source"])
        assert f"the closest source is the {declared.en} ({declared.name})" in message and "缺少" in message
    else:
        # a file of none of the sources: its header is quoted, never "not found"
        assert "none of these is a column of any source" in message and "no header row" not in message
