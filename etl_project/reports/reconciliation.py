"""Each report claim against the figure the warehouse holds for the same metric, region and period.

Statuses: ``match`` (equal; for a qualified figure, inside the range its wording allows: "2386万余元"
is 2386万 up to 2387万), ``within_tolerance`` (within 1 % of the warehouse figure), ``mismatch``,
``ambiguous`` when a township's name fits several townships of the place the report puts it in
(townships.py), and ``no_data`` when the warehouse cannot answer (metric it does not hold, place it
does not know, no rows for that place and period).

Provinces, cities and counties are answered by their division codes; a township by the local code
the warehouse gave it, found by its name inside the county the report places it in. Figures about
monitoring against a return to poverty are answered from mart_monitoring (monitoring_claims.py).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

from etl_project.core.amounts import money_text, number_text, written_unit, yuan_text
from etl_project.reports.monitoring_claims import MONITORING_METRICS, NOT_HELD, MonitoringAnswers
from etl_project.reports.townships import Townships, is_township_name
from etl_project.warehouse.engine import Warehouse
from schemas.investment_tables import DIM_PROJECT, MART_INVESTMENT
from schemas.report_tables import RECONCILIATION
from schemas.tables import DIM_REGION, MART_POVERTY_EXIT

RELATIVE_TOLERANCE = 0.01
EXACT_TOLERANCE = 0.5  # a figure is written to a whole unit (yuan, household) at best
MORE_THAN = re.compile(r"(余|多|超过|以上|逾)")
ABOUT = re.compile(r"(约|左右|大约|大概)")
NEARLY = re.compile(r"(近|不足|将近|接近)")

_SUBTREE_PREFIX = {"province": 2, "city": 4, "county": 6}


@dataclass(frozen=True)
class Answer:
    value: float | None
    basis: str


def qualifier_of(context: str) -> str | None:
    """How a qualified figure's wording bounds it: more_than (余, 多, 超过 …), about (约, 左右) or
    nearly (近, 不足); ``context`` is the figure with a few characters around it."""
    if MORE_THAN.search(context):
        return "more_than"
    if ABOUT.search(context):
        return "about"
    if NEARLY.search(context):
        return "nearly"
    return None


def step_of(value: float, figure_text: str) -> float:
    """The size of the figure's last written digit: 2386万 → 1万, 30 → 10, 1755 → 1."""
    multiplier = 1e8 if "亿" in figure_text or "億" in figure_text else 1e4 if ("万" in figure_text or "萬" in figure_text) else 1.0
    mantissa = round(abs(value) / multiplier)
    if mantissa == 0:
        return multiplier
    zeros = 0
    while mantissa % 10 == 0:
        mantissa //= 10
        zeros += 1
    return multiplier * 10**zeros


def judge(claimed: float, warehouse: float | None, qualifier: str | None, step: float) -> str:
    if warehouse is None or (isinstance(warehouse, float) and math.isnan(warehouse)):
        return "no_data"
    if qualifier == "more_than":
        low, high = claimed, claimed + step
    elif qualifier == "about":
        low, high = claimed - step / 2, claimed + step / 2
    elif qualifier == "nearly":
        low, high = claimed - step, claimed
    else:
        low = high = claimed
    if low - EXACT_TOLERANCE <= warehouse <= high + EXACT_TOLERANCE and (qualifier is None or warehouse < high or high == low):
        return "match"
    if warehouse != 0 and abs(claimed - warehouse) / abs(warehouse) <= RELATIVE_TOLERANCE:
        return "within_tolerance"
    return "mismatch"


