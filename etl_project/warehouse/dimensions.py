"""dim_region: the reference hierarchy plus the townships and villages the registries, the village
lists and the monitoring lists name."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from etl_project.core.regions import RegionIndex, city_code, province_code, short_name
from schemas.investment_tables import STG_VILLAGE
from schemas.monitoring_sources import STG_MONITORING
from schemas.registry import Table
from schemas.tables import DIM_REGION, STG_HOUSEHOLD

VILLAGE_FACTS = ["is_poor_village", "village_exit_year", "registered_population", "agricultural_population"]
# The staging tables whose rows name a township and a village, and their sources: a place any of
# them names is a place of dim_region, so a village only a monitoring list names has its name too.
PLACE_TABLES = (STG_HOUSEHOLD, STG_VILLAGE, STG_MONITORING)
PLACE_SOURCES = ("registry", "villages", "monitoring")
_PLACE_COLUMNS = "county_code, township_code, township_name, village_code, village_name"


def places_sql(name: Callable[[Table], str]) -> str:
    """SELECT of the distinct places (the columns build_dim_region's ``places`` takes) of every
    table of PLACE_TABLES; ``name`` gives a table's qualified name."""
    # Rows staged before their table kept place names (a warehouse of an older release) name no place.
    return (
        " UNION ".join(
            f"SELECT DISTINCT {_PLACE_COLUMNS} FROM {name(table)} WHERE township_name IS NOT NULL AND village_name IS NOT NULL"
            for table in PLACE_TABLES
        )
        + " ORDER BY county_code, township_code, village_code"
    )


def _local_level(places: pd.DataFrame, level: str, parent: str) -> pd.DataFrame:
    """One region row per distinct township or village of ``places``, under its ``parent``."""
    distinct = places.drop_duplicates(f"{level}_code")
    return pd.DataFrame(
        {
            "region_code": distinct[f"{level}_code"],
            "region_name": distinct[f"{level}_name"],
            "region_level": level,
            "parent_code": distinct[parent],
            "county_code": distinct["county_code"],
            "township_code": distinct["township_code"],
        }
    )


def build_dim_region(index: RegionIndex, places: pd.DataFrame, village_list: pd.DataFrame | None = None) -> pd.DataFrame:
    """``places`` has county_code, township_code, township_name, village_code, village_name, from
    every source that names villages; ``village_list`` adds the village list's facts by village_code."""
    reference = index.regions.copy()
    codes = reference["region_code"]
    levels = reference["region_level"]
    reference["short_name"] = reference["region_name"].map(short_name)
    reference["province_code"] = codes.map(province_code)
    reference["city_code"] = codes.map(city_code).where(levels != "province")
    reference["county_code"] = codes.where(levels == "county")
    reference["township_code"] = None
    reference["is_local_code"] = False
    exits = dict(zip(index.poverty["region_code"], index.poverty["exit_year"]))
    reference["is_poverty_county"] = codes.map(lambda c: c in exits).where(levels == "county")
    reference["county_exit_year"] = codes.map(exits)

    local = pd.concat(
        [
            _local_level(places, "township", parent="county_code"),
            _local_level(places, "village", parent="township_code"),
        ],
        ignore_index=True,
    )
    local["province_code"] = local["county_code"].map(province_code)
    local["city_code"] = local["county_code"].map(city_code)
    local["is_local_code"] = True
    if village_list is not None and not village_list.empty:
        facts = village_list.drop_duplicates("village_code").set_index("village_code")
        for column in VILLAGE_FACTS:
            local[column] = local["region_code"].map(facts[column]).where(local["region_level"] == "village")
    frame = pd.concat([reference, local], ignore_index=True)
    for column in VILLAGE_FACTS:
        if column not in frame:
            frame[column] = None
    frame["is_poor_village"] = frame["is_poor_village"].astype("boolean")
    for column in VILLAGE_FACTS[1:]:
        frame[column] = pd.to_numeric(frame[column]).astype("Int64")
    frame["is_local_code"] = frame["is_local_code"].astype("boolean")
    frame["is_poverty_county"] = frame["is_poverty_county"].astype("boolean")
    frame["county_exit_year"] = pd.to_numeric(frame["county_exit_year"]).astype("Int64")
    return frame[DIM_REGION.column_names]
