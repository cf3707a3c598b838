"""Monitoring against a return to poverty (防止返贫监测): household spells and the marts over them.

Every export of the monitoring system is a snapshot as of its date; the warehouse keeps the history
of each household as spells (taken in → risk eliminated, or still open) built from all snapshots,
and counts the marts from the spells. Regions are referred to by code, money is in yuan.
"""

from __future__ import annotations

from dataclasses import replace

from schemas.fields import INCOME_PER_PERSON_YUAN, REGION_CODE, REGION_LEVEL_COLUMN, TOWNSHIP_CODE, VILLAGE_CODE
from schemas.monitoring_sources import STG_MONITORING
from schemas.names import with_names
from schemas.registry import CATALOG, CODE, DATE, FLAG, HOUSEHOLDS, INTEGER, NUMBER, PERSONS, STRING, YEAR, Field, Table, dated
from schemas.tables import DIM_REGION, FACT_HOUSEHOLD
from schemas.vocabularies import MONITORING_CATEGORY

_DAYS = "天 / days"

_stg = STG_MONITORING.field

FACT_MONITORING_SPELL = CATALOG.add(
    with_names(
        Table(
            name="fact_monitoring_spell",
            zh="监测对象帮扶周期事实表",
            en=(
                "One row per spell of a monitored household, from taken in to risk eliminated (or still open), "
                "built from every snapshot of its county; no names, ID numbers or phones"
            ),
            layer="warehouse",
            primary_key=("household_key", "county_code", "taken_in_date"),
            source="stg_monitoring (all snapshots)",
            inputs=(STG_MONITORING.name,),
            fields=(
                _stg("household_key"),
                _stg("county_code"),
                replace(TOWNSHIP_CODE, en="township code, as the spell's last snapshot gives it", required=False),
                replace(VILLAGE_CODE, en="village code, as the spell's last snapshot gives it", required=False),
                Field(
                    "taken_in_date", DATE, "纳入监测时间", "date the household was taken into monitoring: the spell's start", required=True
                ),
                Field(
                    "category_code",
                    CODE,
                    "监测对象类别代码",
                    "category, as the spell's last snapshot gives it",
                    vocabulary=MONITORING_CATEGORY.name,
                ),
                Field(
                    "risk_type_codes",
                    STRING,
                    "风险类型代码",
                    "risk types (codes of risk_type joined by ','), as the last snapshot gives them",
                ),
                Field(
                    "measure_codes",
                    STRING,
                    "帮扶措施代码",
                    "help measures (codes of help_measure joined by ','), as the last snapshot gives them; empty: none",
                ),
                Field("household_size", INTEGER, "人数", "persons in the household, as the last snapshot gives it", unit=PERSONS),
                Field(
                    "labour_count",
                    INTEGER,
                    "劳动力人数",
                    "persons able to work, as the last snapshot gives it (empty when unknown)",
                    unit=PERSONS,
                    additive=False,
                ),
                replace(
                    INCOME_PER_PERSON_YUAN,
                    name="income_at_entry_yuan",
                    zh="纳入时人均纯收入",
                    en="income per person in the first snapshot of the spell",
                ),
                replace(
                    INCOME_PER_PERSON_YUAN,
                    name="income_at_exit_yuan",
                    zh="消除时人均纯收入",
                    en="income per person in the first snapshot that shows the risk eliminated",
                ),
                Field("risk_eliminated", FLAG, "是否风险消除", "a snapshot of the spell shows the risk eliminated", required=True),
                Field("eliminated_date", DATE, "风险消除时间", "date of elimination (its snapshot's date when the export gives none)"),
                _stg("elimination_method_code"),
                Field("days_to_elimination", INTEGER, "纳入至消除天数", "days from taken in to eliminated", unit=_DAYS, additive=False),
                Field("first_snapshot_date", DATE, "首次出现快照", "date of the first snapshot that lists the spell", required=True),
                Field("last_snapshot_date", DATE, "最后出现快照", "date of the last snapshot that lists the spell", required=True),
                Field("snapshots", INTEGER, "出现快照数", "snapshots that list the spell", unit="期 / snapshots", additive=False),
                Field(
                    "missing_from_later_snapshot",
                    FLAG,
                    "未消除即从后续快照消失",
                    "not eliminated, and absent from a later snapshot of its county",
                    required=True,
                ),
                Field(
                    "missing_since_date", DATE, "消失于快照", "the first later snapshot of its county that no longer lists the open spell"
                ),
            ),
        )
    )
)

