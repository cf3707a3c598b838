"""What is derived from the registry agrees with it: pandera models, SQL tables, Dagster metadata."""

from __future__ import annotations

import sqlalchemy as sa

from schemas.dagster_metadata import column_schema
from schemas.pandera_models import model_for
from schemas.registry import CATALOG
from schemas.sql import all_tables
from schemas.sources import REGISTRY_HOUSEHOLD


def test_pandera_model_has_every_source_field_and_frame_rule():
    schema = model_for(REGISTRY_HOUSEHOLD.name).to_schema()
    assert list(schema.columns) == REGISTRY_HOUSEHOLD.column_names
    assert {c.name for c in schema.checks} == {r.check for r in REGISTRY_HOUSEHOLD.frame_rules}
    assert not schema.columns["household_size"].nullable and schema.columns["exit_year"].nullable


def test_sql_tables_carry_bilingual_comments():
    for name, table in all_tables().items():
        declared = CATALOG[name]
        assert table.comment == f"{declared.zh} / {declared.en}"
        for column in table.columns:
            assert column.comment and " / " in column.comment, f"{name}.{column.name}"


def test_no_personal_field_reaches_a_warehouse_table():
    personal = {f.name for f in REGISTRY_HOUSEHOLD.fields if f.personal}
    assert personal == {"head_name", "id_number", "phone"}
    for name, table in all_tables().items():
        assert not personal & set(table.columns.keys()), name


def test_dagster_column_schema_matches_table():
    for table in CATALOG.tables.values():
        if table.layer == "source":
            continue
        schema = column_schema(table)
        assert [c.name for c in schema.columns] == table.column_names
        assert all(c.description for c in schema.columns)


def test_warehouse_types_map_to_sql():
    fact = all_tables()["fact_household"]
    assert isinstance(fact.c.identification_year.type, sa.SmallInteger)
    assert isinstance(fact.c.income_per_person_yuan.type, sa.Double)


def test_data_dictionary_is_up_to_date():
    from etl_project.dictionary import DICTIONARY_PATH, render

    assert DICTIONARY_PATH.read_text(encoding="utf-8") == render(), "run `etl-project data-dictionary` and commit the result"
