"""Marts: the figures analysts and BI tools read."""


import dagster as dg

from assets.metadata import OWNERS, describe, table_metadata
from etl_project.marts import FIRST_MART_YEAR, LAST_PROGRAMME_YEAR, event_year_bounds_sql, poverty_exit_sql
from etl_project.resources import WarehouseResource
from schemas.tables import FACT_HOUSEHOLD, MART_POVERTY_EXIT

_COUNT_COLUMNS = [c for c in MART_POVERTY_EXIT.column_names if c not in ("region_code", "region_level", "year")]


@dg.asset(
    group_name="marts",
    owners=OWNERS,
    kinds={"duckdb"},
    deps=["fact_household", "dim_region"],
    description=describe(MART_POVERTY_EXIT),
    metadata={
        **table_metadata(MART_POVERTY_EXIT),
        "dagster/column_lineage": dg.TableColumnLineage(
            deps_by_column={
                "region_code": [dg.TableColumnDep(asset_key=dg.AssetKey("fact_household"), column_name=c) for c in ("county_code", "township_code", "village_code")],
                "year": [dg.TableColumnDep(asset_key=dg.AssetKey("fact_household"), column_name=c) for c in ("identification_year", "exit_year", "returned_year")],
                **{
                    column: [
                        dg.TableColumnDep(asset_key=dg.AssetKey("fact_household"), column_name=source)
                        for source in ("identification_year", "exit_year", "returned_year", "household_size")
                    ]
                    for column in _COUNT_COLUMNS
                },
            }
        ),
    },
)
def mart_poverty_exit(warehouse: WarehouseResource) -> dg.MaterializeResult:
    db = warehouse.open()
    try:
        fact = db.quote(FACT_HOUSEHOLD.name)
        low, high = db.one(event_year_bounds_sql(fact))
        params = {
            "first_year": min(low or FIRST_MART_YEAR, FIRST_MART_YEAR),
            "last_year": max(high or LAST_PROGRAMME_YEAR, LAST_PROGRAMME_YEAR),
            "mart_first_year": FIRST_MART_YEAR,
        }
        rows = db.replace_from_sql(MART_POVERTY_EXIT, poverty_exit_sql(fact), params)
    finally:
        db.close()
    return dg.MaterializeResult(
        metadata={**table_metadata(MART_POVERTY_EXIT, rows), "years": f"{FIRST_MART_YEAR}-{params['last_year']}"}
    )