_GRAIN = (
    REGION_CODE,
    REGION_LEVEL_COLUMN,
    Field("period_kind", STRING, "周期类型", "'year' or 'month'", required=True),
    Field("period_start", DATE, "周期起始日", "first day of the year or month: the time column for BI time filters", required=True),
    Field("year", YEAR, "年度", "calendar year of the period", required=True),
    Field("month", INTEGER, "月份", "month of the period (empty for a year row)", additive=False),
)

_STOCK = "；存量，不可跨期加总"
_STOCK_EN = "; a stock at the period's end, not additive over periods"


def _figures(within: str = "") -> tuple[Field, ...]:
    """The monitoring figures of a region and period; ``within`` says which households they count."""
    return (
        Field("newly_taken_in_households", INTEGER, "新纳入监测户数", f"households taken in during the period{within}", unit=HOUSEHOLDS),
        Field(
            "newly_taken_in_persons", INTEGER, "新纳入监测人数", f"persons of households taken in during the period{within}", unit=PERSONS
        ),
        Field(
            "monitored_households_at_end",
            INTEGER,
            "期末监测户数（存量）",
            f"households under monitoring at the period's end (taken in, not eliminated, not dropped from the lists){within}{_STOCK_EN}",
            unit=HOUSEHOLDS,
            additive=False,
        ),
        Field(
            "monitored_persons_at_end",
            INTEGER,
            "期末监测人数（存量）",
            f"persons of households under monitoring at the period's end{within}{_STOCK_EN}",
            unit=PERSONS,
            additive=False,
        ),
        Field(
            "cumulative_taken_in_households",
            INTEGER,
            "累计纳入监测户数（存量）",
            f"households taken in by the period's end{within}{_STOCK_EN}",
            unit=HOUSEHOLDS,
            additive=False,
        ),
        Field(
            "cumulative_taken_in_persons",
            INTEGER,
            "累计纳入监测人数（存量）",
            f"persons of households taken in by the period's end{within}{_STOCK_EN}",
            unit=PERSONS,
            additive=False,
        ),
        Field(
            "eliminated_households", INTEGER, "风险消除户数", f"households whose risk was eliminated in the period{within}", unit=HOUSEHOLDS
        ),
        Field(
            "eliminated_persons",
            INTEGER,
            "风险消除人数",
            f"persons of households whose risk was eliminated in the period{within}",
            unit=PERSONS,
        ),
        Field("eliminated_by_help_households", INTEGER, "帮扶消除户数", f"of them, eliminated by help{within}", unit=HOUSEHOLDS),
        Field("eliminated_naturally_households", INTEGER, "自然消除户数", f"of them, eliminated naturally{within}", unit=HOUSEHOLDS),
        Field(
            "cumulative_eliminated_households",
            INTEGER,
            "累计风险消除户数（存量）",
            f"households whose risk was eliminated by the period's end{within}{_STOCK_EN}",
            unit=HOUSEHOLDS,
            additive=False,
        ),
        Field(
            "cumulative_eliminated_persons",
            INTEGER,
            "累计风险消除人数（存量）",
            f"persons of households whose risk was eliminated by the period's end{within}{_STOCK_EN}",
            unit=PERSONS,
            additive=False,
        ),
        Field(
            "median_days_to_elimination",
            NUMBER,
            "纳入至消除天数中位数",
            f"median days from taken in to eliminated, of the households eliminated in the period{within}; empty when none",
            unit=_DAYS,
            additive=False,
        ),
        Field(
            "share_without_measure",
            NUMBER,
            "无帮扶措施占比",
            f"share (0-1) of the households under monitoring at the period's end with no help measure{within}; empty when none",
            additive=False,
        ),
        Field(
            "share_eliminated_within_six_months",
            NUMBER,
            "六个月内消除占比",
            f"share (0-1) of the households eliminated in the period whose risk was eliminated within six months of being taken in{within}; empty when none",
            additive=False,
        ),
    )


