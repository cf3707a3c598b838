"""`etl-project bi-bundle`: a Superset import bundle made from the schema registry.

Checked against Superset's own import schemas, read from its wheel; what its metrics compute on a
real warehouse is checked in tests/integration/test_mart_views.py, where a warehouse is built.
"""

from __future__ import annotations

import copy
import os
import uuid
import zipfile
from pathlib import Path

import pytest

from etl_project.orchestration.cli import main
from etl_project.warehouse.bi_bundle import (
    PASSWORD_MASK,
    YEAR_DATE_COLUMN,
    bi_tables,
    label,
    read_bundle,
    starter_charts,
    time_column,
)
from etl_project.warehouse.serving import published_path
from schemas.registry import CATALOG, DATE, MONEY, NUMBER, STRING, YEAR, Field, Table
from schemas.views import RATIOS, is_figure
from tests.superset_schema import Schemas, superset_wheel


def _bundle(tmp_path: Path, *options: str) -> tuple[dict, str]:
    out = tmp_path / "bundle.zip"
    code = main(["bi-bundle", "--out", str(out), *options])
    assert code == 0
    return read_bundle(out), out.read_bytes().decode("latin-1")


@pytest.fixture
def duck_bundle(tmp_path) -> tuple[dict, str]:
    url = f"duckdb:///{tmp_path / 'wh' / 'warehouse.duckdb'}"
    files, _ = _bundle(tmp_path, "--warehouse", url)
    return files, url


@pytest.fixture(scope="module")
def superset_schemas() -> Schemas:
    wheel = superset_wheel()
    if wheel is None:
        if os.environ.get("ETL_REQUIRE_SUPERSET_SCHEMA"):
            pytest.fail("the apache-superset wheel could not be had (pip download) to read its import schemas")
        pytest.skip("no apache-superset wheel here and pip could not download it; CI downloads it")
    return Schemas(wheel)


def _of(files: dict, folder: str) -> dict[str, dict]:
    return {path: content for path, content in files.items() if path.startswith(folder)}


def test_the_bundle_passes_superset_import_schemas(duck_bundle, tmp_path, superset_schemas):
    """Every file, DuckDB and PostgreSQL bundles alike, as Superset 6.1's importer would load it."""
    files, _ = duck_bundle
    assert superset_schemas.check_bundle(files) == []
    pg, _ = _bundle(tmp_path, "--warehouse", "postgresql+psycopg://bi_reader@db.example.invalid:5432/warehouse")
    assert superset_schemas.check_bundle(pg) == []
    # The check refuses what Superset refuses: an unknown key, a missing required one, a wrong type.
    broken = copy.deepcopy(files)
    dataset = next(iter(_of(broken, "datasets/").values()))
    dataset["verbose_name"] = "数据集"
    del dataset["database_uuid"]
    dataset["columns"][0]["is_dttm"] = "no"
    broken["metadata.yaml"]["version"] = "2.0.0"
    problems = superset_schemas.check_bundle(broken)
    assert len(problems) == 4 and any("verbose_name" in p for p in problems) and any("database_uuid" in p for p in problems)


def test_the_bundle_is_one_folder_of_yaml_files_for_every_kind(duck_bundle, tmp_path):
    files, url = duck_bundle
    with zipfile.ZipFile(tmp_path / "bundle.zip") as archive:
        names = archive.namelist()
    assert len({name.split("/", 1)[0] for name in names}) == 1 and all(name.endswith(".yaml") for name in names)
    assert files["metadata.yaml"]["version"] == "1.0.0" and files["metadata.yaml"]["type"] == "Dashboard"
    (database,) = _of(files, "databases/").values()
    # The DuckDB warehouse is served by its published read copy, by absolute path, opened read only.
    assert database["sqlalchemy_uri"] == f"duckdb:///{published_path(url).resolve()}"
    assert database["extra"]["engine_params"] == {"connect_args": {"read_only": True}}
    assert not database["allow_dml"] and not database["allow_csv_upload"]
    datasets = _of(files, "datasets/")
    assert all(path.startswith("datasets/poverty_warehouse_duckdb/") for path in datasets)
    assert sorted(d["table_name"] for d in datasets.values()) == sorted(t.name for t in bi_tables())
    assert all(d["database_uuid"] == database["uuid"] and d["schema"] == "analytics" for d in datasets.values())
    assert len(_of(files, "charts/")) == 3 and len(_of(files, "dashboards/")) == 1


