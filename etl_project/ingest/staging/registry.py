"""The household registry as a source: county names resolved to codes, places given local codes,
the head's ID number turned into a keyed hash and every personal field dropped. A registry sent
as the national system's per-person export is its "persons" layout (staging/persons.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from etl_project.core import pii
from etl_project.core.regions import RegionIndex
from etl_project.core.settings import Reading
from etl_project.ingest.readers.extract import ROW_COLUMN, SHEET_COLUMN
from etl_project.ingest.staging import persons
from etl_project.ingest.staging.pipeline import SourceSpec, StageContext, StagedFile, stage
from etl_project.ingest.staging.places import add_place_codes, resolve_counties
from schemas.person_sources import PERSON_RULES, REGISTRY_PERSON
from schemas.sources import REGISTRY_HOUSEHOLD, UNKNOWN_REGION
from schemas.tables import STG_HOUSEHOLD, STG_PERSON

SOURCE = "registry"


def _shape(clean: pd.DataFrame, raw: pd.DataFrame, context: StageContext) -> pd.DataFrame:
    staged = clean.rename(columns={"income_per_person": "income_per_person_yuan", "county_name": "county_name_as_written"})
    staged["household_key"] = pii.keyed_hash(clean["id_number"].str[:18], context.pii_key)
    add_place_codes(staged, clean)
    staged["source_file"] = context.source_file
    staged["source_sheet"] = raw[SHEET_COLUMN].astype("string")
    staged["source_row"] = raw[ROW_COLUMN].astype("Int64")
    # Only a snapshot without 识别年度 (the per-person layout) has these.
    staged["as_of_year"] = pd.array([pd.NA] * len(staged), dtype="Int64")
    staged["stated_household_size"] = pd.array([pd.NA] * len(staged), dtype="Int64")
    # Selecting the staging columns is what drops the personal fields.
    return staged[STG_HOUSEHOLD.column_names]


PERSONS = SourceSpec(
    name=SOURCE,
    record=REGISTRY_PERSON,
    staged=STG_HOUSEHOLD,
    look_up=persons.look_up,
    shape=persons.shape,
    extra_rules=(UNKNOWN_REGION, *PERSON_RULES),
    people=lambda typed: typed["head_name"],
    settle=persons.settle,
    more=(STG_PERSON,),
    rows_in=STG_PERSON,
)

REGISTRY = SourceSpec(
    name=SOURCE,
    record=REGISTRY_HOUSEHOLD,
    staged=STG_HOUSEHOLD,
    look_up=resolve_counties,
    shape=_shape,
    extra_rules=(UNKNOWN_REGION,),
    people=lambda typed: typed["head_name"],
    layouts={"persons": PERSONS},
)


def stage_file(path: Path, source_file: str, regions: RegionIndex, key: bytes, *, reading: Reading = Reading()) -> StagedFile:
    return stage(path, source_file, REGISTRY, StageContext(regions=regions, pii_key=key, source_file=source_file, reading=reading))