class WarehouseAnswers:
    """The warehouse figure for (metric, region, period), or why there is none."""

    def __init__(self, db: Warehouse):
        self.db = db
        levels = db.query(
            f"SELECT region_code, region_level FROM {db.name(DIM_REGION)} WHERE region_level IN ('province', 'city', 'county')"
        )
        # A code that is both a city and a county (东莞市) is answered at county level.
        self.levels = dict(zip(levels["region_code"], levels["region_level"]))
        self.townships = Townships(db)
        self.levels.update(dict.fromkeys(self.townships.codes, "township"))
        self.last_year = db.scalar(f"SELECT MAX(year) FROM {db.name(MART_POVERTY_EXIT)} WHERE year <= 2020")
        self.monitoring = MonitoringAnswers(db)

    def _scalar(self, sql: str, params: dict) -> float | None:
        value = self.db.scalar(sql, params)
        return None if value is None else float(value)

    def answer(
        self,
        metric: str,
        region_code: str | None,
        start: int | None,
        end: int | None,
        report_year: int | None = None,
        sentence: str | None = None,
        figure_text: str | None = None,
    ) -> Answer:
        """``report_year``, ``sentence`` and ``figure_text`` tell a monitoring figure's year when it
        writes none, and which of mart_monitoring's figures its words quote."""
        if metric in NOT_HELD:
            return Answer(None, NOT_HELD[metric])
        if not region_code:
            return Answer(None, "no region the warehouse knows")
        level = self.levels.get(region_code)
        if level is None:
            return Answer(None, f"region {region_code} is not a province, city, county or township of the warehouse")
        if metric in MONITORING_METRICS:
            return Answer(*self.monitoring.answer(metric, level, region_code, start, end, report_year, sentence, figure_text))
        params = {"level": level, "code": region_code, "start": start or 0, "end": end or 9999}
        mart, invest = self.db.name(MART_POVERTY_EXIT), self.db.name(MART_INVESTMENT)
        at_year = end or self.last_year
        if level == "township":
            subtree = "township_code = :code"
        else:
            prefix = _SUBTREE_PREFIX[level]
            subtree = f"SUBSTR(county_code, 1, {prefix}) = SUBSTR(:code, 1, {prefix})"
        projects = self.db.name(DIM_PROJECT)
        in_period = "(:start = 0 OR EXTRACT(YEAR FROM start_date) BETWEEN :start AND :end)"
        queries = {
            "investment_amount": (
                f"SELECT SUM(amount_yuan) FROM {invest} WHERE region_level = :level AND region_code = :code AND year BETWEEN :start AND :end",
                "sum of mart_investment.amount_yuan over the period",
            ),
            "registered_poor_households": (
                f"SELECT registered_households FROM {mart} WHERE region_level = :level AND region_code = :code AND year = :at",
                "mart_poverty_exit.registered_households at the period's last year",
            ),
            "registered_poor_persons": (
                f"SELECT registered_persons FROM {mart} WHERE region_level = :level AND region_code = :code AND year = :at",
                "mart_poverty_exit.registered_persons at the period's last year",
            ),
            "households_exited": (
                f"SELECT SUM(exited_households) FROM {mart} WHERE region_level = :level AND region_code = :code AND year BETWEEN :start AND :end",
                "sum of mart_poverty_exit.exited_households over the period",
            ),
            "persons_exited": (
                f"SELECT SUM(exited_persons) FROM {mart} WHERE region_level = :level AND region_code = :code AND year BETWEEN :start AND :end",
                "sum of mart_poverty_exit.exited_persons over the period",
            ),
            "villages_exited": (
                f"SELECT SUM(villages_exited) FROM {mart} WHERE region_level = :level AND region_code = :code AND year BETWEEN :start AND :end",
                "sum of mart_poverty_exit.villages_exited over the period",
            ),
            "poverty_incidence": (
                f"SELECT poverty_incidence FROM {mart} WHERE region_level = :level AND region_code = :code AND year = :at",
                "mart_poverty_exit.poverty_incidence at the period's last year",
            ),
            "projects_count": (
                f"SELECT CASE WHEN COUNT(*) > 0 THEN COUNT(*) END FROM {projects} WHERE {subtree} AND {in_period}",
                "projects in dim_project located in the region (started in the period)",
            ),
            "households_benefited": (
                f"SELECT SUM(households_benefited) FROM {projects} WHERE {subtree} AND {in_period}",
                "sum of dim_project.households_benefited in the region",
            ),
            "persons_benefited": (
                f"SELECT SUM(persons_benefited) FROM {projects} WHERE {subtree} AND {in_period}",
                "sum of dim_project.persons_benefited in the region",
            ),
        }
        if metric not in queries:
            return Answer(None, f"the warehouse holds no figure for {metric}")
        sql, basis = queries[metric]
        value = self._scalar(sql, {**params, "at": at_year})
        return Answer(value, basis if value is not None else f"no warehouse rows for {region_code} in that period")


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None


