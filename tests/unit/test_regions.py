"""County names as files write them, reference quirks, and local codes."""

from __future__ import annotations

import hashlib

import pandas as pd

from etl_project.core.regions import RegionIndex, local_code, short_name
from etl_project.warehouse.dimensions import build_dim_region

INDEX = RegionIndex()


def test_short_full_renamed_and_zone_names_resolve():
    assert INDEX.resolve_county("紫云苗族布依族自治县").code == "520425"
    assert INDEX.resolve_county("紫云县").code == "520425"
    assert INDEX.resolve_county("那曲县").code == "540602"  # renamed 色尼区 in 2017
    assert INDEX.resolve_county("色尼区").code == "540602"
    assert INDEX.resolve_county("永州经济技术开发区").code == "431171"
    assert INDEX.resolve_county("522326").code == "522326"


def test_ambiguous_and_unknown_names_explain_themselves():
    ambiguous = INDEX.resolve_county("鼓楼区")
    assert ambiguous.code is None and "ambiguous" in ambiguous.problem
    unknown = INDEX.resolve_county("不存在县")
    assert unknown.code is None and "not in the 2023 division codes" in unknown.problem


def test_short_names_of_autonomous_counties():
    assert short_name("紫云苗族布依族自治县") == "紫云县"
    assert short_name("莫力达瓦达斡尔族自治旗") == "莫力达瓦旗"
    assert short_name("望谟县") is None


def test_reference_832_counties_placed_in_2023_codes():
    poverty = INDEX.poverty
    assert len(poverty) == 832 and poverty["region_code"].is_unique
    counties = set(INDEX.regions.loc[INDEX.regions["region_level"] == "county", "region_code"])
    assert set(poverty["region_code"]) <= counties
    # Prefecture codes in the published list (532600 文山市) and renamed counties (540530 错那县 → 错那市).
    placed = dict(zip(poverty["listed_code"], poverty["region_code"]))
    assert placed["532600"] == "532601" and placed["540530"] == "540581" and placed["632825"] == "632857"
    # Official totals per year are 28, 125, 283, 344, 52; this list puts one county a year later.
    assert poverty["exit_year"].value_counts().sort_index().tolist() == [28, 125, 282, 345, 52]


def test_local_codes_are_stable_and_recomputable():
    expected = "520425-" + hashlib.sha1("520425/猫营镇".encode()).hexdigest()[:6]
    township = local_code("520425", "猫营镇")
    assert township == expected
    village = local_code(township, "猫营镇", "大河村")
    assert village == expected + "-" + hashlib.sha1("520425/猫营镇/大河村".encode()).hexdigest()[:6]
    assert local_code("520425", "猫营镇") == township


def test_dim_region_has_every_level_and_the_832_flag():
    township = local_code("520425", "猫营镇")
    places = pd.DataFrame(
        {
            "county_code": ["520425"],
            "township_code": [township],
            "township_name": ["猫营镇"],
            "village_code": [local_code(township, "猫营镇", "大河村")],
            "village_name": ["大河村"],
        }
    )
    frame = build_dim_region(INDEX, places)
    # 东莞市, 中山市 and 儋州市 have no counties: the same code is both a city and a county.
    assert not frame.duplicated(["region_level", "region_code"]).any()
    assert frame.loc[frame["region_code"] == "441900", "region_level"].tolist() == ["city", "county"]
    dim = frame[frame["region_level"] != "city"].set_index("region_code")
    assert (frame["region_level"] == "province").sum() == 31
    assert dim.loc["520425", "is_poverty_county"] and dim.loc["520425", "county_exit_year"] == 2020
    assert dim.loc["520425", "short_name"] == "紫云县" and dim.loc["520425", "parent_code"] == "520400"
    assert not dim.loc["431171", "is_poverty_county"]
    assert dim.loc[township, "parent_code"] == "520425" and dim.loc[township, "is_local_code"]
    assert dim.index.is_unique


_FILLER = {"string": "01", "Int64": 1, "Float64": 1.0, "boolean": False, "datetime64[ns]": pd.Timestamp("2022-06-30")}


def _staged_places(db, table, rows: list[dict]) -> None:
    """Rows of a staging table with the given columns; its other required columns filled with anything."""
    filled = [{f.name: row.get(f.name, _FILLER[f.pandas_dtype] if f.required else None) for f in table.fields} for row in rows]
    frame = pd.DataFrame(filled, columns=table.column_names)
    db.ensure_table(table)
    if rows:
        db.replace(table, frame)


def test_dim_region_learns_the_places_only_a_monitoring_list_names(tmp_path):
    """A village that only a monitoring list names is a place of dim_region, with its name and its
    township, as a village the registry names is; a monitoring row staged without place names (by
    an older release) adds no nameless place."""
    from assets.warehouse import dim_region
    from etl_project.ingest.resources import WarehouseResource
    from etl_project.warehouse.engine import opened
    from schemas.investment_tables import STG_VILLAGE
    from schemas.monitoring_sources import STG_MONITORING
    from schemas.tables import DIM_REGION, LOAD_AUDIT, STG_HOUSEHOLD

    registered = local_code("520425", "猫营镇")
    monitored = local_code("520425", "板当镇")
    places = {
        "registry": ("520425", registered, "猫营镇", local_code(registered, "猫营镇", "大河村"), "大河村"),
        "monitoring": ("520425", monitored, "板当镇", local_code(monitored, "板当镇", "新寨村"), "新寨村"),
        "monitoring, same village": ("520425", registered, "猫营镇", local_code(registered, "猫营镇", "大河村"), "大河村"),
    }
    columns = ("county_code", "township_code", "township_name", "village_code", "village_name")
    older = local_code("520425", "四大寨乡")
    url = f"duckdb:///{tmp_path / 'w.duckdb'}"
    with opened(url) as db:
        db.ensure_table(LOAD_AUDIT)
        _staged_places(db, STG_HOUSEHOLD, [dict(zip(columns, places["registry"]))])
        _staged_places(db, STG_VILLAGE, [])
        _staged_places(
            db,
            STG_MONITORING,
            [
                dict(zip(columns, places["monitoring"])),
                dict(zip(columns, places["monitoring, same village"])),
                {"county_code": "520425", "township_code": older, "village_code": local_code(older, "四大寨乡", "羊场村")},
            ],
        )
    dim_region(warehouse=WarehouseResource(url=url))
    with opened(url) as db:
        local = db.query(f"SELECT region_code, region_name, region_level, parent_code FROM {db.name(DIM_REGION)} WHERE is_local_code")
    got = {(r.region_level, r.region_code): (r.region_name, r.parent_code) for r in local.itertuples()}
    expected = {}
    for county, township, township_name, village, village_name in (places["registry"], places["monitoring"]):
        expected[("township", township)] = (township_name, county)
        expected[("village", village)] = (village_name, township)
    assert got == expected
