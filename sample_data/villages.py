"""A county's village list: which villages are poor villages, when they exited, how many live there.

A poor village exits (出列) in the first year its remaining registered persons fall below 3% of
its agricultural population in the western provinces, 2% elsewhere. Populations are drawn large
enough for that to happen by 2020 nearly always; a village that never gets there is still listed
as exited in 2020, which is the inconsistency the warehouse has to flag.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sample_data.geography import Geography
from sample_data.names import unique_names
from sample_data.vocab import FIRST_YEAR, LAST_EXIT_YEAR

WESTERN_PROVINCES = ("15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65")
FIRST_EXIT_YEAR = 2014
POOR_SHARE = 0.3
MIN_SCALE, MAX_SCALE = 4.0, 8.0  # 户籍人口 per registered person
_TARGET_YEARS = np.arange(2016, 2021)
_TARGET_YEAR_P = np.array([0.1, 0.2, 0.3, 0.25, 0.15])


@dataclass(frozen=True)
class Village:
    township: int
    name: str
    registry: int | None  # position in the county's geography; None for a village with no registered household
    poor: bool
    exit_year: int | None
    population: int  # 户籍人口
    agricultural: int  # 农业人口
    income_yuan: int  # 村集体经济收入, a multiple of 100: lists write 万元 with two decimals


@dataclass(frozen=True)
class Listing:
    villages: list[Village]  # in the order the list writes them
    omitted: int | None  # the registry village left out of the list
    exit_years: np.ndarray  # per registry village: exit year of a listed poor village, else 0
    denominators: np.ndarray  # per registry village: agricultural population if listed with a clean household


def threshold_percent(county_code: str) -> int:
    return 3 if county_code[:2] in WESTERN_PROVINCES else 2


def exit_year(remaining: np.ndarray, agricultural: int, percent: int) -> int:
    """``remaining``: remaining persons at the end of each year from FIRST_YEAR."""
    for year in range(FIRST_EXIT_YEAR, LAST_EXIT_YEAR + 1):
        if remaining[year - FIRST_YEAR] * 100 < percent * agricultural:
            return year
    return LAST_EXIT_YEAR


def _scales(rng: np.random.Generator, persons: np.ndarray, remaining: np.ndarray, farming: np.ndarray, percent: int) -> np.ndarray:
    """户籍人口 per registered person, between 4 and 8: just enough for the village to get under the
    threshold by a year drawn as real exits spread (most in 2017-2019), or as large as allowed."""
    target = rng.choice(_TARGET_YEARS, size=len(persons), p=_TARGET_YEAR_P)
    at_target = remaining[np.arange(len(persons)), target - FIRST_YEAR]
    needed = (at_target * 100 / percent + 1) / np.maximum(persons * farming, 1)
    return np.clip(needed * rng.uniform(1.0, 1.15, size=len(persons)), MIN_SCALE, MAX_SCALE)


def _extra_names(rng: np.random.Generator, geo: Geography, tibetan: bool) -> list[tuple[int, str]]:
    """A few villages no household of the registry lives in, each in one of the county's townships."""
    extras: list[tuple[int, str]] = []
    taken = set(zip(geo.village_township.tolist(), geo.village_names.tolist()))
    for _ in range(int(rng.integers(1, 4))):
        township = int(rng.integers(len(geo.township_names)))
        while True:
            name = unique_names(rng, 1, ("村",), (1.0,), tibetan)[0]
            if (township, name) not in taken:
                taken.add((township, name))
                extras.append((township, name))
                break
    return extras


def build(
    county_code: str,
    geo: Geography,
    households: np.ndarray,
    persons: np.ndarray,
    remaining: np.ndarray,
    rng: np.random.Generator,
    tibetan: bool,
    omit: bool,
) -> Listing:
    """``households``, ``persons`` and ``remaining`` per registry village, from the clean registry."""
    count = len(geo.village_codes)
    inhabited = np.flatnonzero(households > 0)
    omitted = int(rng.choice(inhabited)) if omit and len(inhabited) else None
    percent = threshold_percent(county_code)
    poor = (households > 0) & (rng.random(count) < POOR_SHARE)
    farming = rng.uniform(0.8, 0.95, size=count)
    scale = _scales(rng, persons, remaining, farming, percent)
    income = rng.uniform(1.0, 30.0, size=count)

    exit_years = np.zeros(count, dtype=np.int64)
    denominators = np.zeros(count, dtype=np.int64)
    by_township: dict[int, list[Village]] = {t: [] for t in range(len(geo.township_names))}
    for v in range(count):
        population = int(round(persons[v] * scale[v])) if persons[v] else int(rng.integers(400, 2500))
        agricultural = int(round(population * farming[v]))
        # A ratio exactly on the threshold would make the exit year depend on rounding.
        while (remaining[v] * 100 == percent * agricultural).any():
            agricultural += 1
        year = exit_year(remaining[v], agricultural, percent) if poor[v] else None
        village = Village(
            int(geo.village_township[v]),
            geo.village_names[v],
            v,
            bool(poor[v]),
            year,
            population,
            agricultural,
            int(round(income[v] * (1 if poor[v] else 2.5) * 100)) * 100,
        )
        if v == omitted:
            continue
        by_township[village.township].append(village)
        exit_years[v] = year or 0
        denominators[v] = agricultural if households[v] > 0 else 0
    for township, name in _extra_names(rng, geo, tibetan):
        population = int(rng.integers(400, 2500))
        by_township[township].append(
            Village(
                township,
                name,
                None,
                False,
                None,
                population,
                int(round(population * rng.uniform(0.8, 0.95))),
                int(rng.integers(30, 800)) * 100,
            )
        )
    villages = [village for t in sorted(by_township) for village in by_township[t]]
    return Listing(villages, omitted, exit_years, denominators)
