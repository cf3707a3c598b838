"""What a showcase county's reports may quote, taken from the generator's own marts, and how the
warehouse should judge each quoted figure.

A figure means what the reconciliation reads it as: money put in over a period is the sum of the
county's clean fund movements in those years; registered households and persons are the registry's
count at the period's last year (2020 when no period is written); exits and poor villages exited
add up the period's years. The judging rules restate the reconciliation's documented contract
(exact figures, qualified ranges, a 1 % tolerance) so the truth does not borrow the warehouse's code.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sample_data.investment_truth import InvestmentMart
    from sample_data.truth import Mart

LAST_REGISTERED_YEAR = 2020  # a registered count without a year is the count at the end of 2020
EXACT = 0.5
TOLERANCE = 0.01

Period = tuple[int, int] | None


@dataclass
class Township:
    name: str
    code: str  # the local code the warehouse gives it under its county
    exited: dict[int, tuple[int, int]] = field(default_factory=dict)  # year -> (households, persons)


@dataclass
class CountyFigures:
    code: str
    years: dict[int, dict] = field(default_factory=dict)  # year -> the county's mart_poverty_exit row
    invested: dict[int, int] = field(default_factory=dict)  # year -> clean yuan
    townships: list[Township] = field(default_factory=list)
    # year -> the county's monitoring year figures (report_monitoring); empty without a monitoring source
    monitoring: dict[int, dict] = field(default_factory=dict)

    def _span(self, period: Period) -> list[int]:
        if period is None:
            return sorted(self.years)
        return list(range(period[0], period[1] + 1))

    def value(self, metric: str, period: Period) -> int | None:
        """The warehouse figure for the county, or None where it has no rows."""
        if metric == "investment_amount":
            amounts = [self.invested[y] for y in (sorted(self.invested) if period is None else self._span(period)) if y in self.invested]
            return sum(amounts) if amounts else None
        if metric in ("registered_poor_households", "registered_poor_persons"):
            year = LAST_REGISTERED_YEAR if period is None else period[1]
            row = self.years.get(year)
            column = "registered_households" if metric.endswith("households") else "registered_persons"
            return None if row is None else int(row[column])
        column = {"households_exited": "exited_households", "persons_exited": "exited_persons", "villages_exited": "villages_exited"}[
            metric
        ]
        rows = [self.years[y] for y in self._span(period) if y in self.years]
        return sum(int(r[column]) for r in rows) if rows else None


def collect(mart: Mart, investment: InvestmentMart, townships: dict[str, tuple[list[str], list[str]]]) -> dict[str, CountyFigures]:
    """Figures of the counties in ``townships`` (county code -> township names, township codes).

    The marts list provinces, cities and counties before townships and villages, so reading stops
    at the first village row: the cost does not grow with the number of households.
    """
    figures = {code: CountyFigures(code) for code in townships}
    by_code = {tc: (figures[county], name) for county, (names, codes) in townships.items() for name, tc in zip(names, codes)}
    places: dict[str, Township] = {}
    for row in mart.rows():
        level = row["region_level"]
        if level == "village":
            break
        if level == "county" and row["region_code"] in figures:
            figures[row["region_code"]].years[row["year"]] = row
        elif level == "township" and row["region_code"] in by_code:
            county, name = by_code[row["region_code"]]
            if row["region_code"] not in places:
                places[row["region_code"]] = Township(name, row["region_code"])
                county.townships.append(places[row["region_code"]])
            places[row["region_code"]].exited[row["year"]] = (row["exited_households"], row["exited_persons"])
    for row in investment.rows():
        if row["region_level"] in ("township", "village"):
            break
        if row["region_level"] == "county" and row["region_code"] in figures:
            invested = figures[row["region_code"]].invested
            invested[row["year"]] = invested.get(row["year"], 0) + int(round(row["amount_yuan"]))
    return figures


def add_monitoring(figures: dict[str, CountyFigures], rows: Iterable[dict] | None) -> None:
    """The county year rows among ``rows`` (report_monitoring.county_years) of the counties in ``figures``."""
    for row in rows or ():
        if row.get("period_kind") == "year" and row.get("region_level") == "county" and row.get("region_code") in figures:
            figures[row["region_code"]].monitoring[int(row["year"])] = row


def judge(claimed: float, warehouse: float | None, qualifier: str | None, step: float) -> str:
    """match, within_tolerance, mismatch or no_data; ``qualifier`` is more_than, about or nearly."""
    if warehouse is None:
        return "no_data"
    low, high = {
        "more_than": (claimed, claimed + step),
        "about": (claimed - step / 2, claimed + step / 2),
        "nearly": (claimed - step, claimed),
    }.get(qualifier, (claimed, claimed))
    if low - EXACT <= warehouse <= high + EXACT and (qualifier is None or warehouse < high or high == low):
        return "match"
    if warehouse != 0 and abs(claimed - warehouse) <= TOLERANCE * abs(warehouse):
        return "within_tolerance"
    return "mismatch"


def step_of(value: float, multiplier: float) -> float:
    """The size of the last written digit: 2386万 → 1万, 2380万 → 10万, 30 → 10."""
    mantissa = round(abs(value) / multiplier)
    if mantissa == 0:
        return multiplier
    zeros = 0
    while mantissa % 10 == 0:
        mantissa //= 10
        zeros += 1
    return multiplier * 10**zeros


def period_text(period: Period) -> str | None:
    if period is None:
        return None
    return str(period[0]) if period[0] == period[1] else f"{period[0]}-{period[1]}"


def exits_exceed_registered(claims: list[dict]) -> bool:
    """The reports' self-contradiction: for one place, exits over periods that do not overlap add
    up to more than the largest registered count (the same greedy choice of periods as the rule)."""
    for registered_metric, exit_metric in (
        ("registered_poor_households", "households_exited"),
        ("registered_poor_persons", "persons_exited"),
    ):
        for place in {c["region_code"] or c.get("region") for c in claims if c["metric"] == registered_metric}:
            registered = max(
                c["value"] for c in claims if c["metric"] == registered_metric and (c["region_code"] or c.get("region")) == place
            )
            exits = [c for c in claims if c["metric"] == exit_metric and (c["region_code"] or c.get("region")) == place]
            dated = sorted((c for c in exits if c["period"]), key=lambda c: _years(c["period"]))
            total, last = 0, None
            for claim in dated:
                first, end = _years(claim["period"])
                if last is None or first > last:
                    total, last = total + claim["value"], end
            largest = max((c["value"] for c in exits), default=0)
            if max(total, largest) > registered:
                return True
    return False


def _years(period: str) -> tuple[int, int]:
    first, _, last = period.partition("-")
    return int(first), int(last or first)
