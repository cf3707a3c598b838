"""The registry's per-person layout (the national system's "贫困户信息列表" export): households
formed from their members' rows, each keyed like any registry household, and the members themselves.

A household runs from its head's row (与户主关系 户主 or 本人) to the next head's row, or to the
next change of village or sheet. Rows that cannot make a household (no head before them; two heads
where 人数 says one household) and the other members of a household with a rejected row are
quarantined together: a household is loaded whole or not at all, so that its size counts its members.

The export gives no 识别年度 or 脱贫年度: it is a snapshot, counted as of the year its title or its
file name names, else the year given by ``--as-of`` (ETL_AS_OF_YEAR); that year is stated in the
file's warnings and kept on every row (as_of_year).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from etl_project.core import pii
from etl_project.ingest.readers.extract import ROW_COLUMN, SHEET_COLUMN, SourceFileError
from etl_project.ingest.staging.pipeline import StageContext
from etl_project.ingest.staging.places import add_place_codes, resolve_counties
from etl_project.ingest.validation import empty_issues
from schemas.person_sources import HEAD_RELATIONS, MEMBER_REJECTED, NO_HEAD, SCHOOLING_AGE, TWO_HEADS
from schemas.registry import REQUIRED_RULE
from schemas.sources import FIRST_PROGRAMME_YEAR
from schemas.tables import STG_HOUSEHOLD, STG_PERSON
from schemas.vocabularies import SCHOOLING_AGES

LAST_AS_OF_YEAR = 2035
# A year on its own in a title or file name: "罕台镇2016年贫困户信息列表", "…_2019.xls".
_YEAR = re.compile(r"(?<![0-9])(20[1-3][0-9])(?![0-9])")
# What the head's row carries for the whole household.
HOUSEHOLD_VALUES = ("attribute_code", "main_cause_code", "status_code", "income_per_person")
AGE_BANDS = ((0, 5, "0-5"), (6, 15, "6-15"), (16, 59, "16-59"), (60, 200, "60+"))
# Columns look_up adds to the typed rows (kept on them for settle and shape).
HOUSEHOLD, IS_HEAD, BIRTH_YEAR, AS_OF = "_household", "_is_head", "_birth_year", "_as_of_year"
_WHERE_ZH = {"its title": "标题", "its file name": "文件名"}


def missing_household_values(heads: pd.DataFrame, columns: tuple[str, ...]) -> list[pd.DataFrame]:
    """The household's values are read from its head's row: one left blank there is missing for
    the whole household, so it is the head's row that is rejected."""
    found = []
    for column in columns:
        missing = heads.index[heads[column].isna()]
        if len(missing):
            found.append(pd.DataFrame({"index": missing, "column": column, "rule": REQUIRED_RULE.id, "value": None}))
    return found


def as_of_year(context: StageContext) -> tuple[int, str]:
    """The year the snapshot is as of, and where it was read: the title, the file name, --as-of."""
    extracted = context.extract
    titled = sorted({int(y) for text in extracted.above_header.values() for y in _YEAR.findall(text)})
    named = sorted({int(y) for y in _YEAR.findall(Path(context.source_file).stem)})
    given = context.reading.as_of_year.strip()
    for years, where in ((titled, "its title"), (named, "its file name")):
        if years:
            # "2014-2016年": a snapshot is as of the end of the span it covers.
            return years[-1], where
    if given:
        return int(given), "--as-of"
    raise SourceFileError(
        f"{context.source_file}: a per-person registry export gives no 识别年度, and neither its title nor its file name "
        f"names the year it is as of; put the year in the file name (e.g. 罕台镇2019年贫困户信息列表.xls) or run with "
        f"--as-of YEAR",
        "每人一行的贫困户信息列表没有识别年度，标题和文件名中也没有年份：请在文件名中写明年份，或运行时加 --as-of 年份",
    )


def _birth_years(id_numbers: pd.Series) -> pd.Series:
    """Year of birth from an ID number's digits 7-10 (18-character numbers; 20 and 22 begin with one)."""
    digits = id_numbers.astype("string").str.slice(6, 10)
    years = pd.to_numeric(digits.where(digits.str.fullmatch(r"(19|20)[0-9]{2}").fillna(False)), errors="coerce")
    return years.astype("Int64")


