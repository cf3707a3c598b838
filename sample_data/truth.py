"""What the warehouse should end up with, counted from the generator's clean model.

Counts are kept as yearly flows per village (registrations, exits, returns; households and
persons), so memory grows with the number of villages, never with the number of households.
Cumulative figures and the higher levels are derived only when the file is written.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sample_data.geography import Geography
from sample_data.households import Batch
from sample_data.vocab import FIRST_YEAR, LAST_EXIT_YEAR, LAST_RETURN_YEAR

if TYPE_CHECKING:
    from sample_data.investment_truth import InvestmentMart

FIRST_MART_YEAR = 2014
_YEARS = LAST_RETURN_YEAR - FIRST_YEAR + 1
# Flow columns: registered (h, p), exited (h, p), returned (h, p) in the year; then exited (h, p)
# and returned (h, p) by the end of the year, which also hold a snapshot's exits and returns whose
# year it does not give (at the year it is as of).
_REG_H, _REG_P, _EXIT_H, _EXIT_P, _RET_H, _RET_P, _BY_EXIT_H, _BY_EXIT_P, _BY_RET_H, _BY_RET_P = range(10)
_FLOWS = 10
LEVELS = ("province", "city", "county", "township", "village")
# Above this many households the defect and skipped-row lists are replaced by their counts.
LISTING_LIMIT = 1_000_000


class Mart:
    def __init__(self) -> None:
        self._upper: dict[tuple[str, str], np.ndarray] = {}  # (level, code) for province, city, county
        # Blocks of one county each: codes, flows, poor villages exited per year, incidence denominators.
        self._townships: list[tuple[list[str], np.ndarray, np.ndarray, np.ndarray]] = []
        self._villages: list[tuple[list[str], np.ndarray, np.ndarray, np.ndarray]] = []
        self._upper_listing: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
        self._geo: Geography | None = None
        self._county: np.ndarray | None = None  # (village, year, flow) of the county being written
        self._finished: tuple[str, np.ndarray] | None = None  # county code, village -> township

    def start_county(self, geo: Geography) -> None:
        self._geo = geo
        self._county = np.zeros((len(geo.village_codes), _YEARS, _FLOWS), dtype=np.int64)

    def add(self, batch: Batch, clean: np.ndarray) -> None:
        """Counts the clean households of a batch; ``clean`` is False where a row was corrupted."""
        village, size = batch.village[clean], batch.size[clean]
        for year, columns in ((batch.identified, (_REG_H,)), (batch.exited, (_EXIT_H, _BY_EXIT_H)), (batch.returned, (_RET_H, _BY_RET_H))):
            for households_col in columns:
                self._count(village, year[clean], size, households_col)

    def add_snapshot(self, village: np.ndarray, size: np.ndarray, as_of: int, exited: np.ndarray, returned: np.ndarray) -> None:
        """Clean households of a snapshot without years (the per-person export): registered as of its
        year, and exited or returned by then where their status says so."""
        year = np.full(len(village), as_of)
        self._count(village, year, size, _REG_H)
        self._count(village[exited], year[exited], size[exited], _BY_EXIT_H)
        self._count(village[returned], year[returned], size[returned], _BY_RET_H)

    def _count(self, village: np.ndarray, year: np.ndarray, size: np.ndarray, households_col: int) -> None:
        has = year > 0
        index = (village[has], year[has] - FIRST_YEAR)
        np.add.at(self._county[:, :, households_col], index, 1)
        np.add.at(self._county[:, :, households_col + 1], index, size[has])

    def finish_county(self, county_code: str) -> None:
        geo, villages = self._geo, self._county
        townships = np.zeros((len(geo.township_codes), _YEARS, _FLOWS), dtype=np.int64)
        np.add.at(townships, geo.village_township, villages)
        self._villages.append(_block(geo.village_codes, villages))
        self._townships.append(_block(geo.township_codes, townships))
        county = villages.sum(axis=0)
        for level, code in _upper_regions(county_code):
            self._upper[level, code] = self._upper.get((level, code), 0) + county
        self._finished = (county_code, geo.village_township)
        self._geo = self._county = None

    def county_persons(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Of the county just finished, per village: clean households and persons ever registered,
        and remaining persons at the end of each year from FIRST_YEAR."""
        flows = self._villages[-1][1]
        remaining = (flows[:, :, _REG_P] - flows[:, :, _BY_EXIT_P] + flows[:, :, _BY_RET_P]).cumsum(axis=1)
        return flows[:, :, _REG_H].sum(axis=1), flows[:, :, _REG_P].sum(axis=1), remaining

    def list_villages(self, exit_years: np.ndarray, agricultural: np.ndarray) -> None:
        """The village list of the county just finished, per registry village: the year a poor village
        exited (0: not a poor village, or not listed) and the agricultural population that counts
        towards poverty incidence (0: not listed, or no clean household)."""
        county_code, township_of = self._finished
        exited = np.zeros((len(exit_years), _YEARS), dtype=np.int64)
        poor = np.flatnonzero(exit_years)
        exited[poor, exit_years[poor] - FIRST_YEAR] = 1
        denominators = np.asarray(agricultural, dtype=np.int64)
        codes, flows = self._villages[-1][:2]
        self._villages[-1] = (codes, flows, exited, denominators)
        township_codes, township_flows, township_exited, township_denominators = self._townships[-1]
        np.add.at(township_exited, township_of, exited)
        np.add.at(township_denominators, township_of, denominators)
        for region in _upper_regions(county_code):
            before = self._upper_listing.get(region, (0, 0))
            self._upper_listing[region] = (before[0] + exited.sum(axis=0), before[1] + denominators.sum())

    def last_year(self) -> int:
        """max(2020, the latest year any clean household was identified, exited or returned in)."""
        seen = np.zeros(_YEARS, dtype=bool)
        for (level, _), flows in self._upper.items():
            if level == "province":
                seen |= flows[:, [_REG_H, _EXIT_H, _RET_H]].sum(axis=1) > 0
        years = FIRST_YEAR + np.flatnonzero(seen)
        return int(max(LAST_EXIT_YEAR, years.max() if len(years) else LAST_EXIT_YEAR))

    def _regions(self, level: str):
        """(code, flows, poor villages exited per year, incidence denominator) of each region."""
        if level in ("province", "city", "county"):
            for (lvl, code), flows in sorted(self._upper.items()):
                if lvl == level:
                    exited, denominator = self._upper_listing.get((lvl, code), (np.zeros(_YEARS, dtype=np.int64), 0))
                    yield code, flows, exited, denominator
            return
        blocks = self._townships if level == "township" else self._villages
        order = sorted((code, b, i) for b, block in enumerate(blocks) for i, code in enumerate(block[0]))
        for code, b, i in order:
            _, flows, exited, denominators = blocks[b]
            yield code, flows[i], exited[i], denominators[i]

    def rows(self):
        last = self.last_year()
        shown = slice(FIRST_MART_YEAR - FIRST_YEAR, last - FIRST_YEAR + 1)
        years = range(FIRST_MART_YEAR, last + 1)
        for level in LEVELS:
            for code, flows, exited, denominator in self._regions(level):
                if not flows[:, _REG_H].any():
                    continue
                cumulative = flows.cumsum(axis=0)
                denominator = int(denominator)
                for year, flow, total, villages_exited in zip(
                    years, flows[shown].tolist(), cumulative[shown].tolist(), exited[shown].tolist()
                ):
                    remaining_persons = total[_REG_P] - total[_BY_EXIT_P] + total[_BY_RET_P]
                    yield {
                        "region_code": code,
                        "region_level": level,
                        "year": year,
                        "registered_households": total[_REG_H],
                        "registered_persons": total[_REG_P],
                        "exited_households": flow[_EXIT_H],
                        "exited_persons": flow[_EXIT_P],
                        "cumulative_exited_households": total[_BY_EXIT_H],
                        "cumulative_exited_persons": total[_BY_EXIT_P],
                        "remaining_households": total[_REG_H] - total[_BY_EXIT_H] + total[_BY_RET_H],
                        "remaining_persons": remaining_persons,
                        "returned_households": flow[_RET_H],
                        "villages_exited": villages_exited,
                        "poverty_incidence": round(100 * remaining_persons / denominator, 4) if denominator else None,
                        "agricultural_population": denominator or None,
                    }


