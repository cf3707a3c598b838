"""Townships named in reports → the township codes the warehouse knows.

Townships have no public codes: the warehouse gives each one a local code under its county
(regions.local_code) from the name its registries and village lists write, and lists it in
dim_region. A report's township is looked up among those inside the place the report puts it in
(its county, or a city or province when that is all the report says), trying in turn:
1. the same name;
2. the same name with another suffix: 水岩乡 made a town is 水岩镇, 城关街道 may be written 城关街道办事处;
3. a name that ends with the written one: where the text does not set a township's name off, the
   extractor reads the two characters before 乡/镇 (大寨乡 in "。四大寨乡…").
The first step that finds townships decides: one is the claim's township; several are ambiguous and
none of them is picked. A report that names no place to look in is not guessed at either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from etl_project.warehouse.engine import Warehouse
from schemas.tables import DIM_REGION

_SUFFIX = re.compile(r"(?:街道办事处|街道|乡|镇)$")


def is_township_name(name: str | None) -> bool:
    return bool(name) and bool(_SUFFIX.search(name))


def _stem(name: str) -> str:
    return _SUFFIX.sub("", name)


@dataclass(frozen=True)
class TownshipMatch:
    code: str | None
    status: str  # resolved, ambiguous or unknown
    note: str  # how it was found, or why not


class Townships:
    """The warehouse's townships, with the counties they lie in."""

    def __init__(self, db: Warehouse):
        dim = db.name(DIM_REGION)
        self.frame: pd.DataFrame = db.query(
            f"SELECT t.region_code, t.region_name, t.county_code, t.city_code, t.province_code, c.region_name AS county_name "
            f"FROM {dim} t LEFT JOIN {dim} c ON c.region_code = t.county_code AND c.region_level = 'county' "
            "WHERE t.region_level = 'township'"
        )
        self.frame["stem"] = self.frame["region_name"].map(_stem)

    @property
    def codes(self) -> set[str]:
        return set(self.frame["region_code"])

    def resolve(self, written: str, within: str | None) -> TownshipMatch:
        """The township ``written`` names inside the county, city or province ``within``."""
        name = "".join((written or "").split())
        if "、" in name:
            return TownshipMatch(None, "unknown", f"{written} names several townships, not one")
        if not within:
            return TownshipMatch(None, "unknown", f"township {written}: the report names no county it lies in")
        inside = self.frame[
            (self.frame["county_code"] == within) | (self.frame["city_code"] == within) | (self.frame["province_code"] == within)
        ]
        stem = _stem(name)
        for how, found in (
            ("same name", inside[inside["region_name"] == name]),
            ("same name, other suffix", inside[inside["stem"] == stem]),
            ("name ending with the written one", inside[inside["region_name"].str.endswith(name) | inside["stem"].str.endswith(stem)]),
        ):
            if len(found) == 1:
                row = found.iloc[0]
                return TownshipMatch(
                    row["region_code"],
                    "resolved",
                    f"township {written} is {row['region_name']} {row['region_code']} of {row['county_name'] or row['county_code']} ({how})",
                )
            if len(found) > 1:
                places = "; ".join(f"{r.region_name} {r.region_code} of {r.county_name or r.county_code}" for r in found.itertuples())
                return TownshipMatch(None, "ambiguous", f"township {written} in {within} could be any of: {places}")
        return TownshipMatch(None, "unknown", f"township {written} is not among the townships the warehouse knows in {within}")
