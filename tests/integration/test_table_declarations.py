"""A table is declared once (schemas/): its asset, its dependencies, its column schema and lineage,
its comments and its data dictionary entry follow from the declaration. Every table the pipeline
stores is one asset, every asset is a table but for the few named here, and a table and a source
added as declarations alone are built, checked and documented like the others."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import dagster as dg
import pytest

from etl_project.orchestration.definitions import build_definitions
from etl_project.orchestration.runner import run_pipeline
from etl_project.warehouse.dictionary import render
from etl_project.warehouse.engine import opened
from schemas import fields
from schemas.registry import CATALOG, NUMBER, STRING, Field, Table, View
from schemas.sql import all_tables
from tests.integration.test_sources import STG_WELL, WELLS, _wells_file, wells_declared

# Tables the pipeline stores that are no asset of their own.
NOT_ASSETS = {
    # Keyed fingerprints of the names each file holds: written by staged_file beside the file's
    # rows, emptied with them, and read by the personal-data guard alone; nobody reads it as data.
    "person_fingerprint",
}
# Assets that are no table of the catalog.
NOT_TABLES = {
    "raw_file",  # the files as they arrived, one partition per file; no table holds them
    "staged_file",  # each file's staging, one partition per file, writing its source's staging tables
    "personal_data_guard",  # a search of the tables built, masking what it finds in place; it holds no rows
    "published_read_copy",  # the file BI tools open: a copy of the analytics tables, not a table of its own
}


def _graph(*args) -> dg.AssetGraph:
    return build_definitions(*args).resolve_asset_graph()


def _parents(graph, name: str) -> set[str]:
    return {key.to_user_string() for key in graph.get(dg.AssetKey(name)).parent_keys}


def _stored() -> set[str]:
    """The catalog's tables the warehouse holds (source records are what the readers deliver)."""
    return {name for name, table in CATALOG.tables.items() if table.layer != "source"}


def test_every_stored_table_is_one_asset_and_every_asset_is_a_table():
    graph = _graph("data/raw", "duckdb:///data/warehouse/warehouse.duckdb")
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert _stored() - keys == NOT_ASSETS
    assert keys - _stored() == NOT_TABLES
    # Exactly one asset says it holds each table, and it is the asset of the table's name.
    holding = Counter(graph.get(dg.AssetKey(k)).metadata.get("dagster/table_name") for k in keys)
    for name in _stored() - NOT_ASSETS:
        assert holding[name] == 1, name
        assert graph.get(dg.AssetKey(name)).metadata["dagster/table_name"] == name


def test_declared_inputs_and_lineage_name_declared_tables_and_their_columns():
    for table in [*CATALOG.tables.values(), *CATALOG.views.values()]:
        reads = table.sources if isinstance(table, View) else table.inputs
        assert set(reads) <= set(CATALOG.tables), table.name
        for f in table.fields:
            for ref in f.derived_from:
                source, column = ref.split(".", 1)
                assert source in reads, (table.name, f.name, ref)
                assert column in CATALOG[source].column_names, (table.name, f.name, ref)


def test_each_asset_reads_what_its_table_declares_and_shows_its_declared_lineage():
    graph = _graph("data/raw", "duckdb:///data/warehouse/warehouse.duckdb")
    declaring = [t for t in CATALOG.tables.values() if t.inputs]
    assert {"fact_household", "dim_project", "mart_poverty_exit", "reconciliation"} <= {t.name for t in declaring}
    for table in declaring:
        parents = _parents(graph, table.name)
        # dim_region besides: the names beside region codes are filled from it.
        assert set(table.inputs) <= parents <= {*table.inputs, "dim_region"}, table.name
        lineage = graph.get(dg.AssetKey(table.name)).metadata.get("dagster/column_lineage")
        declared = {f.name: sorted(f.derived_from) for f in table.fields if f.derived_from}
        shown = (
            {}
            if lineage is None
            else {
                column: sorted(f"{dep.asset_key.to_user_string()}.{dep.column_name}" for dep in deps)
                for column, deps in lineage.deps_by_column.items()
            }
        )
        assert shown == declared, table.name
    exits = graph.get(dg.AssetKey("mart_poverty_exit")).metadata["dagster/column_lineage"].deps_by_column
    assert {dep.asset_key.to_user_string() for dep in exits["villages_exited"]} == {"dim_region"}


def test_the_guard_searches_and_the_read_copy_holds_every_declared_table_it_should():
    """Both list the catalog's tables when the asset modules load: a table declared in schemas/ is
    among them without being named there."""
    graph = _graph("data/raw", "duckdb:///data/warehouse/warehouse.duckdb")
    analytics = {t.name for t in CATALOG.tables.values() if t.schema == "analytics"}
    staging = {t.name for t in CATALOG.tables.values() if t.schema == "staging"}
    assert analytics and staging
    assert analytics | staging | {"quarantine"} <= _parents(graph, "personal_data_guard")
    assert analytics | {"personal_data_guard"} == _parents(graph, "published_read_copy")


