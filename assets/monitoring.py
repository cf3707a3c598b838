"""Monitoring against a return to poverty: household spells built from every snapshot, and the marts
counted from them (by region and period, by category, by risk type, and the exited households of
the registry that are back at risk).

The spells are rebuilt when the monitoring staging changed since they were last built; each mart is
kept while the tables it reads hold what they held when it was built.
"""

from functools import cache
from pathlib import Path

import dagster as dg

from assets.marts import built_from
from assets.metadata import table_asset, table_metadata
from assets.warehouse import _names_recipe
from etl_project.ingest.resources import WarehouseResource
from etl_project.warehouse import monitoring, monitoring_build
from etl_project.warehouse.incremental import tables
from schemas.monitoring_sources import STG_MONITORING
from schemas.monitoring_tables import (
    FACT_MONITORING_SPELL,
    MART_MONITORING,
    MART_MONITORING_CATEGORY,
    MART_MONITORING_EXITED,
    MART_MONITORING_RISK,
)
from schemas.registry import Table
from schemas.tables import DIM_REGION, FACT_HOUSEHOLD

SOURCES = ("monitoring",)


@cache
def _code_recipe() -> bytes:
    # The marts' SQL is made per run (its periods follow the data): the code that makes it is the recipe.
    return b"".join(Path(module.__file__).read_bytes() for module in (monitoring, monitoring_build))


@table_asset(FACT_MONITORING_SPELL, note="A household absent from a later export of its county without elimination is flagged, not closed.")
def fact_monitoring_spell(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.open() as db:
        select, params = monitoring_build.spell_select(db)
        how = tables.recipe(FACT_MONITORING_SPELL, STG_MONITORING, select, params, *_names_recipe(FACT_MONITORING_SPELL))
        staged = tables.from_staging(db, FACT_MONITORING_SPELL, SOURCES, how)
        rows = db.row_count(FACT_MONITORING_SPELL) if staged.current else db.replace_from_sql(FACT_MONITORING_SPELL, select, params)
        decision = staged.built(db, "unchanged" if staged.current else "rebuilt")
        spell = db.name(FACT_MONITORING_SPELL)
        open_spells, dropped = db.one(
            f"SELECT COALESCE(SUM(CASE WHEN NOT risk_eliminated THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM(CASE WHEN missing_from_later_snapshot THEN 1 ELSE 0 END), 0) FROM {spell}"
        )
    return dg.MaterializeResult(
        metadata={
            **table_metadata(FACT_MONITORING_SPELL, rows),
            "open_spells": int(open_spells),
            "missing_from_later_snapshot": int(dropped),
            "build": decision.reason,
        },
        data_version=decision.data_version,
    )


def _kept_or_rebuilt(db, table: Table, inputs: list[Table], rebuild):
    """The mart kept while its inputs are unchanged, the monitoring modules' code being its recipe."""
    return tables.kept_or_rebuilt(db, table, inputs, tables.recipe(table, _code_recipe()), rebuild)


def _mart_asset(table: Table):
    @table_asset(table, note="Periods run from the first taking-in to the latest export or elimination, by year and by month.")
    def build(warehouse: WarehouseResource) -> dg.MaterializeResult:
        with warehouse.open() as db:
            rows, decision = _kept_or_rebuilt(
                db, table, [FACT_MONITORING_SPELL, DIM_REGION], lambda: monitoring_build.build_mart(db, table.name)
            )
            provenance = built_from(db, SOURCES)
        return dg.MaterializeResult(
            metadata={**table_metadata(table, rows), "build": decision.reason, **provenance}, data_version=decision.data_version
        )

    return build


mart_monitoring = _mart_asset(MART_MONITORING)
mart_monitoring_category = _mart_asset(MART_MONITORING_CATEGORY)
mart_monitoring_risk = _mart_asset(MART_MONITORING_RISK)


@table_asset(
    MART_MONITORING_EXITED, note="Registry and monitoring meet on household_key, the same keyed hash of the head's ID number in both."
)
def mart_monitoring_exited(warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.open() as db:
        rows, decision = _kept_or_rebuilt(
            db, MART_MONITORING_EXITED, [FACT_HOUSEHOLD, FACT_MONITORING_SPELL, DIM_REGION], lambda: monitoring_build.build_exited(db)
        )
        provenance = built_from(db, ("registry", *SOURCES))
    return dg.MaterializeResult(
        metadata={**table_metadata(MART_MONITORING_EXITED, rows), "build": decision.reason, **provenance},
        data_version=decision.data_version,
    )
