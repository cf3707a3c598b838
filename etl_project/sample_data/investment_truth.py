"""What the investment mart should hold, counted from the clean fund movements and projects.

County, township and village groups are final once their county is done and are kept as compact
rows; provinces and cities add up their counties' groups (project codes never repeat across
counties, so distinct-project figures add up too).
"""

from __future__ import annotations

from etl_project.sample_data.donors import Donor
from etl_project.sample_data.funds import Movement
from etl_project.sample_data.geography import Geography
from etl_project.sample_data.investment_vocab import CATEGORIES, DONOR_TYPES
from etl_project.sample_data.projects import Project
from etl_project.sample_data.truth import LEVELS

_FIGURES = 4  # amount (yuan), projects, households benefited, persons benefited


class InvestmentMart:
    def __init__(self) -> None:
        self._local: list[tuple] = []  # (level, code, year, category, donor_type, *figures)
        self._upper: dict[tuple, list[int]] = {}
        self.total_yuan = 0
        self.projects = 0
        self.villages_listed = 0

    def add_county(self, county_code: str, geo: Geography, movements: list[Movement], projects: list[Project],
                   donors: list[Donor]) -> None:
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
        for key, (amount, members) in groups.items():
            figures = (amount[0], len(members), sum(projects[i].households for i in members),
                       sum(projects[i].persons for i in members))
            self._local.append((*key, *figures))
            if key[0] == "county":
                for level, code in (("province", county_code[:2] + "0000"), ("city", county_code[:4] + "00")):
                    totals = self._upper.setdefault((level, code, *key[2:]), [0] * _FIGURES)
                    for i, value in enumerate(figures):
                        totals[i] += value

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
                "yuan_per_household_benefited": round(amount / households, 2) if households else None,
            }