def test_a_recurring_column_is_of_one_type_in_every_table():
    """The columns of schemas/fields.py, declared once, are referred to by the tables that have them:
    a table may word one differently, never make it another kind of column."""
    recurring = {f.name: f for f in vars(fields).values() if isinstance(f, Field)}
    assert {"source_file", "source_sheet", "source_row", "run_id", "county_code", "region_code"} <= set(recurring)
    found = 0
    for table in CATALOG.tables.values():
        for f in table.fields:
            if f.name in recurring:
                found += 1
                assert f.type == recurring[f.name].type, (table.name, f.name)
    assert found > 50


# -- a table and a source added as declarations, and nothing else --------------------------------


def _deep_wells_select(db) -> str:
    return f"SELECT well_code, depth_m FROM {db.name(STG_WELL)} WHERE depth_m > 100"


DEEP_WELLS = Table(
    "fact_test_deep_well",
    "深井（测试）",
    "wells deeper than 100 m",
    layer="warehouse",
    inputs=(STG_WELL.name,),
    fields=(
        Field("well_code", STRING, "水井编号", "well code", required=True, derived_from=STG_WELL.column_refs("well_code")),
        Field("depth_m", NUMBER, "井深", "depth", unit="米 / m", derived_from=STG_WELL.column_refs("depth_m")),
    ),
    select=_deep_wells_select,
)


def test_a_table_and_a_source_declared_once_are_built_checked_and_documented(tmp_path: Path):
    raw = tmp_path / "raw"
    _wells_file(raw / "wells" / "紫云县水井.xlsx", WELLS)
    url = f"duckdb:///{tmp_path / 'warehouse.duckdb'}"
    with wells_declared(tmp_path / "maps"), CATALOG.declared(STG_WELL), CATALOG.declared(DEEP_WELLS):
        graph = _graph(str(raw), url)
        assert _parents(graph, "stg_test_well") == {"staged_file"}
        assert _parents(graph, "fact_test_deep_well") == {"stg_test_well"}
        node = graph.get(dg.AssetKey("fact_test_deep_well"))
        assert node.group_name == "warehouse" and node.metadata["dagster/table_name"] == "fact_test_deep_well"
        schema = node.metadata["dagster/column_schema"]
        assert [(c.name, c.constraints.nullable) for c in schema.columns] == [("well_code", False), ("depth_m", True)]
        lineage = node.metadata["dagster/column_lineage"].deps_by_column
        assert {column: [(d.asset_key.to_user_string(), d.column_name) for d in deps] for column, deps in lineage.items()} == {
            "well_code": [("stg_test_well", "well_code")],
            "depth_m": [("stg_test_well", "depth_m")],
        }
        # the source's check of its rejected rows, on its staging table; the table's check of its
        # declared constraints (well_code is required), on the table
        assert dg.AssetCheckKey(dg.AssetKey("stg_test_well"), "wells_rows_valid") in graph.asset_check_keys
        assert dg.AssetCheckKey(dg.AssetKey("fact_test_deep_well"), "fact_test_deep_well_constraints") in graph.asset_check_keys

        # comments and the data dictionary
        sql = all_tables()["fact_test_deep_well"]
        assert sql.comment == "深井（测试） / wells deeper than 100 m" and sql.c.depth_m.comment == "井深 / depth [米 / m]"
        entry = render().split("## analytics.fact_test_deep_well\n", 1)[1].split("\n## ", 1)[0]
        assert "Source: stg_test_well" in entry
        assert next(line for line in entry.splitlines() if line.startswith("| depth_m |")).count("stg_test_well") == 1

        # a run stages the file and builds the table from the staged rows by its SELECT
        with dg.DagsterInstance.ephemeral() as instance:
            result = run_pipeline(raw, url, instance)
        assert not result.files_failed, result.step_failures
        evaluations = {e.check_name: e for e in result.check_evaluations()}
        assert evaluations["wells_rows_valid"].passed is False
        assert evaluations["fact_test_deep_well_constraints"].passed is True
        assert evaluations["fact_test_deep_well_constraints"].metadata["rows_checked"].value == 1
        with opened(url) as db:
            built = db.query(f"SELECT well_code, depth_m FROM {db.name(DEEP_WELLS)}")
        # J-001 is 35 m deep; J-003's 900 m broke the source's depth rule and was quarantined.
        assert built.values.tolist() == [["J-002", 120.5]]

    assert "fact_test_deep_well" not in CATALOG.tables and "stg_test_well" not in CATALOG.tables
    assert dg.AssetKey("fact_test_deep_well") not in _graph(str(raw), url).get_all_asset_keys()
    assert "fact_test_deep_well" not in render()


def test_a_declared_select_reads_staging_tables_only():
    """Its asset rebuilds it when the files under its inputs change: a table read from other
    warehouse tables has its own asset, which knows when those changed."""
    over_facts = Table(
        "mart_test_households",
        "测试",
        "test",
        layer="marts",
        inputs=("fact_household",),
        fields=(Field("households", NUMBER, "户数", "households"),),
        select=lambda db: f"SELECT COUNT(*) FROM {db.name(CATALOG['fact_household'])}",
    )
    with CATALOG.declared(over_facts), pytest.raises(ValueError, match="staging tables only"):
        build_definitions("data/raw", "duckdb:///data/warehouse/warehouse.duckdb")
