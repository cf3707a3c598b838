"""The monitoring marts' rows worked out from monitoring spells, by the definitions the tables'
descriptions give, for the tests that hold the warehouse's marts against spells of their own telling
(hand-made stories, or the generator's truth); nothing here reads what the warehouse built.

A spell is keyed (household key, county code, taken-in date) and gives its township_code,
village_code, category_code, risk_type_codes, measure_codes (None without a measure),
household_size, eliminated_date (None unless eliminated), elimination_method_code,
missing_since_date (the first export of its county that no longer lists it, None while listed)
and last_snapshot_date.
"""

from __future__ import annotations

import calendar
import statistics
from collections.abc import Callable
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

COUNTS = ("new", "new_p", "mon", "mon_p", "cum", "cum_p", "elim", "elim_p", "help", "natural", "cum_elim", "cum_elim_p", "bare", "early")


def six_months_after(day: date) -> date:
    """The same day six calendar months on; a day the month lacks is its last (2022-08-31 → 2023-02-28)."""
    month = day.month + 6
    year, month = day.year + (month - 1) // 12, (month - 1) % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def periods(spells: dict[tuple, dict]) -> list[tuple[str, date, date]]:
    """The marts' periods: every year and month from the first taking-in to the latest export or
    elimination, as (kind, first day, first day of the next)."""
    first = min(taken for _, _, taken in spells)
    last = max(max(s["last_snapshot_date"], s["eliminated_date"] or s["last_snapshot_date"]) for s in spells.values())
    found = [("year", date(y, 1, 1), date(y + 1, 1, 1)) for y in range(first.year, last.year + 1)]
    for y in range(first.year, last.year + 1):
        for m in range(1, 13):
            if (first.year, first.month) <= (y, m) <= (last.year, last.month):
                found.append(("month", date(y, m, 1), date(y + m // 12, m % 12 + 1, 1)))
    return found


def places(county: str, spell: dict) -> list[tuple[str, str]]:
    # A county's province and prefecture are in its code's digits: 520425 lies in 安顺市 (520400), 贵州省 (520000).
    return [
        ("province", county[:2] + "0000"),
        ("city", county[:4] + "00"),
        ("county", county),
        ("township", spell["township_code"]),
        ("village", spell["village_code"]),
    ]


def share(part: int, whole: int) -> float | None:
    """part ÷ whole to four decimals, halves away from zero, as the marts state shares; None of nothing."""
    return float((Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)) if whole else None


def expected_marts(spells: dict[tuple, dict], codes_of: Callable[[dict], list] = lambda spell: [None]) -> dict[tuple, dict]:
    """The marts' rows: (level, region, period kind, period start, code) → figures. Under monitoring
    at a period's end: taken in before it ends, not eliminated by then and not yet missing from its
    county's lists. ``codes_of`` gives the codes a spell counts under (its category, each of its risk
    types) for the marts by code."""
    every_period = periods(spells)
    rows: dict[tuple, dict] = {}
    for (_, county, taken), s in spells.items():
        eliminated = s["eliminated_date"]
        gone = eliminated or s["missing_since_date"]
        persons = s["household_size"]
        for code in codes_of(s):
            for place in places(county, s):
                for kind, start, end in every_period:
                    if taken >= end:
                        continue
                    r = rows.setdefault((*place, kind, start, code), {**dict.fromkeys(COUNTS, 0), "days": []})
                    r["cum"] += 1
                    r["cum_p"] += persons
                    if taken >= start:
                        r["new"] += 1
                        r["new_p"] += persons
                    if gone is None or gone >= end:
                        r["mon"] += 1
                        r["mon_p"] += persons
                        r["bare"] += s["measure_codes"] is None
                    if eliminated is not None and eliminated < end:
                        r["cum_elim"] += 1
                        r["cum_elim_p"] += persons
                        if eliminated >= start:
                            r["elim"] += 1
                            r["elim_p"] += persons
                            r["help" if s["elimination_method_code"] == "by_help" else "natural"] += 1
                            r["days"].append((eliminated - taken).days)
                            r["early"] += eliminated < six_months_after(taken)
    return {
        key: {
            "newly_taken_in_households": r["new"],
            "newly_taken_in_persons": r["new_p"],
            "monitored_households_at_end": r["mon"],
            "monitored_persons_at_end": r["mon_p"],
            "cumulative_taken_in_households": r["cum"],
            "cumulative_taken_in_persons": r["cum_p"],
            "eliminated_households": r["elim"],
            "eliminated_persons": r["elim_p"],
            "eliminated_by_help_households": r["help"],
            "eliminated_naturally_households": r["natural"],
            "cumulative_eliminated_households": r["cum_elim"],
            "cumulative_eliminated_persons": r["cum_elim_p"],
            "median_days_to_elimination": float(statistics.median(r["days"])) if r["days"] else None,
            "share_without_measure": share(r["bare"], r["mon"]),
            "share_eliminated_within_six_months": share(r["early"], r["elim"]),
        }
        for key, r in rows.items()
    }
