"""Report claims about monitoring against a return to poverty (防止返贫监测), answered from the year
rows of ``mart_monitoring``.

A report's wording decides which of the mart's figures it quotes, and the basis says which was used:
- households or persons under monitoring: 新纳入 / 新识别 / 新增 before the figure in its clause → taken in
  during the period (``newly_taken_in_*``, summed over its years); 累计 in its clause, or earlier in
  the sentence when the clause names no time of its own (当年, 2022年 …) →
  everyone ever taken in by the period's end (``cumulative_taken_in_*``); otherwise those under
  monitoring at the period's end (``monitored_*_at_end``);
- risk eliminated: 累计 as above, or 已 right before the elimination words
  ("已消除风险", "已稳定消除风险") → eliminated since monitoring began (``cumulative_eliminated_*``);
  otherwise eliminated during the period (``eliminated_*``, summed over its years).
A figure without a written year is read at the last year the mart holds up to the report's year.
A figure whose own clause names one category (边缘易致贫户 85 户) is read from the same columns of
``mart_monitoring_category`` for that category's code; "no data" while that mart is absent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import sqlalchemy as sa

from etl_project.warehouse.engine import Warehouse
from schemas.tables import MART_POVERTY_EXIT

MONITORING_METRICS = frozenset({"monitored_households", "monitored_persons", "risk_eliminated_households", "risk_eliminated_persons"})
# The mart lives beside the other marts; it is looked up by name so a warehouse built before the
# monitoring source existed answers "no data" rather than failing.
MART_MONITORING_NAME = "mart_monitoring"
MART_CATEGORY_NAME = "mart_monitoring_category"
# vocabulary monitoring_category
CATEGORY_CODES = {"脱贫不稳定户": "01", "边缘易致贫户": "02", "突发严重困难户": "03"}
NOT_HELD = {
    "income_per_person": "the warehouse holds no income per person for a region yet; the income of monitored "
    "households at entry and exit (fact_monitoring_spell) could answer it for them later",
    "growth_rate": "the warehouse holds no series a growth rate could be computed from yet",
}

_CLAUSE_BREAK = re.compile("[，,；;：:]")
_NEWLY = re.compile("新纳入|新识别|新增")
_ALREADY_ELIMINATED = re.compile("已(?:经)?(?:稳定|有)?(?:消除|风险消除|实现风险消除)")
_OWN_TIME = re.compile(r"当年|今年|本年|年内|全年|\d{4}年|新纳入|新识别|新增")
_CATEGORY = re.compile("|".join(CATEGORY_CODES))


@dataclass(frozen=True)
class Reading:
    column: str
    summed: bool  # a flow added up over the period's years, else a stock at its last year
    words: str


def _before_figure(sentence: str, figure_text: str | None) -> str:
    """The sentence up to the figure; "56户" is not the end of "456户"."""
    found = re.search(rf"(?<![\d.,]){re.escape(figure_text)}", sentence) if figure_text else None
    return sentence if found is None else sentence[: found.start()]


def category_of(sentence: str, figure_text: str | None) -> str | None:
    """The category code the figure's own clause names last before it ("、边缘易致贫户85户")."""
    clause = _CLAUSE_BREAK.split(_before_figure(sentence or "", figure_text))[-1]
    named = _CATEGORY.findall(clause)
    return CATEGORY_CODES[named[-1]] if named else None


def reading_of(metric: str, sentence: str, figure_text: str | None) -> Reading:
    before = _before_figure(sentence or "", figure_text)
    clause = _CLAUSE_BREAK.split(before)[-1]
    people = metric.rsplit("_", 1)[1]  # households or persons
    cumulative = "累计" in clause or ("累计" in before and not _OWN_TIME.search(clause))
    if metric.startswith("monitored"):
        if _NEWLY.search(clause):
            return Reading(f"newly_taken_in_{people}", True, "新纳入: taken in during the period")
        if cumulative:
            return Reading(f"cumulative_taken_in_{people}", False, "累计: ever taken in by the period's end")
        return Reading(f"monitored_{people}_at_end", False, "under monitoring at the period's end")
    if cumulative or _ALREADY_ELIMINATED.search(clause):
        return Reading(f"cumulative_eliminated_{people}", False, "累计/已消除: eliminated since monitoring began")
    return Reading(f"eliminated_{people}", True, "eliminated during the period")


class MonitoringAnswers:
    def __init__(self, db: Warehouse):
        self.db = db
        inspector, schema = sa.inspect(db.engine), MART_POVERTY_EXIT.schema
        self.present = {name for name in (MART_MONITORING_NAME, MART_CATEGORY_NAME) if inspector.has_table(name, schema=schema)}

    def _rows(self, name: str, category: str | None) -> str:
        """The mart's year rows of one place (and category), as a FROM … WHERE to extend."""
        where = " AND category_code = :category" if category else ""
        return (
            f"FROM {self.db.name(MART_POVERTY_EXIT, name)} WHERE period_kind = 'year' AND region_level = :level "
            f"AND region_code = :code{where}"
        )

    def _last_year(self, rows: str, params: dict, report_year: int | None) -> int | None:
        value = self.db.scalar(f"SELECT MAX(year) {rows} AND year <= :limit", {**params, "limit": report_year or 9999})
        return None if value is None else int(value)

    def answer(
        self,
        metric: str,
        level: str,
        code: str,
        start: int | None,
        end: int | None,
        report_year: int | None,
        sentence: str | None,
        figure_text: str | None,
    ) -> tuple[float | None, str]:
        category = category_of(sentence or "", figure_text)
        name = MART_CATEGORY_NAME if category else MART_MONITORING_NAME
        if name not in self.present:
            return None, f"the warehouse has no {name} table: monitoring data have not been loaded"
        of = f" of category {category}" if category else ""
        reading = reading_of(metric, sentence or "", figure_text)
        rows, params = self._rows(name, category), {"level": level, "code": code, "category": category}
        last = end or self._last_year(rows, params, report_year)
        if last is None:
            return None, f"no {name} year rows for {code}{of}"
        first = (start or last) if reading.summed else last
        value = self.db.scalar(
            f"SELECT SUM({self.db.quote(reading.column)}) {rows} AND year BETWEEN :first AND :last",
            {**params, "first": first, "last": last},
        )
        span = str(last) if first == last else f"{first}-{last}"
        if value is None:
            return None, f"no {name} year rows for {code}{of} in {span}"
        how = "sum of" if reading.summed else "value of"
        return float(value), f"{how} {name}.{reading.column}{of} ({reading.words}) for {span}"