def _households(typed: pd.DataFrame, sheets: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row: its household number, whether it is the head's, and per household whether it has no
    head and whether it has two (人数 joins it to the next one)."""
    is_head = typed["relation"].isin(HEAD_RELATIONS).to_numpy()
    place = (
        pd.DataFrame({"sheet": sheets.to_numpy(), **{c: typed[c].to_numpy() for c in ("county_name", "township_name", "village_name")}})
        .astype("string")
        .fillna("")
    )
    moved = np.r_[True, (place.iloc[1:].to_numpy() != place.iloc[:-1].to_numpy()).any(axis=1)] if len(place) else np.array([], dtype=bool)
    number = np.cumsum(is_head | moved) - 1
    per = pd.DataFrame(
        {"household": number, "head": is_head, "stated": typed["household_size"].to_numpy(dtype=float, na_value=np.nan), "moved": moved}
    )
    groups = per.groupby("household", sort=True).agg(heads=("head", "sum"), members=("head", "size"), stated=("stated", "first"))
    starts_at_move = per.groupby("household")["moved"].first().to_numpy()
    headless = groups["heads"].to_numpy() == 0
    # 人数 says how many rows the household has: a household short of it whose next one (in the
    # same place, headed, of the same 人数 or none) makes it up exactly is one household with two heads.
    members, stated = groups["members"].to_numpy(), groups["stated"].to_numpy()
    following_members = np.r_[members[1:], 0]
    following_stated = np.r_[stated[1:], np.nan]
    following_new_place = np.r_[starts_at_move[1:], True]
    joined = (
        ~headless
        & (members < stated)
        & (members + following_members == stated)
        & (np.isnan(following_stated) | (following_stated == stated))
        & ~following_new_place
    )
    two_heads = joined | np.r_[False, joined[:-1]]
    merged = np.cumsum(~np.r_[False, joined[:-1]]) - 1  # the household each household becomes
    return merged[number], is_head, headless[number], two_heads[number]


def look_up(typed: pd.DataFrame, context: StageContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counties resolved, households formed, the as-of year found; the head's row checked for what
    it carries for the household, and every member's schooling against the age the ID number gives."""
    if typed.empty:
        # A header with no rows under it (an export of nothing, a template) is counted as of no year.
        return typed[[]].assign(
            county_code=pd.Series(dtype="string"), **{HOUSEHOLD: 0, IS_HEAD: False, BIRTH_YEAR: pd.NA, AS_OF: pd.NA}
        ), empty_issues()
    year, where = as_of_year(context)
    if not FIRST_PROGRAMME_YEAR <= year <= LAST_AS_OF_YEAR:
        raise SourceFileError(
            f"{context.source_file}: the year it is as of ({year}, from {where}) is outside {FIRST_PROGRAMME_YEAR}-{LAST_AS_OF_YEAR}",
            f"所处年度 {year}（取自{_WHERE_ZH.get(where, where)}）不在 {FIRST_PROGRAMME_YEAR}-{LAST_AS_OF_YEAR} 年之间",
        )
    context.extract.warnings.append(
        f"per-person registry export: counted as of {year}, the year {where} gives (no 识别年度). 每人一行的贫困户信息列表，按{year}年的状况计"
    )
    counties, issues = resolve_counties(typed, context)
    household, is_head, headless, two_heads = _households(typed, context.extract.provenance[SHEET_COLUMN])
    births = _birth_years(typed["id_number"])
    looked_up = counties.assign(**{HOUSEHOLD: household, IS_HEAD: is_head, BIRTH_YEAR: births, AS_OF: year})
    found = [issues] if not issues.empty else []
    found += missing_household_values(typed[is_head], HOUSEHOLD_VALUES)
    ages = year - births
    for stage, youngest, oldest in SCHOOLING_AGES:
        at_stage = typed["schooling"].str.startswith(stage).fillna(False) & ages.notna()
        wrong = typed.index[at_stage & ((ages < youngest) | (ages > oldest)).fillna(False)]
        if len(wrong):
            found.append(
                pd.DataFrame(
                    {
                        "index": wrong,
                        "column": "schooling",
                        "rule": SCHOOLING_AGE.id,
                        "value": typed.loc[wrong, "schooling"].to_numpy(),
                        "detail": [
                            f"{SCHOOLING_AGE.en}: {stage} at the age of {a} in {year} (expected {youngest}-{oldest})" for a in ages[wrong]
                        ],
                    }
                )
            )
    for flagged, rule in ((headless, NO_HEAD), (two_heads, TWO_HEADS)):
        rows = typed.index[flagged]
        if len(rows):
            found.append(
                pd.DataFrame({"index": rows, "column": "relation", "rule": rule.id, "value": typed.loc[rows, "relation"].to_numpy()})
            )
    return looked_up, (pd.concat(found, ignore_index=True) if found else empty_issues())


def settle(typed: pd.DataFrame, issues: pd.DataFrame, context: StageContext) -> pd.DataFrame:
    """The other members of every household with a rejected row, each named with the row it follows."""
    if issues.empty:
        return empty_issues()
    rejected_rows = pd.Index(issues["index"].unique())
    household = typed[HOUSEHOLD]
    struck = household.loc[rejected_rows]
    members = typed.index[household.isin(struck.unique()) & ~typed.index.isin(rejected_rows)]
    if not len(members):
        return empty_issues()
    rows = context.extract.provenance[ROW_COLUMN]
    first_rejected = pd.Series(rows.loc[rejected_rows].to_numpy(), index=struck.to_numpy()).groupby(level=0).min()
    detail = [f"{MEMBER_REJECTED.en} (row {int(first_rejected[h])})" for h in household.loc[members]]
    return pd.DataFrame(
        {
            "index": members,
            "column": "relation",
            "rule": MEMBER_REJECTED.id,
            "value": typed.loc[members, "relation"].to_numpy(),
            "detail": detail,
        }
    )


def _age_bands(ages: pd.Series) -> pd.Series:
    bands = pd.Series(pd.NA, index=ages.index, dtype="string")
    for youngest, oldest, label in AGE_BANDS:
        bands[(ages >= youngest) & (ages <= oldest)] = label
    return bands


def _sexes(clean: pd.DataFrame) -> pd.Series:
    # The 17th character of an 18-character number is odd for a man.
    digit = pd.to_numeric(clean["id_number"].astype("string").str.slice(16, 17), errors="coerce")
    from_id = pd.Series(np.where(digit % 2 == 1, "male", "female"), index=clean.index, dtype="string").where(digit.notna())
    return clean["sex"].astype("string").fillna(from_id)


def shape(clean: pd.DataFrame, raw: pd.DataFrame, context: StageContext) -> dict[str, pd.DataFrame]:
    """One stg_household row per household (from its head's row, sized by its members) and one
    stg_person row per member; every household here is whole (settle saw to it)."""
    keys = pii.keyed_hash(clean["id_number"].str[:18], context.pii_key)
    heads = clean[clean[IS_HEAD]]
    household_keys = pd.Series(keys[clean[IS_HEAD]].to_numpy(), index=heads[HOUSEHOLD].to_numpy())
    members = clean.groupby(HOUSEHOLD).size()
    stated = clean.groupby(HOUSEHOLD)["household_size"].first()

    households = heads.rename(columns={"income_per_person": "income_per_person_yuan", "county_name": "county_name_as_written"})
    households["household_key"] = household_keys.to_numpy()
    add_place_codes(households, heads)
    households["household_size"] = members.loc[heads[HOUSEHOLD]].to_numpy()
    households["stated_household_size"] = stated.loc[heads[HOUSEHOLD]].astype("Int64").to_numpy()
    for column in ("identification_year", "exit_year", "returned_year"):
        households[column] = pd.array([pd.NA] * len(heads), dtype="Int64")
    for column in ("housing_secure", "water_secure", "schooling_secure", "medical_secure"):
        households[column] = pd.array([pd.NA] * len(heads), dtype="boolean")
    households["as_of_year"] = heads[AS_OF].astype("Int64")
    _provenance(households, raw.loc[heads.index], context)

    village_of = pd.Series(households["village_code"].to_numpy(), index=heads[HOUSEHOLD].to_numpy())
    persons = pd.DataFrame(index=clean.index)
    persons["person_key"] = keys
    persons["household_key"] = household_keys.loc[clean[HOUSEHOLD]].to_numpy()
    persons["county_code"] = clean["county_code"]
    persons["village_code"] = village_of.loc[clean[HOUSEHOLD]].to_numpy()
    persons["is_head"] = clean[IS_HEAD].astype("boolean")
    persons["sex"] = _sexes(clean)
    persons["birth_year"] = clean[BIRTH_YEAR]
    persons["age_band"] = _age_bands(clean[AS_OF] - clean[BIRTH_YEAR])
    for column in STG_PERSON.column_names:
        if column not in persons and column in clean:
            persons[column] = clean[column]
    persons["as_of_year"] = clean[AS_OF].astype("Int64")
    _provenance(persons, raw, context)
    # Selecting the staging columns is what drops the personal fields.
    return {STG_HOUSEHOLD.name: households[STG_HOUSEHOLD.column_names], STG_PERSON.name: persons[STG_PERSON.column_names]}


def _provenance(frame: pd.DataFrame, raw: pd.DataFrame, context: StageContext) -> None:
    frame["source_file"] = context.source_file
    frame["source_sheet"] = raw[SHEET_COLUMN].astype("string").to_numpy()
    frame["source_row"] = raw[ROW_COLUMN].astype("Int64").to_numpy()
