"""What is derived from the registry agrees with it: pandera models, SQL tables, Dagster metadata."""

from __future__ import annotations

import sqlalchemy as sa

from schemas.dagster_metadata import column_schema
from schemas.pandera_models import model_for
from schemas.registry import CATALOG
from schemas.sources import REGISTRY_HOUSEHOLD
from schemas.sql import all_tables


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
    from etl_project.warehouse.dictionary import render

    dictionary = render()
    not_additive = {
        "mart_investment": {"project_count", "households_benefited", "persons_benefited", "yuan_per_household_benefited"},
        "mart_poverty_exit": {
            "registered_households",
            "registered_persons",
            "cumulative_exited_households",
            "cumulative_exited_persons",
            "remaining_households",
            "remaining_persons",
            "poverty_incidence",
            "agricultural_population",
        },
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
    from etl_project.warehouse.dictionary import DICTIONARY_PATH, render

    assert DICTIONARY_PATH.read_text(encoding="utf-8") == render(), "run `etl-project data-dictionary` and commit the result"


# Tables of the analytics schema that carry no name columns: the region dimension (which is the
# names), dim_code itself, and the report tables written per report file, whose codes join
# dim_code and dim_region (the reconciliation carries them for the claims it judges).
JOINED_NOT_NAMED = {"dim_region", "dim_code", "report_claim", "report_finding", "report_finding_claim"}
# Columns ending in _code that are keys, not codes to name: a project's name is in dim_project,
# and dim_region's region_code is the key its own region_name stands beside.
KEYS = {("fact_investment", "project_code"), ("dim_project", "project_code"), ("dim_region", "region_code")}


def test_every_vocabulary_names_each_code_in_chinese_and_english():
    from etl_project.warehouse.names import code_rows
    from schemas.vocabularies import VOCABULARIES

    for vocabulary in VOCABULARIES.values():
        assert vocabulary.zh_title and vocabulary.en_title, vocabulary.name
        assert list(vocabulary.en) == list(vocabulary.codes), vocabulary.name
        assert all(vocabulary.codes.values()) and all(vocabulary.en.values()), vocabulary.name
    rows = code_rows()
    assert len(rows) == sum(len(v.codes) for v in VOCABULARIES.values())
    assert not rows.duplicated(["vocabulary", "code"]).any()
    for wanted in (
        "household_attribute",
        "poverty_cause",
        "exit_status",
        "fund_category",
        "fund_source",
        "donor_type",
        "region_level",
        "reconciliation_status",
        "report_metric",
    ):
        assert wanted in set(rows["vocabulary"]), wanted
    # Each vocabulary says where its codes are held, so an analyst knows what to join it to.
    used = dict(zip(rows["vocabulary"], rows["used_in"]))
    assert "fact_household.main_cause_code" in used["poverty_cause"] and "reconciliation.status" in used["reconciliation_status"]


def test_every_code_column_of_analytics_says_what_names_it_and_has_its_name_beside_it():
    from schemas.names import code_fields, name_column

    for table in CATALOG.tables.values():
        if table.schema != "analytics":
            continue
        for f in table.fields:
            looks_like_code = f.type == "code" or (
                f.type == "string" and (f.name.endswith("_code") or f.name in ("category", "status", "metric", "region_level"))
            )
            if looks_like_code and f.labels is None and (table.name, f.name) not in KEYS:
                assert f.vocabulary or f.region, f"{table.name}.{f.name} holds codes but declares no vocabulary or region"
        if table.name in JOINED_NOT_NAMED:
            continue
        names = [f.name for f in table.fields]
        for code in code_fields(table):
            # right beside the code, so a BI tool lists them together
            assert names[names.index(code.name) + 1] == name_column(code), (table.name, code.name)
            assert table.field(name_column(code)).labels == code.name


def test_name_columns_are_made_from_the_declaration(coded_table):
    from schemas.names import with_names
    from schemas.registry import Field, Table

    declared = coded_table
    named = with_names(declared)
    assert named.column_names == [
        "region_code",
        "region_name",
        "province_name",
        "city_name",
        "county_name",
        "region_level",
        "region_level_name",
        "main_cause_code",
        "main_cause_name",
        "village_code",
        "village_name",
        "households",
    ]
    assert named.base_column_names == declared.column_names
    assert named.field("main_cause_name").zh == "主要致贫原因名称" and "poverty_cause" in named.field("main_cause_name").en
    assert named.field("province_name").region == "province" and named.field("province_name").labels == "region_code"
    clash = Table("u", "表", "table", "marts", fields=(*declared.fields[:1], Field("region_name", "string", "名称", "name")))
    try:
        with_names(clash)
    except ValueError as exc:
        assert "region_name" in str(exc)
    else:
        raise AssertionError("a declared column of the same name as a made one must be refused")


def test_findings_join_claims_through_a_declared_key_table():
    bridge = CATALOG["report_finding_claim"]
    finding, claim = CATALOG["report_finding"], CATALOG["report_claim"]
    assert bridge.schema == "analytics"
    assert set(finding.primary_key) < set(bridge.primary_key) and set(claim.primary_key) < set(bridge.primary_key)
    reconciliation = CATALOG["reconciliation"]
    for column in ("region_name", "figure_text", "sentence", "report_date", "status_name", "metric_name"):
        assert column in reconciliation.column_names, column
