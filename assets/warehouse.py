"""Warehouse layer: dimensions and facts for analysts; no personal data.

Each table is built from staging, and only when staging changed since it was last built (see
etl_project/staging/generation.py): a nightly run on unchanged files leaves them as they are, and
when one county's registry changed, fact_household has that county's rows replaced rather than
being copied whole again.
"""


from collections.abc import Callable
from functools import cache
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from assets.metadata import FRAME_KINDS, OWNERS, TABLE_KINDS, WAREHOUSE_POOL, describe, table_metadata
from etl_project import dimensions, regions
from etl_project.dimensions import build_dim_region
from etl_project.names import code_rows, named_select
from etl_project.regions import REFERENCE_DIR, default_index
from etl_project.resources import WarehouseResource
from etl_project.staging import generation
from schemas.investment_tables import DIM_DONOR, DIM_PROJECT, FACT_INVESTMENT, STG_FUND_MOVEMENT, STG_PROJECT, STG_VILLAGE
from schemas.names import code_fields
from schemas.sql import column_sql
from schemas.tables import DIM_CODE, DIM_REGION, FACT_HOUSEHOLD, FACT_PERSON, STG_HOUSEHOLD, STG_PERSON

# Up to this many changed files, fact_household has their rows replaced; beyond, it is rebuilt.
FILES_REPLACED_IN_PLACE = 32


def _unchanged(db, table, sources: tuple[str, ...], how: str) -> tuple[bool, generation.Generation, generation.Generation | None]:
    """Whether the table holds what staging holds now; the current generation; the table's."""
    now = generation.current(db, sources)
    before = generation.built_from(db, table.name, how) if db.has_table(table) else None
    return before is not None and before.latest == now.latest, now, before


@cache
def _dim_region_recipe() -> str:
    # The dimension is computed in Python from the reference data: its code and data are its recipe.
    code = [Path(module.__file__).read_bytes() for module in (dimensions, regions)]
    data = [path.read_bytes() for path in sorted(Path(REFERENCE_DIR).glob("*.csv"))]
    return generation.recipe(DIM_REGION, STG_HOUSEHOLD, STG_VILLAGE, *code, *data)