_MART_KEY = ("region_level", "region_code", "period_kind", "period_start")
_SPELLS_BY_REGION = (FACT_MONITORING_SPELL.name, DIM_REGION.name)


def _monitoring_mart(name: str, zh: str, en: str, by: tuple[Field, ...] = (), within: str = "") -> Table:
    """mart_monitoring's figures over the spells by region and period, and by the ``by`` columns."""
    return CATALOG.add(
        with_names(
            Table(
                name=name,
                zh=zh,
                en=en,
                layer="marts",
                primary_key=(*_MART_KEY, *(f.name for f in by)),
                inputs=_SPELLS_BY_REGION,
                fields=(*_GRAIN, *by, *_figures(within)),
            )
        )
    )


MART_MONITORING = _monitoring_mart(
    "mart_monitoring",
    "防止返贫监测集市表",
    "Monitored households by region (every level) and period (year and month): taken in, under monitoring, eliminated",
)
MART_MONITORING_CATEGORY = _monitoring_mart(
    "mart_monitoring_category",
    "防止返贫监测集市表（按监测对象类别）",
    "mart_monitoring's figures by monitored household category",
    by=(_stg("category_code"),),
    within=", of the category",
)
MART_MONITORING_RISK = _monitoring_mart(
    "mart_monitoring_risk",
    "防止返贫监测集市表（按风险类型；一户多种风险则计入多行，不可跨风险类型加总）",
    "mart_monitoring's figures by risk type: a household with two risk types counts under both, so rows of different risk types do not add up",
    by=(Field("risk_type_code", CODE, "风险类型代码", "risk type", required=True, vocabulary="risk_type"),),
    within=" with the risk type",
)

MART_MONITORING_EXITED = CATALOG.add(
    with_names(
        Table(
            name="mart_monitoring_exited",
            zh="脱贫户返贫风险监测集市表",
            en=(
                "Registered households that exited poverty (fact_household), by region of the registry and exit year, "
                "and how many of them the monitoring lists: the households back at risk"
            ),
            layer="marts",
            primary_key=("region_level", "region_code", "exit_year"),
            inputs=(FACT_HOUSEHOLD.name, FACT_MONITORING_SPELL.name, DIM_REGION.name),
            fields=(
                replace(REGION_CODE, en="region code (the registry's place of the household)"),
                REGION_LEVEL_COLUMN,
                *dated(
                    Field("exit_year", YEAR, "脱贫年度", "the registry's exit year (households without one are in no row)", required=True)
                ),
                Field("exited_households", INTEGER, "脱贫户数", "registered households that exited in the year", unit=HOUSEHOLDS),
                Field("exited_persons", INTEGER, "脱贫人数", "persons of those households (the registry's household size)", unit=PERSONS),
                Field(
                    "monitored_households",
                    INTEGER,
                    "曾纳入监测户数",
                    "of them, households the monitoring has ever taken in",
                    unit=HOUSEHOLDS,
                ),
                Field(
                    "monitored_persons",
                    INTEGER,
                    "曾纳入监测人数",
                    "persons of those households (the registry's household size)",
                    unit=PERSONS,
                ),
                Field(
                    "monitored_now_households",
                    INTEGER,
                    "仍在监测户数",
                    "of them, households with a spell still open (not eliminated, not dropped from the lists) in the latest snapshot",
                    unit=HOUSEHOLDS,
                ),
                Field("share_monitored", NUMBER, "曾纳入监测占比", "monitored_households ÷ exited_households (0-1)", additive=False),
            ),
        )
    )
)