def test_no_password_is_shipped(tmp_path, capsys):
    """A password in the warehouse URL (or the URI given for Superset) never reaches the bundle nor
    the command's output: Superset's mask stands in its place, and Superset asks for it on import."""
    files, raw = _bundle(tmp_path, "--warehouse", "postgresql+psycopg://bi_reader:Pa55-word%21@db.example.invalid:5432/warehouse")
    said = capsys.readouterr().out
    (database,) = _of(files, "databases/").values()
    assert database["sqlalchemy_uri"] == f"postgresql+psycopg2://bi_reader:{PASSWORD_MASK}@db.example.invalid:5432/warehouse"
    assert "password" not in database
    with zipfile.ZipFile(tmp_path / "bundle.zip") as archive:
        text = "".join(archive.read(name).decode("utf-8") for name in archive.namelist())
    for secret in ("Pa55-word", "Pa55-word%21"):
        assert secret not in text and secret not in said
    assert "asks for the password" in said
    files, _ = _bundle(tmp_path, "--warehouse", "duckdb:///x.duckdb", "--sqlalchemy-uri", "postgresql+psycopg2://u:hunter2@h/db")
    (database,) = _of(files, "databases/").values()
    assert "hunter2" not in database["sqlalchemy_uri"] and PASSWORD_MASK in database["sqlalchemy_uri"]


def test_datasets_carry_the_declared_names_descriptions_and_time_column(duck_bundle):
    files, _ = duck_bundle
    datasets = {d["table_name"]: d for d in _of(files, "datasets/").values()}
    for table in bi_tables():
        dataset = datasets[table.name]
        assert dataset["description"].startswith(table.description)
        columns = {c["column_name"]: c for c in dataset["columns"]}
        for f in table.fields:
            column = columns[f.name]
            assert column["verbose_name"] == label(f) and column["description"] == f.description, (table.name, f.name)
            assert any("\u4e00" <= ch <= "\u9fff" for ch in column["verbose_name"]), (table.name, f.name)
            assert column["groupby"] == (not is_figure(f))
        time = time_column(table)
        assert dataset["main_dttm_col"] == (time[0] if time else None)
        assert [c["column_name"] for c in dataset["columns"] if c["is_dttm"]] == ([time[0]] if time else [])
    # A mart with a year only: the year's first day, calculated; a declared DATE field is used as it is.
    exits = {c["column_name"]: c for c in datasets["mart_poverty_exit_county"]["columns"]}
    if not any(f.type == DATE for f in CATALOG.views["mart_poverty_exit_county"].fields):
        assert exits[YEAR_DATE_COLUMN]["expression"] == 'MAKE_DATE(CAST("year" AS INTEGER), 1, 1)'
    assert datasets["fact_investment"]["main_dttm_col"] == "fund_date"


def test_the_time_column_is_the_declared_date_whatever_its_name():
    table = Table(
        "t",
        "表",
        "table",
        "marts",
        (
            Field("region_code", STRING, "区划代码", "region"),
            Field("year", YEAR, "年度", "year"),
            Field("reported_on", DATE, "报告期", "first day of the year"),
            Field("amount_yuan", MONEY, "金额", "amount"),
        ),
    )
    assert time_column(table)[:2] == ("reported_on", None)
    without = Table("u", "表", "table", "marts", table.fields[:2])
    assert time_column(without)[0] == YEAR_DATE_COLUMN
    assert time_column(Table("v", "表", "table", "marts", table.fields[:1])) is None


