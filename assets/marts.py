"""Marts: the figures analysts and BI tools read."""


import dagster as dg

from assets.metadata import OWNERS, TABLE_KINDS, WAREHOUSE_POOL, describe, table_metadata
from assets.staging import latest_file_states
from etl_project import figures, fingerprint
from etl_project.amounts import yuan_text
from etl_project.marts import (
    FIRST_MART_YEAR,
    LAST_PROGRAMME_YEAR,
    event_year_bounds_sql,
    investment_sql,
    poverty_exit_sql,
    project_reach_sql,
)
from etl_project.names import named_select
from etl_project.resources import WarehouseResource
from etl_project.staging import generation
from schemas.investment_tables import DIM_PROJECT, FACT_INVESTMENT, MART_INVESTMENT, MART_PROJECT_REACH
from schemas.tables import DIM_REGION, FACT_HOUSEHOLD, MART_POVERTY_EXIT


def built_from(db, sources: tuple[str, ...]) -> dict:
    """Which files the mart stands on now: a file whose latest load failed is named, since the mart
    then holds its last good rows (or none) rather than what the file now says."""
    state = latest_file_states(db)
    state = state[state["source"].isin(sources)]
    return {
        "files_current": dg.MetadataValue.int(int(state["status"].isin(["loaded", "unchanged"]).sum())),
        "files_failed_kept_last_good": dg.MetadataValue.json(sorted(state.loc[state["status"] == "failed", "source_file"])),
    }


_COUNT_COLUMNS = [
    c for c in MART_POVERTY_EXIT.base_column_names if c not in ("region_code", "region_level", "year", "year_start", "villages_exited", "poverty_incidence", "agricultural_population")
]


def _deps(asset: str, *columns: str) -> list[dg.TableColumnDep]:
    return [dg.TableColumnDep(asset_key=dg.AssetKey(asset), column_name=c) for c in columns]


