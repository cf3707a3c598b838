"""Warehouse layer: dimensions and facts for analysts; no personal data."""


from collections.abc import Callable

import dagster as dg

from assets.metadata import FRAME_KINDS, OWNERS, TABLE_KINDS, describe, table_metadata
from etl_project.dimensions import build_dim_region
from etl_project.regions import default_index
from etl_project.resources import WarehouseResource
from schemas.investment_tables import DIM_DONOR, DIM_PROJECT, FACT_INVESTMENT, STG_FUND_MOVEMENT, STG_PROJECT, STG_VILLAGE
from schemas.tables import DIM_REGION, FACT_HOUSEHOLD, STG_HOUSEHOLD


@dg.asset(
    group_name="warehouse",
    owners=OWNERS,
    kinds=FRAME_KINDS,
    deps=["stg_household", "stg_village"],
    description=describe(DIM_REGION, "Reference: data/reference/SOURCES.md. Local codes: see README."),
    metadata=table_metadata(DIM_REGION),
)
def dim_region(warehouse: WarehouseResource) -> dg.MaterializeResult:
    db = warehouse.open()
    try:
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
    finally:
        db.close()
    by_level = frame["region_level"].value_counts().to_dict()
    return dg.MaterializeResult(metadata={**table_metadata(DIM_REGION, rows), "rows_by_level": dg.MetadataValue.json(by_level)})


@dg.asset(
    group_name="warehouse",
    owners=OWNERS,
    kinds=TABLE_KINDS,
    deps=["stg_household"],
    description=describe(FACT_HOUSEHOLD),
    metadata=table_metadata(FACT_HOUSEHOLD),
)
def fact_household(warehouse: WarehouseResource) -> dg.MaterializeResult:
    db = warehouse.open()
    try:
        columns = ", ".join(db.quote(c) for c in FACT_HOUSEHOLD.column_names)
        rows = db.replace_from_sql(FACT_HOUSEHOLD, f"SELECT {columns} FROM {db.name(STG_HOUSEHOLD)}")
    finally:
        db.close()
    return dg.MaterializeResult(metadata=table_metadata(FACT_HOUSEHOLD, rows))


def _sql_asset(table, deps: list[str], select: Callable[[object], str], extra: str = ""):
    """A warehouse table rebuilt from staging by one SELECT, replaced atomically."""

    @dg.asset(
        name=table.name,
        group_name="warehouse",
        owners=OWNERS,
        kinds=TABLE_KINDS,
        deps=deps,
        description=describe(table, extra),
        metadata=table_metadata(table),
    )
    def build(warehouse: WarehouseResource) -> dg.MaterializeResult:
        db = warehouse.open()
        try:
            rows = db.replace_from_sql(table, select(db))
        finally:
            db.close()
        return dg.MaterializeResult(metadata=table_metadata(table, rows))

    return build


def _fact_investment_sql(db) -> str:
    year = "CAST(EXTRACT(YEAR FROM fund_date) AS INTEGER)"
    columns = ", ".join(year if c == "year" else db.quote(c) for c in FACT_INVESTMENT.column_names)
    return f"SELECT {columns} FROM {db.name(STG_FUND_MOVEMENT)}"


def _dim_donor_sql(db) -> str:
    # One row per donor key; the name, type and parent are the same for every row of a key by
    # construction (the key hashes them), MIN just picks that value.
    return (
        "SELECT donor_key, MIN(donor_name), MIN(donor_type), MIN(donor_parent), COUNT(*), SUM(amount_yuan) "
        f"FROM {db.name(STG_FUND_MOVEMENT)} GROUP BY donor_key"
    )


def _dim_project_sql(db) -> str:
    columns = ", ".join("COALESCE(b.booked, 0)" if c == "booked_yuan" else f"p.{db.quote(c)}" for c in DIM_PROJECT.column_names)
    return (
        f"SELECT {columns} FROM {db.name(STG_PROJECT)} p "
        f"LEFT JOIN (SELECT project_code, SUM(amount_yuan) AS booked FROM {db.name(STG_FUND_MOVEMENT)} "
        "WHERE project_code IS NOT NULL GROUP BY project_code) b ON b.project_code = p.project_code"
    )


fact_investment = _sql_asset(FACT_INVESTMENT, ["stg_fund_movement"], _fact_investment_sql)
dim_donor = _sql_asset(DIM_DONOR, ["stg_fund_movement"], _dim_donor_sql, "Individuals appear by keyed hash only, without a name.")
dim_project = _sql_asset(DIM_PROJECT, ["stg_project", "stg_fund_movement"], _dim_project_sql)
