"""The household registry as a source: county names resolved to codes, places given local codes,
the head's ID number turned into a keyed hash and every personal field dropped."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl_project import pii
from etl_project.readers.extract import ROW_COLUMN, SHEET_COLUMN
from etl_project.regions import RegionIndex, local_code
from etl_project.staging.pipeline import SourceSpec, StageContext, StagedFile, stage
from schemas.sources import REGISTRY_HOUSEHOLD, UNKNOWN_REGION
from schemas.tables import STG_HOUSEHOLD

SOURCE = "registry"


def _look_up(typed: pd.DataFrame, context: StageContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    names = typed["county_name"]
    resolutions = {name: context.regions.resolve_county(name) for name in names.dropna().unique()}
    codes = names.map(lambda name: resolutions[name].code if name in resolutions else None)
    unresolved = names.notna() & codes.isna()
    issues = pd.DataFrame(
        {
            "index": typed.index[unresolved],
            "column": "county_name",
            "rule": UNKNOWN_REGION.id,
            "value": names[unresolved].to_numpy(),
            "detail": [resolutions[n].problem for n in names[unresolved]],
        }
    )
    return pd.DataFrame({"county_code": codes.astype("string")}, index=typed.index), issues


def place_codes(county_codes: pd.Series, townships: pd.Series, villages: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Township and village local codes, hashing each distinct place once (a county has thousands
    of households but a few hundred villages)."""
    places = pd.DataFrame({"county": county_codes.to_numpy(), "township": townships.to_numpy(), "village": villages.to_numpy()})
    distinct = places.drop_duplicates().copy()
    distinct["township_code"] = [local_code(c, t) for c, t in zip(distinct["county"], distinct["township"])]
    distinct["village_code"] = [
        local_code(tc, t, v) for tc, t, v in zip(distinct["township_code"], distinct["township"], distinct["village"])
    ]
    coded = places.merge(distinct, on=["county", "township", "village"], how="left")
    return (
        pd.Series(coded["township_code"].to_numpy(), index=county_codes.index, dtype="string"),
        pd.Series(coded["village_code"].to_numpy(), index=county_codes.index, dtype="string"),
    )


def _shape(clean: pd.DataFrame, raw: pd.DataFrame, context: StageContext) -> pd.DataFrame:
    township_codes, village_codes = place_codes(clean["county_code"], clean["township_name"], clean["village_name"])
    staged = clean.rename(columns={"income_per_person": "income_per_person_yuan", "county_name": "county_name_as_written"})
    staged["household_key"] = pii.keyed_hash(clean["id_number"].str[:18], context.pii_key)
    staged["township_code"] = township_codes
    staged["village_code"] = village_codes
    staged["source_file"] = context.source_file
    staged["source_sheet"] = raw[SHEET_COLUMN].astype("string")
    staged["source_row"] = raw[ROW_COLUMN].astype("Int64")
    # Selecting the staging columns is what drops the personal fields.
    return staged[STG_HOUSEHOLD.column_names]


REGISTRY = SourceSpec(
    name=SOURCE,
    record=REGISTRY_HOUSEHOLD,
    staged=STG_HOUSEHOLD,
    look_up=_look_up,
    shape=_shape,
    extra_rules=(UNKNOWN_REGION,),
)


def stage_file(path: Path, source_file: str, regions: RegionIndex, key: bytes) -> StagedFile:
    return stage(path, source_file, REGISTRY, StageContext(regions=regions, pii_key=key, source_file=source_file))
