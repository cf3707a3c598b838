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


def test_comments_say_not_additive_exactly_where_the_declaration_does():
    """The comment a BI tool shows is where an analyst learns not to sum a column: tables and
    views alike, the words follow from Field.additive and nothing else."""
    tables = [t for t in CATALOG.tables.values() if t.layer != "source"]
    for table in [*tables, *CATALOG.views.values()]:
        for f in table.fields:
            marked = "不可跨行相加 / not additive" in f.description
            assert marked == (not f.additive), (table.name, f.name, f.description)


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
    # Money is exact: DECIMAL(18, 2), not a double (sa.Double is itself a kind of sa.Numeric).
    money = fact.c.income_per_person_yuan.type
    assert type(money) is sa.Numeric and (money.precision, money.scale) == (18, 2)
    assert type(fact.c.household_size.type) is sa.BigInteger


def test_non_additive_columns_are_marked_where_analysts_read():
    """Figures that must not be summed over their table's rows say so in their comment and in the
    data dictionary; the table meant for summing has none."""
    from etl_project.dictionary import render

    dictionary = render()
    not_additive = {
        "mart_investment": {"project_count", "households_benefited", "persons_benefited", "yuan_per_household_benefited"},
        "mart_poverty_exit": {"registered_households", "registered_persons", "cumulative_exited_households",
                              "cumulative_exited_persons", "remaining_households", "remaining_persons", "poverty_incidence",
                              "agricultural_population"},
        "mart_project_reach": set(),
    }
    for name, columns in not_additive.items():
        table = CATALOG[name]
        assert {f.name for f in table.fields if not f.additive} == columns, name
        section = dictionary.split(f"## analytics.{name}\n", 1)[1].split("\n## ", 1)[0]
        for f in table.fields:
            line = next(row for row in section.splitlines() if row.startswith(f"| {f.name} |"))
            assert ("**not additive**" in line) == (f.name in columns), (name, f.name)
            if f.name in columns:
                assert "not additive" in f.en or "never summed" in f.en, (name, f.name)
                assert "不可" in f.zh, (name, f.name)


def test_data_dictionary_is_up_to_date():
    from etl_project.dictionary import DICTIONARY_PATH, render

    assert DICTIONARY_PATH.read_text(encoding="utf-8") == render(), "run `etl-project data-dictionary` and commit the result"
