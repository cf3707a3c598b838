"""The county year figures a report on monitoring against a return to poverty may quote, computed
from the monitoring source's truth (one entry per household spell) by the definitions the
warehouse's mart_monitoring documents, restated here so the truth does not borrow its code.

Only figures fixed by the spells' dates are computed: taken in during a year, taken in by its end,
eliminated during a year, eliminated by its end. The stock under monitoring at a year's end also
depends on how lists that drop a household are read, so the reports do not quote it.
"""

from __future__ import annotations

from collections.abc import Iterable

FIRST_YEAR, LAST_YEAR = 2021, 2025


def _year(day: str | None) -> int | None:
    return int(day[:4]) if day else None


def _households_and_persons(sizes: list[int]) -> tuple[int, int]:
    return len(sizes), sum(sizes)


def county_years(households: Iterable[dict]) -> list[dict]:
    """mart_monitoring-like county year rows (region_level, region_code, period_kind, year and the
    taken-in / eliminated columns) of the counties in ``households``."""
    spells: dict[str, list[tuple[int, int | None, int]]] = {}
    for spell in households:
        spells.setdefault(spell["county_code"], []).append(
            (_year(spell["taken_in_date"]), _year(spell.get("eliminated_date")), int(spell["household_size"]))
        )
    rows = []
    for code, items in sorted(spells.items()):
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            new = _households_and_persons([size for taken, _, size in items if taken == year])
            ever = _households_and_persons([size for taken, _, size in items if taken <= year])
            gone_now = _households_and_persons([size for _, gone, size in items if gone == year])
            gone_ever = _households_and_persons([size for _, gone, size in items if gone is not None and gone <= year])
            rows.append(
                {
                    "region_level": "county",
                    "region_code": code,
                    "period_kind": "year",
                    "year": year,
                    "newly_taken_in_households": new[0],
                    "newly_taken_in_persons": new[1],
                    "cumulative_taken_in_households": ever[0],
                    "cumulative_taken_in_persons": ever[1],
                    "eliminated_households": gone_now[0],
                    "eliminated_persons": gone_now[1],
                    "cumulative_eliminated_households": gone_ever[0],
                    "cumulative_eliminated_persons": gone_ever[1],
                }
            )
    return rows
