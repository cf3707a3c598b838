"""Warehouse layer: dimensions and facts for analysts; no personal data.

Each table is built from staging, and only when staging changed since it was last built (see
etl_project/warehouse/incremental/tables.py): a nightly run on unchanged files leaves them as they are, and
when one county's registry changed, fact_household has that county's rows replaced rather than
being copied whole again. Each reports the version of what it holds as its data version.
"""

from functools import cache
from pathlib import Path

import dagster as dg
import sqlalchemy as sa

from assets.metadata import FRAME_KINDS, table_asset, table_metadata
from etl_project.core import regions
from etl_project.core.regions import REFERENCE_DIR, default_index
from etl_project.ingest.resources import WarehouseResource
from etl_project.warehouse import dimensions
from etl_project.warehouse.dimensions import build_dim_region
from etl_project.warehouse.incremental import tables
from etl_project.warehouse.names import code_rows, named_select
from schemas import source_catalog
from schemas.investment_tables import STG_VILLAGE
from schemas.names import names_regions
from schemas.registry import CATALOG, Table
from schemas.sql import column_sql
from schemas.tables import DIM_CODE, DIM_REGION, FACT_HOUSEHOLD, STG_HOUSEHOLD

# Up to this many changed files, fact_household has their rows replaced; beyond, it is rebuilt.
FILES_REPLACED_IN_PLACE = 32


@cache
def _dim_region_recipe() -> str:
    # The dimension is computed in Python from the reference data: its code and data are its recipe.
    code = [Path(module.__file__).read_bytes() for module in (dimensions, regions)]
    data = [path.read_bytes() for path in sorted(Path(REFERENCE_DIR).glob("*.csv"))]
    return tables.recipe(DIM_REGION, *dimensions.PLACE_TABLES, *code, *data)


@table_asset(DIM_REGION, note="Reference: data/reference/SOURCES.md. Local codes: see README.", kinds=FRAME_KINDS)
def dim_region(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.open() as db:
        staged = tables.from_staging(db, DIM_REGION, dimensions.PLACE_SOURCES, _dim_region_recipe())
        if staged.current:
            rows = db.row_count(DIM_REGION)
            levels = db.query(
                f"SELECT region_level, COUNT(*) AS n FROM {db.name(DIM_REGION)} GROUP BY region_level ORDER BY n DESC, region_level"
            )
            by_level = dict(zip(levels["region_level"], (int(n) for n in levels["n"])))
        else:
            places = db.query(dimensions.places_sql(db.name))
            village_list = db.query(
                f"SELECT village_code, is_poor_village, exit_year AS village_exit_year, registered_population, agricultural_population "
                f"FROM {db.name(STG_VILLAGE)} ORDER BY source_file, source_sheet, source_row"
            )
            frame = build_dim_region(default_index(), places, village_list)
            rows = db.replace(DIM_REGION, frame)
            by_level = frame["region_level"].value_counts().to_dict()
        decision = staged.built(db, "unchanged" if staged.current else "rebuilt")
    return dg.MaterializeResult(
        metadata={**table_metadata(DIM_REGION, rows), "rows_by_level": dg.MetadataValue.json(by_level), "build": decision.reason},
        data_version=decision.data_version,
    )


@table_asset(DIM_CODE, note="Made from schemas/vocabularies.py, as are the *_name columns beside the codes.", kinds=FRAME_KINDS)
def dim_code(warehouse: WarehouseResource) -> dg.MaterializeResult:
    frame = code_rows()
    with warehouse.open() as db:
        rows = db.replace(DIM_CODE, frame)
        decision = tables.rewritten(db, DIM_CODE)
    by_vocabulary = frame["vocabulary"].value_counts(sort=False).to_dict()
    return dg.MaterializeResult(
        metadata={**table_metadata(DIM_CODE, rows), "codes_by_vocabulary": dg.MetadataValue.json(by_vocabulary)},
        data_version=decision.data_version,
    )


def _names_recipe(table) -> tuple:
    """What the names of a table's rows depend on besides its SQL: the reference regions (county
    names), when it names regions. Township and village codes are made from their names."""
    return (_dim_region_recipe(),) if names_regions(table) else ()


@table_asset(FACT_HOUSEHOLD)
def fact_household(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.open() as db:
        select, params = _fact_household_sql(db)
        how = tables.recipe(FACT_HOUSEHOLD, STG_HOUSEHOLD, select, params, *_names_recipe(FACT_HOUSEHOLD))
        staged = tables.from_staging(db, FACT_HOUSEHOLD, ("registry",), how)
        changed = staged.changed_files(db)
        if staged.current:
            rows, build = db.row_count(FACT_HOUSEHOLD), "unchanged"
        elif staged.before is not None and len(changed) <= FILES_REPLACED_IN_PLACE:
            rows, build = _replace_files(db, changed), f"rows of {len(changed)} changed files replaced"
        else:
            rows, build = db.replace_from_sql(FACT_HOUSEHOLD, select, params), "rebuilt"
        decision = staged.built(db, build)
    return dg.MaterializeResult(
        metadata={**table_metadata(FACT_HOUSEHOLD, rows), "build": decision.reason}, data_version=decision.data_version
    )


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


# What an asset's description adds to its table's declaration.
_NOTES = {
    "dim_donor": "Individuals appear by keyed hash only, without a name.",
    "fact_person": "Only registries sent as the national per-person export have members here.",
}


def _staged_by(table: Table) -> tuple[str, ...]:
    """The sources whose files fill the staging tables the table is selected from: the loads that
    can change it."""
    staged = {t.name for s in source_catalog.sources() for t in s.staged}
    unstaged = [name for name in table.inputs if name not in staged]
    if unstaged:
        raise ValueError(f"{table.name}: a declared SELECT reads staging tables only, not {unstaged}; its asset is written in assets/")
    return tuple(s.name for s in source_catalog.sources() if any(t.name in table.inputs for t in s.staged))


def _sql_asset(table: Table) -> dg.AssetsDefinition:
    """A table declared with its SELECT over staging tables, rebuilt by it (its columns but the
    names beside its codes, which are added to it) and replaced atomically when its sources changed."""
    sources = _staged_by(table)

    @table_asset(table, note=_NOTES.get(table.name, ""))
    def build(warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.open() as db:
            sql, params = named_select(db, table, table.select(db))
            staged = tables.from_staging(db, table, sources, tables.recipe(table, sql, params, *_names_recipe(table)))
            rows = db.row_count(table) if staged.current else db.replace_from_sql(table, sql, params)
            decision = staged.built(db, "unchanged" if staged.current else "rebuilt")
        return dg.MaterializeResult(metadata={**table_metadata(table, rows), "build": decision.reason}, data_version=decision.data_version)

    return build


def build_sql_tables() -> list[dg.AssetsDefinition]:
    """An asset for each table declared with its SELECT (schemas/), as declared when the definitions
    are built."""
    return [_sql_asset(table) for table in CATALOG.tables.values() if table.select is not None]