def reconcile(db: Warehouse, claims: pd.DataFrame) -> pd.DataFrame:
    """One reconciliation row per claim with a metric other than ``other``, with the claim's date,
    figure and sentence so that it reads alone (its names are added by etl_project/warehouse/names.py)."""
    answers = WarehouseAnswers(db)
    rows = []
    for claim in claims.itertuples(index=False):
        if claim.metric == "other":
            continue
        start = None if pd.isna(claim.period_start) else int(claim.period_start)
        end = None if pd.isna(claim.period_end) else int(claim.period_end)
        region_code, township = _text(claim.region_code), None
        if region_code is None and is_township_name(_text(claim.region)):
            township = answers.townships.resolve(claim.region, _text(getattr(claim, "context_code", None)))
            region_code = township.code
        report_year = None if pd.isna(claim.report_date) else pd.Timestamp(claim.report_date).year
        answer = answers.answer(claim.metric, region_code, start, end, report_year, _text(claim.sentence), _text(claim.figure_text))
        if township is not None:
            answer = Answer(answer.value, f"{answer.basis}; {township.note}" if township.code else township.note)
        qualifier = claim.qualifier if isinstance(claim.qualifier, str) else None
        status = judge(float(claim.value), answer.value, qualifier, step_of(float(claim.value), claim.figure_text or ""))
        if township is not None and township.status == "ambiguous":
            status = "ambiguous"
        rows.append(
            {
                "report_id": claim.report_id,
                "source_file": claim.source_file,
                "report_date": claim.report_date,
                "claim_index": int(claim.claim_index),
                "metric": claim.metric,
                "region_code": region_code,
                "period": claim.period,
                "figure_text": claim.figure_text,
                "claimed_value": float(claim.value),
                "warehouse_value": answer.value,
                "difference": None if answer.value is None else round(float(claim.value) - answer.value, 4),
                "status": status,
                "basis": answer.basis,
                "sentence": claim.sentence,
            }
        )
    return pd.DataFrame(rows, columns=RECONCILIATION.base_column_names)


def as_read(rows: pd.DataFrame) -> pd.DataFrame:
    """Reconciliation rows (with their claim's ``figure_text``) to show a person: money claimed in
    the unit the report wrote it in, next to yuan ("107.427 万元 = 1 074 270 元"), the warehouse's
    figure and the difference in yuan; counts and rates written out in full."""
    shown = rows.drop(columns=["figure_text"]).astype(dict.fromkeys(("claimed_value", "warehouse_value", "difference"), object))
    money = rows["metric"] == "investment_amount"
    for i in rows.index:
        if money[i]:
            shown.at[i, "claimed_value"] = money_text(rows.at[i, "claimed_value"], written_unit(rows.at[i, "figure_text"]))
            shown.at[i, "warehouse_value"] = yuan_text(rows.at[i, "warehouse_value"])
            shown.at[i, "difference"] = yuan_text(rows.at[i, "difference"])
        else:
            for column in ("claimed_value", "warehouse_value", "difference"):
                shown.at[i, column] = number_text(rows.at[i, column])
    return shown