def _block(codes: list[str], flows: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    return codes, flows, np.zeros((len(codes), _YEARS), dtype=np.int64), np.zeros(len(codes), dtype=np.int64)


def _upper_regions(county_code: str) -> tuple[tuple[str, str], ...]:
    return ("province", county_code[:2] + "0000"), ("city", county_code[:4] + "00"), ("county", county_code)


class Log:
    """Defects, skipped rows and per-sheet counts, as the truth file lists them."""

    def __init__(self, households: int):
        self.listed = households <= LISTING_LIMIT
        self.defects: list[dict] = []
        self.skipped: list[dict] = []
        self.files: list[dict] = []
        self.defect_counts: Counter[str] = Counter()
        self.skipped_counts: Counter[str] = Counter()

    def defect(self, file: str, sheet: str, row: int | None, rule: str, column: str, **details) -> None:
        """``row`` is None for a defect that is an absence (a village missing from its list)."""
        self.defect_counts[rule] += 1
        if self.listed:
            self.defects.append({"file": file, "sheet": sheet, "row": row, "rule": rule, "column": column, **details})

    def skipped_row(self, file: str, sheet: str, row: int, reason: str) -> None:
        self.skipped_counts[reason] += 1
        if self.listed:
            self.skipped.append({"file": file, "sheet": sheet, "row": row, "reason": reason})


def _items(handle, rows) -> None:
    handle.write("[")
    for i, row in enumerate(rows):
        handle.write(("," if i else "") + "\n  " + json.dumps(row, ensure_ascii=False))
    handle.write("\n]")


def write(
    path: Path,
    seed: int,
    households: int,
    clean: int,
    mart: Mart,
    log: Log,
    investment: InvestmentMart,
    reports: dict[str, list[dict]] | None = None,
) -> None:
    """Streams the truth file: the mart alone can reach a million rows at national scale.

    ``reports`` adds the narrative reports' keys (reports, report_claims, report_findings); report
    files stay out of ``files``, which counts the rows of tabular sources.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    head = {
        "seed": seed,
        "households": households,
        "clean_households": clean,
        "fact_investment_total_yuan": round(float(investment.total_yuan), 2),
        "projects_total": investment.projects,
        "villages_listed": investment.villages_listed,
        "defect_counts": dict(sorted(log.defect_counts.items())),
        "skipped_counts": dict(sorted(log.skipped_counts.items())),
        "defects_truncated": not log.listed,
    }
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("{\n")
        for key, value in head.items():
            handle.write(f"{json.dumps(key)}: {json.dumps(value, ensure_ascii=False)},\n")
        for key, rows in (
            ("mart_poverty_exit", mart.rows()),
            ("mart_investment", investment.rows()),
            ("mart_project_reach", investment.reach_rows()),
            ("defects", log.defects),
            ("skipped_rows", log.skipped),
            *(reports or {}).items(),
            ("files", log.files),
        ):
            handle.write(f"{json.dumps(key)}: ")
            if isinstance(rows, dict):
                handle.write(json.dumps(rows, ensure_ascii=False))
            else:
                _items(handle, rows)
            handle.write(",\n" if key != "files" else "\n")
        handle.write("}\n")
