"""Marts: the figures analysts and BI tools read."""

import dagster as dg

from assets.metadata import table_asset, table_metadata
from assets.staging import latest_file_states
from etl_project.core.amounts import yuan_text
from etl_project.ingest.resources import WarehouseResource
from etl_project.warehouse import figures
from etl_project.warehouse.incremental import Decision, tables
from etl_project.warehouse.marts import (
    FIRST_MART_YEAR,
    LAST_PROGRAMME_YEAR,
    event_year_bounds_sql,
    investment_sql,
    poverty_exit_sql,
    project_reach_sql,
)
from etl_project.warehouse.names import named_select
from schemas.investment_tables import DIM_PROJECT, FACT_INVESTMENT, MART_INVESTMENT, MART_PROJECT_REACH
from schemas.registry import CATALOG, Table
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


@table_asset(MART_POVERTY_EXIT)
def mart_poverty_exit(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.open() as db:
        fact = db.name(FACT_HOUSEHOLD)
        sql, names = named_select(db, MART_POVERTY_EXIT, poverty_exit_sql(fact, db.name(DIM_REGION), db.dialect))
        # The mart is a function of the two tables it reads: while they hold what they held when it
        # was last built, it is kept (a national registry is 6 s of aggregation).
        how = tables.recipe(MART_POVERTY_EXIT, sql, names, FIRST_MART_YEAR, LAST_PROGRAMME_YEAR)
        memo = tables.derived(db, MART_POVERTY_EXIT.name, [FACT_HOUSEHOLD, DIM_REGION], how)
        if db.has_table(MART_POVERTY_EXIT) and memo.answer is not None:
            rows, last_year, decision = db.row_count(MART_POVERTY_EXIT), memo.answer["last_year"], memo.kept("unchanged")
            db.ensure_views(MART_POVERTY_EXIT)  # its per-level views, as declared now
        else:
            low, high = db.one(event_year_bounds_sql(fact))
            params = {
                **names,
                "first_year": min(low or FIRST_MART_YEAR, FIRST_MART_YEAR),
                "last_year": max(high or LAST_PROGRAMME_YEAR, LAST_PROGRAMME_YEAR),
                "mart_first_year": FIRST_MART_YEAR,
            }
            rows, last_year = db.replace_from_sql(MART_POVERTY_EXIT, sql, params), params["last_year"]
            decision = memo.made(db, {"last_year": last_year}, "rebuilt")
        provenance = built_from(db, ("registry", "villages"))
        figure = figures.exits_by_year(db)
    return dg.MaterializeResult(
        metadata={
            **table_metadata(MART_POVERTY_EXIT, rows),
            "years": f"{FIRST_MART_YEAR}-{last_year}",
            "build": decision.reason,
            **provenance,
            "exits_by_year": dg.MetadataValue.md(figure),
        },
        data_version=decision.data_version,
    )


def _kept_or_rebuilt(db, mart: Table, select: tuple[str, dict]) -> tuple[int, Decision]:
    """The mart as it is while the tables it reads (and the region names beside its codes) hold
    what they held when it was built; else built again from them."""
    sql, params = select
    inputs = [CATALOG[name] for name in mart.inputs] + [DIM_REGION]
    rows, decision = tables.kept_or_rebuilt(
        db, mart, inputs, tables.recipe(mart, sql, params), lambda: db.replace_from_sql(mart, sql, params)
    )
    if decision.kept:
        db.ensure_views(mart)  # its per-level views, as declared now
    # Known by what it holds: a registry file rebuilds the region names it reads, most often the same names.
    return rows, Decision(decision.kept, tables.rewritten(db, mart).version, decision.reason)


@table_asset(MART_INVESTMENT)
def mart_investment(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.open() as db:
        select = named_select(db, MART_INVESTMENT, investment_sql(db.name(FACT_INVESTMENT), db.name(DIM_PROJECT), db.dialect))
        rows, decision = _kept_or_rebuilt(db, MART_INVESTMENT, select)
        total = db.scalar(f"SELECT SUM(amount_yuan) FROM {db.name(FACT_INVESTMENT)}")
        provenance = built_from(db, ("funds", "projects"))
        figure = figures.money_by_county_and_year(db)
    return dg.MaterializeResult(
        metadata={
            **table_metadata(MART_INVESTMENT, rows),
            "total_amount": yuan_text(total or 0),
            "total_amount_yuan": dg.MetadataValue.float(float(total or 0)),
            **provenance,
            "money_by_county_and_year": dg.MetadataValue.md(figure),
        },
        data_version=decision.data_version,
    )


@table_asset(
    MART_PROJECT_REACH,
    note="The table to sum: mart_investment counts a project in every year and donor type that funded it, this one once.",
)
def mart_project_reach(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.open() as db:
        select = named_select(db, MART_PROJECT_REACH, project_reach_sql(db.name(FACT_INVESTMENT), db.name(DIM_PROJECT)))
        rows, decision = _kept_or_rebuilt(db, MART_PROJECT_REACH, select)
        projects = db.scalar(f"SELECT SUM(projects) FROM {db.name(MART_PROJECT_REACH)} WHERE region_level = 'province'")
        provenance = built_from(db, ("funds", "projects"))
        figure = figures.projects_by_type(db)
    return dg.MaterializeResult(
        metadata={
            **table_metadata(MART_PROJECT_REACH, rows),
            "projects_funded": int(projects or 0),
            **provenance,
            "projects_by_type": dg.MetadataValue.md(figure),
        },
        data_version=decision.data_version,
    )
