"""Warehouse layer: dimensions and facts for analysts; no personal data."""


import dagster as dg

from assets.metadata import OWNERS, describe, table_metadata
from etl_project.dimensions import build_dim_region
from etl_project.regions import default_index
from etl_project.resources import WarehouseResource
from schemas.tables import DIM_REGION, FACT_HOUSEHOLD, STG_HOUSEHOLD


@dg.asset(
    group_name="warehouse",
    owners=OWNERS,
    kinds={"pandas", "duckdb"},
    deps=["stg_household"],
    description=describe(DIM_REGION, "Reference: data/reference/SOURCES.md. Local codes: see README."),
    metadata=table_metadata(DIM_REGION),
)
def dim_region(warehouse: WarehouseResource) -> dg.MaterializeResult:
    db = warehouse.open()
    try:
        stg = db.quote(STG_HOUSEHOLD.name)
        places = db.query(
            f"SELECT DISTINCT county_code, township_code, township_name, village_code, village_name FROM {stg} "
            "ORDER BY county_code, township_code, village_code"
        )
        frame = build_dim_region(default_index(), places)
        rows = db.replace(DIM_REGION, frame)
    finally:
        db.close()
    by_level = frame["region_level"].value_counts().to_dict()
    return dg.MaterializeResult(metadata={**table_metadata(DIM_REGION, rows), "rows_by_level": dg.MetadataValue.json(by_level)})


@dg.asset(
    group_name="warehouse",
    owners=OWNERS,
    kinds={"duckdb"},
    deps=["stg_household"],
    description=describe(FACT_HOUSEHOLD),
    metadata=table_metadata(FACT_HOUSEHOLD),
)
def fact_household(warehouse: WarehouseResource) -> dg.MaterializeResult:
    db = warehouse.open()
    try:
        columns = ", ".join(db.quote(c) for c in FACT_HOUSEHOLD.column_names)
        rows = db.replace_from_sql(FACT_HOUSEHOLD, f"SELECT {columns} FROM {db.quote(STG_HOUSEHOLD.name)}")
    finally:
        db.close()
    return dg.MaterializeResult(metadata=table_metadata(FACT_HOUSEHOLD, rows))