def test_metrics_sum_only_what_adds_up_and_compute_ratios_from_sums(duck_bundle):
    """A mart holding every region level offers no sum; in a per-level view every additive figure
    is summed (money in 元 and 万元), a ratio is never summed, a stock is summed with a warning to
    group by year, and 户均投入 and 贫困发生率 are ratios of sums."""
    files, _ = duck_bundle
    datasets = {d["table_name"]: d for d in _of(files, "datasets/").values()}
    for name in ("mart_poverty_exit", "mart_investment", "mart_project_reach"):
        assert [m["metric_name"] for m in datasets[name]["metrics"]] == ["count"], name
        assert "region_level" in datasets[name]["description"]
    for view in CATALOG.views.values():
        metrics = {m["metric_name"]: m for m in datasets[view.name]["metrics"]}
        for f in view.fields:
            total = metrics.get(f"sum__{f.name}")
            if not is_figure(f) or (f.type == NUMBER and not f.additive):
                assert total is None, (view.name, f.name)
                continue
            assert total["expression"] == f'SUM("{f.name}")'
            assert (total["warning_text"] is None) == f.additive, (view.name, f.name)
            if f.type == MONEY:
                assert total["d3format"] == ",.2f" and total["verbose_name"].endswith("（元）")
                wan = metrics[f"sum__{f.name}__wan"]
                assert wan["expression"] == f'SUM("{f.name}") / 10000.0' and wan["verbose_name"].endswith("（万元）")
            else:
                assert total["d3format"] == ",d"
        for ratio in RATIOS:
            has_both = {ratio.numerator, ratio.denominator} <= set(view.column_names)
            assert (ratio.name in metrics) == has_both, (view.name, ratio.name)
            if has_both:
                assert metrics[ratio.name]["expression"] == (f'SUM("{ratio.numerator}") * 1.0 / NULLIF(SUM("{ratio.denominator}"), 0)')
                assert metrics[ratio.name]["d3format"] == (".2%" if ratio.percent else ",.2f")
    assert "yuan_per_household_benefited" in {m["metric_name"] for m in datasets["mart_investment_reach_county"]["metrics"]}
    assert "poverty_incidence" in {m["metric_name"] for m in datasets["mart_poverty_exit_county"]["metrics"]}


def test_the_starter_dashboard_holds_the_three_charts_on_their_datasets(duck_bundle):
    files, _ = duck_bundle
    datasets = {d["uuid"]: d for d in _of(files, "datasets/").values()}
    charts = {c["uuid"]: c for c in _of(files, "charts/").values()}
    for chart in charts.values():
        dataset = datasets[chart["dataset_uuid"]]
        metrics = {m["metric_name"] for m in dataset["metrics"]}
        columns = {c["column_name"] for c in dataset["columns"]}
        params = chart["params"]
        assert set(params.get("metrics", [])) <= metrics, chart["slice_name"]
        used = [
            params.get("x_axis"),
            *params.get("groupby", []),
            *params.get("groupbyRows", []),
            *params.get("groupbyColumns", []),
            *params.get("all_columns", []),
            *[f["subject"] for f in params.get("adhoc_filters", [])],
        ]
        assert set(filter(None, used)) <= columns, chart["slice_name"]
    titles = {c["slice_name"] for c in charts.values()}
    assert {spec.title for spec in starter_charts()} == titles
    assert {datasets[c["dataset_uuid"]]["table_name"] for c in charts.values()} == {
        "mart_poverty_exit_province",
        "mart_investment_county",
        "reconciliation",
    }
    (board,) = _of(files, "dashboards/").values()
    placed = [node["meta"] for node in board["position"].values() if isinstance(node, dict) and node.get("type") == "CHART"]
    assert sorted(meta["uuid"] for meta in placed) == sorted(charts)
    for node_id, node in board["position"].items():
        if isinstance(node, dict) and "children" in node:
            assert all(child in board["position"] for child in node["children"]), node_id
    # The same warehouse gives the same uuids (a newer bundle updates what an older one imported).
    assert all(uuid.UUID(u).version == 5 for u in charts)


def test_a_warehouse_url_that_cannot_be_served_is_refused_in_both_languages(tmp_path, capsys):
    for url in ("mysql://u@h/db", "duckdb:///:memory:", "not a url"):
        assert main(["bi-bundle", "--warehouse", url, "--out", str(tmp_path / "b.zip")]) == 2
        said = capsys.readouterr().err
        assert "Traceback" not in said and "--warehouse" in said and any("\u4e00" <= ch <= "\u9fff" for ch in said), said
    assert not (tmp_path / "b.zip").exists()
