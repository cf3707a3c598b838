"""Place names in reports → 2023 division codes.

Reports write places as people say them: 紫云县 for 紫云苗族布依族自治县, 永州经开区 for
永州经济技术开发区. A name that matches more than one code, or none, resolves to None; the claim
keeps the name as written.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path
from typing import Protocol

from etl_project.core.regions import REFERENCE_DIR, short_name

# Short form → full form of functional zones, as reports and their codes write them.
ZONE_FORMS = {"经开区": "经济技术开发区", "高新区": "高新技术产业开发区"}
_LEVEL_SUFFIXES = ("市", "地区", "盟", "县", "区", "旗")


class RegionLookup(Protocol):
    def resolve(self, name: str) -> str | None: ...


class ReferenceRegions:
    """RegionLookup over regions_2023.csv; also the vocabulary that finds places in text."""

    def __init__(self, path: Path = REFERENCE_DIR / "regions_2023.csv"):
        self._codes: dict[str, set[str]] = {}
        self.levels: dict[str, str] = {}
        with open(path, encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        for row in rows:
            name, code, level = row["region_name"], row["region_code"], row["region_level"]
            for spelling in filter(None, (name, short_name(name), _zone_short_form(name))):
                self._codes.setdefault(spelling, set()).add(code)
                self.levels.setdefault(spelling, level)
        # City stems name zones that the 2023 list may not hold (贵阳经开区): found, not resolved.
        self.zone_stems = {_stem(row["region_name"]) for row in rows if row["region_level"] == "city"} - {""}

    def resolve(self, name: str) -> str | None:
        name = "".join(name.split())
        for spelling in _spellings(name):
            codes = self._codes.get(spelling)
            if codes:
                return next(iter(codes)) if len(codes) == 1 else None
        return None

    def names(self) -> dict[str, str]:
        """Every spelling the reference knows, with its level."""
        return self.levels


def _stem(name: str) -> str:
    for suffix in _LEVEL_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return ""


def _zone_short_form(name: str) -> str | None:
    for short, full in ZONE_FORMS.items():
        if name.endswith(full):
            return name[: -len(full)] + short
    return None


def _spellings(name: str):
    yield name
    for short, full in ZONE_FORMS.items():
        if name.endswith(short):
            yield name[: -len(short)] + full
            stem = name[: -len(short)]
            if stem.endswith("市"):
                yield stem[:-1] + full


@cache
def default_regions() -> ReferenceRegions:
    return ReferenceRegions()
