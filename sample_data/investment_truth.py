"""What the investment marts should hold, counted from the clean fund movements and projects.

County, township and village groups are final once their county is done and are kept as compact
rows; provinces and cities add up their counties' groups (project codes never repeat across
counties, so distinct-project figures add up too).
"""

from __future__ import annotations

from sample_data.donors import Donor
from sample_data.funds import Movement
from sample_data.geography import Geography
from sample_data.investment_vocab import CATEGORIES, DONOR_TYPES
from sample_data.projects import Project
from sample_data.truth import LEVELS

_FIGURES = 4  # amount (yuan), projects, households benefited, persons benefited


def yuan_per(amount_yuan: int, households: int) -> float:
    """Whole yuan ÷ households to the fen, a half fen rounded away from zero (amounts are
    positive), in integers: exactly what the warehouse stores as DECIMAL."""
    fen = (200 * amount_yuan + households) // (2 * households)
    return fen / 100


def _add_to_province_and_city(upper: dict[tuple, list[int]], county_code: str, key: tuple, figures) -> None:
    """A county group's figures (``key`` = level, code, then the grouping) added to its province's and its city's."""
    if key[0] != "county":
        return
    for level, code in (("province", county_code[:2] + "0000"), ("city", county_code[:4] + "00")):
        totals = upper.setdefault((level, code, *key[2:]), [0] * _FIGURES)
        for i, value in enumerate(figures):
            totals[i] += value


class InvestmentMart:
    def __init__(self) -> None:
        self._local: list[tuple] = []  # (level, code, year, category, donor_type, *figures)
        self._upper: dict[tuple, list[int]] = {}
        # mart_project_reach: (level, code, year, category, projects, households, persons, booked yuan)
        self._reach_local: list[tuple] = []
        self._reach_upper: dict[tuple, list[int]] = {}
        self.total_yuan = 0
        self.projects = 0
        self.villages_listed = 0

    def add_county(self, county_code: str, geo: Geography, movements: list[Movement], projects: list[Project], donors: list[Donor]) -> None:
        """Counts the county's clean movements; a movement for a quarantined project keeps its amount
        but brings no project."""
        clean_projects = {i for i, p in enumerate(projects) if not p.out_of_range}
        self.projects += len(clean_projects)
        groups: dict[tuple, tuple[list[int], set[int]]] = {}
        for m in movements:
            if m.rule is not None:
                continue
            self.total_yuan += m.amount_yuan
            key = (m.day.year, CATEGORIES[m.category][0], DONOR_TYPES[donors[m.donor].kind][0])
            regions = [("county", county_code)]
            if m.township is not None:
                regions.append(("township", geo.township_codes[m.township]))
            if m.village is not None:
                regions.append(("village", geo.village_codes[m.village]))
            for region in regions:
                amount, members = groups.setdefault((*region, *key), ([0], set()))
                amount[0] += m.amount_yuan
                if m.project in clean_projects:
                    members.add(m.project)
        self._add_reach(county_code, geo, movements, projects, clean_projects)
        for key, (amount, members) in groups.items():
            figures = (amount[0], len(members), sum(projects[i].households for i in members), sum(projects[i].persons for i in members))
            self._local.append((*key, *figures))
            _add_to_province_and_city(self._upper, county_code, key, figures)

    def _add_reach(
        self, county_code: str, geo: Geography, movements: list[Movement], projects: list[Project], clean_projects: set[int]
    ) -> None:
        """Each clean project with a clean movement, once: at its village, township and county, in the
        year of its first movement, under its own type, with everything booked on it."""
        first_year: dict[int, int] = {}
        booked: dict[int, int] = {}
        for m in movements:
            if m.rule is None and m.project in clean_projects:
                first_year[m.project] = min(first_year.get(m.project, m.day.year), m.day.year)
                booked[m.project] = booked.get(m.project, 0) + m.amount_yuan
        groups: dict[tuple, list[int]] = {}
        for index, year in first_year.items():
            project = projects[index]
            key = (year, CATEGORIES[project.category][0])
            township = geo.township_codes[int(geo.village_township[project.village])]
            for region in (("county", county_code), ("township", township), ("village", geo.village_codes[project.village])):
                figures = groups.setdefault((*region, *key), [0] * _FIGURES)
                for i, value in enumerate((1, project.households, project.persons, booked[index])):
                    figures[i] += value
        for key, figures in groups.items():
            self._reach_local.append((*key, *figures))
            _add_to_province_and_city(self._reach_upper, county_code, key, figures)

    def reach_rows(self):
        everything = self._reach_local + [(*key, *figures) for key, figures in self._reach_upper.items()]
        everything.sort(key=lambda r: (LEVELS.index(r[0]), *r[1:4]))
        for level, code, year, category, projects, households, persons, booked in everything:
            yield {
                "region_code": code,
                "region_level": level,
                "year": year,
                "category": category,
                "projects": projects,
                "households_benefited": households,
                "persons_benefited": persons,
                "booked_yuan": float(booked),
            }

    def rows(self):
        everything = self._local + [(*key, *figures) for key, figures in self._upper.items()]
        everything.sort(key=lambda r: (LEVELS.index(r[0]), *r[1:5]))
        for level, code, year, category, donor_type, amount, projects, households, persons in everything:
            yield {
                "region_code": code,
                "region_level": level,
                "year": year,
                "category": category,
                "donor_type": donor_type,
                "amount_yuan": round(float(amount), 2),
                "project_count": projects,
                "households_benefited": households,
                "persons_benefited": persons,
                "yuan_per_household_benefited": yuan_per(amount, households) if households else None,
            }
