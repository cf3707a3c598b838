"""Derive the project's reference tables from the public sources.

Sources (see data/reference/SOURCES.md):
- statistical division codes 2023: modood/Administrative-divisions-of-China (WTFPL)
- county code history since 1980: yescallop/areacodes (CC0 1.0)
- the 832 national poverty counties: Clebeech/ds_project (government-published facts)

The derived CSVs are committed, so the pipeline never needs the original files; this module
is re-run only when a source is refreshed: ``etl-project derive-reference --source DIR``.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd

PROVINCE_LEVEL, CITY_LEVEL, COUNTY_LEVEL = "province", "city", "county"


def _six(code: str) -> str:
    return code.ljust(6, "0")


def _final_successor(raw: str) -> str:
    """The history writes chains as ``542430[1983];540625``: the last hop is the current code."""
    hops = [hop.split("[")[0] for hop in raw.split(";") if hop.strip()]
    return hops[-1] if hops else ""


def derive_regions(source: Path) -> pd.DataFrame:
    provinces = pd.read_csv(source / "admin_divisions_2023_provinces.csv", dtype=str)
    cities = pd.read_csv(source / "admin_divisions_2023_cities.csv", dtype=str)
    areas = pd.read_csv(source / "admin_divisions_2023_areas.csv", dtype=str)
    rows = []
    for p in provinces.itertuples():
        rows.append((_six(p.code), p.name, PROVINCE_LEVEL, None))
    for c in cities.itertuples():
        rows.append((_six(c.code), c.name, CITY_LEVEL, _six(c.provinceCode)))
    for a in areas.itertuples():
        rows.append((a.code, a.name, COUNTY_LEVEL, _six(a.cityCode)))
    return pd.DataFrame(rows, columns=["region_code", "region_name", "region_level", "parent_code"])


def derive_history(source: Path, current_codes: set[str]) -> pd.DataFrame:
    history = pd.read_csv(source / "areacodes_history_1980_present.csv", dtype=str, encoding="utf-8-sig")
    history.columns = ["code", "province", "prefecture", "name", "level", "status", "first_year", "end_year", "successor"]
    history = history[history["level"] == "县级"].copy()
    history["successor"] = history["successor"].fillna("").map(_final_successor)
    # A retired code whose chain ends nowhere current is kept with an empty successor: the
    # resolver then refuses it with a message rather than guessing.
    history["current_code"] = [
        code if code in current_codes else (succ if succ in current_codes else "")
        for code, succ in zip(history["code"], history["successor"])
    ]
    return history[["code", "name", "province", "prefecture", "status", "first_year", "end_year", "current_code"]]


def derive_poverty_counties(source: Path, regions: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    raw = pd.read_excel(source / "832_poverty_counties_list.xlsx", dtype=str, engine="calamine")
    # The sheet carries a watermark string in a seventh column on one row: keep only the six real columns.
    raw = raw.iloc[:, :6]
    raw.columns = ["listed_code", "county_name", "macro_region", "province_name", "city_name", "exit_year"]
    counties = regions[regions["region_level"] == COUNTY_LEVEL]
    by_code = set(counties["region_code"])
    successor = dict(zip(history["code"], history["current_code"]))
    current = []
    for listed, name in zip(raw["listed_code"], raw["county_name"]):
        code = listed if listed in by_code else successor.get(listed, "")
        if not code:
            # Two entries carry a prefecture code, one a short name of a statistical zone: look
            # for the county of the same name (or name prefix) under the same prefecture.
            prefix = listed[:4]
            stem = re.sub(r"(县|市|区|行委)$", "", name)
            under = counties[counties["region_code"].str[:4] == prefix]
            same = under[under["region_name"] == name]
            if same.empty:
                same = under[under["region_name"].str.startswith(stem)]
            code = same["region_code"].iloc[0] if len(same) == 1 else ""
        if not code:
            raise ValueError(f"832 list: cannot place {listed} {name} in the 2023 division codes")
        current.append(code)
    raw["region_code"] = current
    raw["exit_year"] = raw["exit_year"].astype(int)
    return raw[["region_code", "listed_code", "county_name", "macro_region", "province_name", "city_name", "exit_year"]]


def write_reference(source: Path, target: Path) -> dict[str, int]:
    target.mkdir(parents=True, exist_ok=True)
    regions = derive_regions(source)
    history = derive_history(source, set(regions["region_code"]))
    poverty = derive_poverty_counties(source, regions, history)
    outputs = {"regions_2023.csv": regions, "county_code_history.csv": history, "poverty_counties_832.csv": poverty}
    for name, frame in outputs.items():
        frame.to_csv(target / name, index=False, quoting=csv.QUOTE_MINIMAL)
    return {name: len(frame) for name, frame in outputs.items()}
