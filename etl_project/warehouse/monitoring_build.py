"""Building the monitoring tables and listing the households that break its rules: the steps the
assets run, callable on any warehouse."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from etl_project.warehouse import monitoring as sql
from etl_project.warehouse.engine import Warehouse
from etl_project.warehouse.names import named_select
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

MARTS_BY = {MART_MONITORING.name: None, MART_MONITORING_CATEGORY.name: "category", MART_MONITORING_RISK.name: "risk"}
_MARTS = {t.name: t for t in (MART_MONITORING, MART_MONITORING_CATEGORY, MART_MONITORING_RISK)}


def spell_select(db: Warehouse) -> tuple[str, dict]:
    return named_select(db, FACT_MONITORING_SPELL, sql.spell_sql(db.name(STG_MONITORING)))


def build_spells(db: Warehouse) -> int:
    return db.replace_from_sql(FACT_MONITORING_SPELL, *spell_select(db))


def mart_select(db: Warehouse, table: Table) -> tuple[str, dict] | None:
    """The mart's SELECT and parameters over the spells now in the warehouse; None without spells."""
    spell = db.name(FACT_MONITORING_SPELL)
    first, last = db.one(sql.spell_date_bounds_sql(spell))
    if first is None:
        return None
    periods, params = sql.period_rows(pd.Timestamp(first).date(), pd.Timestamp(last).date())
    by = MARTS_BY[table.name]
    if by == "risk":
        params.update(sql.risk_code_rows()[1])
    select, names = named_select(db, table, sql.monitoring_mart_sql(spell, db.name(DIM_REGION), periods, db.dialect, by))
    return select, {**params, **names}


def build_mart(db: Warehouse, name: str) -> int:
    """The mart rebuilt from the spells (emptied when there are none)."""
    table = _MARTS[name]
    select = mart_select(db, table)
    if select is None:
        return db.replace(table, pd.DataFrame({c: pd.Series([], dtype="object") for c in table.column_names}))
    return db.replace_from_sql(table, *select)


def exited_select(db: Warehouse) -> tuple[str, dict]:
    base = sql.monitoring_exited_sql(db.name(FACT_HOUSEHOLD), db.name(FACT_MONITORING_SPELL), db.name(DIM_REGION), db.dialect)
    return named_select(db, MART_MONITORING_EXITED, base)


def build_exited(db: Warehouse) -> int:
    return db.replace_from_sql(MART_MONITORING_EXITED, *exited_select(db))


# Rule name → the SELECT (and parameters) listing the spells or households that break it.
RULES: dict[str, Callable[[Warehouse], tuple[str, dict]]] = {
    "early_or_unhelped_elimination": lambda db: (sql.early_or_unhelped_elimination_sql(db.name(FACT_MONITORING_SPELL)), {}),
    "eliminated_without_labour": lambda db: (sql.eliminated_without_labour_sql(db.name(FACT_MONITORING_SPELL)), {}),
    "dates_out_of_order": lambda db: (sql.dates_out_of_order_sql(db.name(FACT_MONITORING_SPELL)), {}),
    "household_in_two_counties": lambda db: (sql.in_two_counties_sql(db.name(FACT_MONITORING_SPELL)), {}),
    "unstable_household_not_exited": lambda db: sql.unstable_not_exited_sql(db.name(FACT_MONITORING_SPELL), db.name(FACT_HOUSEHOLD)),
    "marginal_household_registered_poor": lambda db: sql.marginal_registered_sql(db.name(FACT_MONITORING_SPELL), db.name(FACT_HOUSEHOLD)),
}


def findings(db: Warehouse, rule: str) -> pd.DataFrame:
    select, params = RULES[rule](db)
    return db.query(f"{select} ORDER BY 1, 2", params)


def income_judgements(db: Warehouse, lines: list[dict] | None = None) -> pd.DataFrame:
    """Every eliminated spell judged against its province's monitoring line of the year (the shipped
    lines unless ``lines`` is given): column ``judgement``, see monitoring.income_judgements_sql."""
    lines = sql.monitoring_lines() if lines is None else lines
    select, params = sql.income_judgements_sql(db.name(FACT_MONITORING_SPELL), lines)
    return db.query(f"{select} ORDER BY 1, 2, 3", params)


def income_findings(db: Warehouse, lines: list[dict] | None = None) -> tuple[pd.DataFrame, int]:
    """The eliminations at or below their line, and how many the rule could not judge for want of
    a known line."""
    judged = income_judgements(db, lines)
    listed = judged[judged["judgement"] == sql.AT_OR_BELOW_LINE].reset_index(drop=True)
    return listed, int((judged["judgement"] == sql.LINE_UNKNOWN).sum())
