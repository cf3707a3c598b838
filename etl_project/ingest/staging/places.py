"""Places as sources name them: county names resolved to codes, townships and villages given local codes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from etl_project.core.regions import local_code
from etl_project.ingest.staging.pipeline import StageContext
from schemas.sources import UNKNOWN_REGION


def resolve_counties(typed: pd.DataFrame, context: StageContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """county_code for each row from the county name as written; rows whose county cannot be
    placed are issues carrying the resolver's explanation."""
    names = typed["county_name"]
    resolutions = {name: context.regions.resolve_county(name) for name in names.dropna().unique()}
    codes = names.map({name: resolution.code for name, resolution in resolutions.items()})
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
    if len(county_codes) == 0:
        return pd.Series(dtype="string", index=county_codes.index), pd.Series(dtype="string", index=county_codes.index)
    places = pd.MultiIndex.from_arrays([county_codes.to_numpy(), townships.to_numpy(), villages.to_numpy()])
    which, distinct = places.factorize()
    township_codes = [local_code(c, t) for c, t, _ in distinct]
    village_codes = [local_code(tc, t, v) for tc, (_, t, v) in zip(township_codes, distinct)]
    return (
        pd.Series(np.array(township_codes, dtype=object)[which], index=county_codes.index, dtype="string"),
        pd.Series(np.array(village_codes, dtype=object)[which], index=county_codes.index, dtype="string"),
    )


def optional_place_codes(county_codes: pd.Series, townships: pd.Series, villages: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Like place_codes, for sources where the township or village may be left empty (money given
    to a county as a whole): no township, no codes; a township without a village, a township code."""
    township_codes = pd.Series(pd.NA, index=county_codes.index, dtype="string")
    village_codes = pd.Series(pd.NA, index=county_codes.index, dtype="string")
    named = townships.notna() & county_codes.notna()
    if named.any():
        filler = villages[named].fillna("")
        t_codes, v_codes = place_codes(county_codes[named], townships[named], filler)
        township_codes[named] = t_codes
        village_codes[named] = v_codes.where(villages[named].notna())
    return township_codes, village_codes


def add_place_codes(staged: pd.DataFrame, places: pd.DataFrame, *, optional: bool = False) -> None:
    """township_code and village_code on ``staged`` for the county, township and village that
    ``places`` names on the same rows (``optional``: either may be left empty)."""
    coded = optional_place_codes if optional else place_codes
    staged["township_code"], staged["village_code"] = coded(places["county_code"], places["township_name"], places["village_name"])