@dg.asset(
    pool=WAREHOUSE_POOL,
    group_name="warehouse",
    owners=OWNERS,
    kinds=FRAME_KINDS,
    deps=["stg_household", "stg_village"],
    description=describe(DIM_REGION, "Reference: data/reference/SOURCES.md. Local codes: see README."),
    metadata=table_metadata(DIM_REGION),
)
def dim_region(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.open() as db:
        how = _dim_region_recipe()
        unchanged, now, _ = _unchanged(db, DIM_REGION, ("registry", "villages"), how)
        if unchanged:
            rows = db.row_count(DIM_REGION)
            levels = db.query(f"SELECT region_level, COUNT(*) AS n FROM {db.name(DIM_REGION)} GROUP BY region_level ORDER BY n DESC, region_level")
            by_level = dict(zip(levels["region_level"], (int(n) for n in levels["n"])))
        else:
            columns = "county_code, township_code, township_name, village_code, village_name"
            places = db.query(
                f"SELECT DISTINCT {columns} FROM {db.name(STG_HOUSEHOLD)} UNION "
                f"SELECT DISTINCT {columns} FROM {db.name(STG_VILLAGE)} ORDER BY county_code, township_code, village_code"
            )
            village_list = db.query(
                f"SELECT village_code, is_poor_village, exit_year AS village_exit_year, registered_population, agricultural_population "
                f"FROM {db.name(STG_VILLAGE)} ORDER BY source_file, source_sheet, source_row"
            )
            frame = build_dim_region(default_index(), places, village_list)
            rows = db.replace(DIM_REGION, frame)
            by_level = frame["region_level"].value_counts().to_dict()
        generation.record(db, DIM_REGION.name, how, now)
    return dg.MaterializeResult(
        metadata={**table_metadata(DIM_REGION, rows), "rows_by_level": dg.MetadataValue.json(by_level), "build": "unchanged" if unchanged else "rebuilt"}
    )


@dg.asset(
    pool=WAREHOUSE_POOL,
    group_name="warehouse",
    owners=OWNERS,
    kinds=FRAME_KINDS,
    description=describe(DIM_CODE, "Made from schemas/vocabularies.py, as are the *_name columns beside the codes."),
    metadata=table_metadata(DIM_CODE),
)
def dim_code(warehouse: WarehouseResource) -> dg.MaterializeResult:
    frame = code_rows()
    with warehouse.open() as db:
        rows = db.replace(DIM_CODE, frame)
    by_vocabulary = frame["vocabulary"].value_counts(sort=False).to_dict()
    return dg.MaterializeResult(metadata={**table_metadata(DIM_CODE, rows), "codes_by_vocabulary": dg.MetadataValue.json(by_vocabulary)})


def _names_deps(table) -> list[str]:
    """A table with region names beside its codes is built after dim_region, which names them."""
    return ["dim_region"] if any(f.region for f in code_fields(table)) else []


def _names_recipe(table) -> tuple:
    """What the names of a table's rows depend on besides its SQL: the reference regions (county
    names), when it names regions. Township and village codes are made from their names."""
    return (_dim_region_recipe(),) if _names_deps(table) else ()


@dg.asset(
    pool=WAREHOUSE_POOL,
    group_name="warehouse",
    owners=OWNERS,
    kinds=TABLE_KINDS,
    deps=["stg_household", *_names_deps(FACT_HOUSEHOLD)],
    description=describe(FACT_HOUSEHOLD),
    metadata=table_metadata(FACT_HOUSEHOLD),
)
def fact_household(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.open() as db:
        select, params = _fact_household_sql(db)
        how = generation.recipe(FACT_HOUSEHOLD, STG_HOUSEHOLD, select, params, *_names_recipe(FACT_HOUSEHOLD))
        unchanged, now, before = _unchanged(db, FACT_HOUSEHOLD, ("registry",), how)
        changed = generation.changed_files(db, ("registry",), before.latest) if before is not None and not unchanged else []
        if unchanged:
            rows, build = db.row_count(FACT_HOUSEHOLD), "unchanged"
        elif before is not None and len(changed) <= FILES_REPLACED_IN_PLACE:
            rows, build = _replace_files(db, changed), f"rows of {len(changed)} changed files replaced"
        else:
            rows, build = db.replace_from_sql(FACT_HOUSEHOLD, select, params), "rebuilt"
        generation.record(db, FACT_HOUSEHOLD.name, how, now)
    return dg.MaterializeResult(metadata={**table_metadata(FACT_HOUSEHOLD, rows), "build": build})


def _fact_household_sql(db, where: str = "") -> tuple[str, dict]:
    columns = ", ".join(column_sql(f, db.quote) for f in FACT_HOUSEHOLD.fields if f.labels is None)
    return named_select(db, FACT_HOUSEHOLD, f"SELECT {columns} FROM {db.name(STG_HOUSEHOLD)}{where}")


def _replace_files(db, files: list[str]) -> int:
    """In one transaction, the fact rows of these files become their staging rows (none for a
    removed file): a reader sees the table before or after, never between."""
    fact = db.reference(FACT_HOUSEHOLD)
    columns = ", ".join(db.quote(c) for c in FACT_HOUSEHOLD.column_names)
    select, params = _fact_household_sql(db, " WHERE source_file IN :files")
    insert = sa.text(f"INSERT INTO {db.name(FACT_HOUSEHOLD)} ({columns}) {select}").bindparams(sa.bindparam("files", expanding=True))
    with db.engine.begin() as connection:
        connection.execute(sa.delete(fact).where(fact.c.source_file.in_(files)))
        connection.execute(insert, {**params, "files": files})
    return db.row_count(FACT_HOUSEHOLD)


def _sql_asset(table, deps: list[str], sources: tuple[str, ...], select: Callable[[object], str], extra: str = ""):
    """A warehouse table rebuilt from staging by one SELECT (of its columns but the names beside
    its codes, which are added to it), replaced atomically, when its sources changed."""

    @dg.asset(
        pool=WAREHOUSE_POOL,
        name=table.name,
        group_name="warehouse",
        owners=OWNERS,
        kinds=TABLE_KINDS,
        deps=[*deps, *_names_deps(table)],
        description=describe(table, extra),
        metadata=table_metadata(table),
    )
    def build(warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.open() as db:
            sql, params = named_select(db, table, select(db))
            how = generation.recipe(table, sql, params, *_names_recipe(table))
            unchanged, now, _ = _unchanged(db, table, sources, how)
            rows = db.row_count(table) if unchanged else db.replace_from_sql(table, sql, params)
            generation.record(db, table.name, how, now)
        return dg.MaterializeResult(metadata={**table_metadata(table, rows), "build": "unchanged" if unchanged else "rebuilt"})

    return build


def _fact_investment_sql(db) -> str:
    year = "CAST(EXTRACT(YEAR FROM fund_date) AS INTEGER)"
    columns = ", ".join(year if c == "year" else db.quote(c) for c in FACT_INVESTMENT.base_column_names)
    return f"SELECT {columns} FROM {db.name(STG_FUND_MOVEMENT)}"


def _dim_donor_sql(db) -> str:
    # One row per donor key; the name, type and parent are the same for every row of a key by
    # construction (the key hashes them), MIN just picks that value.
    return (
        "SELECT donor_key, MIN(donor_name), MIN(donor_type), MIN(donor_parent), COUNT(*), SUM(amount_yuan) "
        f"FROM {db.name(STG_FUND_MOVEMENT)} GROUP BY donor_key"
    )


def _dim_project_sql(db) -> str:
    columns = ", ".join("COALESCE(b.booked, 0)" if c == "booked_yuan" else f"p.{db.quote(c)}" for c in DIM_PROJECT.base_column_names)
    return (
        f"SELECT {columns} FROM {db.name(STG_PROJECT)} p "
        f"LEFT JOIN (SELECT project_code, SUM(amount_yuan) AS booked FROM {db.name(STG_FUND_MOVEMENT)} "
        "WHERE project_code IS NOT NULL GROUP BY project_code) b ON b.project_code = p.project_code"
    )


fact_investment = _sql_asset(FACT_INVESTMENT, ["stg_fund_movement"], ("funds",), _fact_investment_sql)
dim_donor = _sql_asset(DIM_DONOR, ["stg_fund_movement"], ("funds",), _dim_donor_sql, "Individuals appear by keyed hash only, without a name.")
dim_project = _sql_asset(DIM_PROJECT, ["stg_project", "stg_fund_movement"], ("projects", "funds"), _dim_project_sql)


def _fact_person_sql(db) -> str:
    columns = ", ".join(column_sql(f, db.quote) for f in FACT_PERSON.fields if f.labels is None)
    return f"SELECT {columns} FROM {db.name(STG_PERSON)}"


fact_person = _sql_asset(FACT_PERSON, ["stg_person"], ("registry",), _fact_person_sql,
                         "Only registries sent as the national per-person export have members here.")