@dg.asset(
    pool=WAREHOUSE_POOL,
    group_name="marts",
    owners=OWNERS,
    kinds=TABLE_KINDS,
    deps=["fact_household", "dim_region"],
    description=describe(MART_POVERTY_EXIT),
    metadata={
        **table_metadata(MART_POVERTY_EXIT),
        "dagster/column_lineage": dg.TableColumnLineage(
            deps_by_column={
                "region_code": [dg.TableColumnDep(asset_key=dg.AssetKey("fact_household"), column_name=c) for c in ("county_code", "township_code", "village_code")],
                "year": [dg.TableColumnDep(asset_key=dg.AssetKey("fact_household"), column_name=c) for c in ("identification_year", "exit_year", "returned_year")],
                "year_start": [dg.TableColumnDep(asset_key=dg.AssetKey("fact_household"), column_name=c) for c in ("identification_year", "exit_year", "returned_year")],
                **{
                    column: [
                        dg.TableColumnDep(asset_key=dg.AssetKey("fact_household"), column_name=source)
                        for source in ("identification_year", "exit_year", "returned_year", "household_size")
                    ]
                    for column in _COUNT_COLUMNS
                },
                "villages_exited": _deps("dim_region", "is_poor_village", "village_exit_year"),
                "poverty_incidence": _deps("dim_region", "agricultural_population") + _deps("fact_household", "household_size", "exit_year", "returned_year"),
                "agricultural_population": _deps("dim_region", "agricultural_population") + _deps("fact_household", "village_code"),
            }
        ),
    },
)
def mart_poverty_exit(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    db = warehouse.open()
    try:
        fact = db.name(FACT_HOUSEHOLD)
        sql, names = named_select(db, MART_POVERTY_EXIT, poverty_exit_sql(fact, db.name(DIM_REGION), db.dialect))
        # The mart is a function of the two tables it reads: while they hold what they held when it
        # was last built, it is kept (a national registry is 6 s of aggregation).
        inputs = fingerprint.fingerprints(db, [FACT_HOUSEHOLD, DIM_REGION], recipe=generation.recipe(MART_POVERTY_EXIT, sql, names, FIRST_MART_YEAR, LAST_PROGRAMME_YEAR))
        kept = fingerprint.recall(db, MART_POVERTY_EXIT.name, inputs) if db.has_table(MART_POVERTY_EXIT) else None
        if kept is not None:
            rows, last_year, build = db.row_count(MART_POVERTY_EXIT), kept["last_year"], "unchanged"
            db.ensure_views(MART_POVERTY_EXIT)  # its per-level views, as declared now
        else:
            low, high = db.one(event_year_bounds_sql(fact))
            params = {
                **names,
                "first_year": min(low or FIRST_MART_YEAR, FIRST_MART_YEAR),
                "last_year": max(high or LAST_PROGRAMME_YEAR, LAST_PROGRAMME_YEAR),
                "mart_first_year": FIRST_MART_YEAR,
            }
            rows, last_year, build = db.replace_from_sql(MART_POVERTY_EXIT, sql, params), params["last_year"], "rebuilt"
            fingerprint.remember(db, MART_POVERTY_EXIT.name, inputs, {"last_year": last_year})
        provenance = built_from(db, ("registry", "villages"))
        figure = figures.exits_by_year(db)
    finally:
        db.close()
    return dg.MaterializeResult(
        metadata={
            **table_metadata(MART_POVERTY_EXIT, rows),
            "years": f"{FIRST_MART_YEAR}-{last_year}",
            "build": build,
            **provenance,
            "exits_by_year": dg.MetadataValue.md(figure),
        }
    )


@dg.asset(
    pool=WAREHOUSE_POOL,
    group_name="marts",
    owners=OWNERS,
    kinds=TABLE_KINDS,
    deps=["fact_investment", "dim_project", "dim_region"],
    description=describe(MART_INVESTMENT),
    metadata={
        **table_metadata(MART_INVESTMENT),
        "dagster/column_lineage": dg.TableColumnLineage(
            deps_by_column={
                "region_code": _deps("fact_investment", "county_code", "township_code", "village_code"),
                "year": _deps("fact_investment", "year"),
                "year_start": _deps("fact_investment", "year"),
                "category": _deps("fact_investment", "category"),
                "donor_type": _deps("fact_investment", "donor_type"),
                "amount_yuan": _deps("fact_investment", "amount_yuan"),
                "project_count": _deps("fact_investment", "project_code"),
                "households_benefited": _deps("dim_project", "households_benefited"),
                "persons_benefited": _deps("dim_project", "persons_benefited"),
                "yuan_per_household_benefited": _deps("fact_investment", "amount_yuan") + _deps("dim_project", "households_benefited"),
            }
        ),
    },
)
def mart_investment(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    db = warehouse.open()
    try:
        rows = db.replace_from_sql(
            MART_INVESTMENT, *named_select(db, MART_INVESTMENT, investment_sql(db.name(FACT_INVESTMENT), db.name(DIM_PROJECT), db.dialect))
        )
        total = db.scalar(f"SELECT SUM(amount_yuan) FROM {db.name(FACT_INVESTMENT)}")
        provenance = built_from(db, ("funds", "projects"))
        figure = figures.money_by_county_and_year(db)
    finally:
        db.close()
    return dg.MaterializeResult(
        metadata={
            **table_metadata(MART_INVESTMENT, rows),
            "total_amount": yuan_text(total or 0),
            "total_amount_yuan": dg.MetadataValue.float(float(total or 0)),
            **provenance,
            "money_by_county_and_year": dg.MetadataValue.md(figure),
        }
    )


@dg.asset(
    pool=WAREHOUSE_POOL,
    group_name="marts",
    owners=OWNERS,
    kinds=TABLE_KINDS,
    deps=["fact_investment", "dim_project", "dim_region"],
    description=describe(
        MART_PROJECT_REACH,
        "The table to sum: mart_investment counts a project in every year and donor type that funded it, this one once.",
    ),
    metadata={
        **table_metadata(MART_PROJECT_REACH),
        "dagster/column_lineage": dg.TableColumnLineage(
            deps_by_column={
                "region_code": _deps("dim_project", "county_code", "township_code", "village_code"),
                "year": _deps("fact_investment", "year", "project_code"),
                "year_start": _deps("fact_investment", "year", "project_code"),
                "category": _deps("dim_project", "project_type"),
                "projects": _deps("fact_investment", "project_code") + _deps("dim_project", "project_code"),
                "households_benefited": _deps("dim_project", "households_benefited"),
                "persons_benefited": _deps("dim_project", "persons_benefited"),
                "booked_yuan": _deps("fact_investment", "amount_yuan", "project_code"),
            }
        ),
    },
)
def mart_project_reach(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    db = warehouse.open()
    try:
        rows = db.replace_from_sql(MART_PROJECT_REACH, *named_select(db, MART_PROJECT_REACH, project_reach_sql(db.name(FACT_INVESTMENT), db.name(DIM_PROJECT))))
        projects = db.scalar(f"SELECT SUM(projects) FROM {db.name(MART_PROJECT_REACH)} WHERE region_level = 'province'")
        provenance = built_from(db, ("funds", "projects"))
        figure = figures.projects_by_type(db)
    finally:
        db.close()
    return dg.MaterializeResult(
        metadata={
            **table_metadata(MART_PROJECT_REACH, rows),
            "projects_funded": int(projects or 0),
            **provenance,
            "projects_by_type": dg.MetadataValue.md(figure),
        }
    )
