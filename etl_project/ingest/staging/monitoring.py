"""The monitoring lists (防止返贫监测对象) as a source: each file a snapshot of a county's monitored
households as of a date; counties resolved, places coded, the risks and measures of a cell turned
into sorted code lists, the dates checked against each other and against the snapshot, the head's
ID number turned into the household's key and every personal field dropped.

A list sent per person is folded to its households the way the registry's per-person export is
(staging/persons.py): a household runs from its head's row to the next, is loaded whole or not at
all, and its 人数 must be the number of members listed. Health status is never staged.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from etl_project.core import pii
from etl_project.core.regions import RegionIndex
from etl_project.core.settings import Reading
from etl_project.ingest.readers import values
from etl_project.ingest.readers.extract import ROW_COLUMN, SHEET_COLUMN, SourceFileError
from etl_project.ingest.staging import persons
from etl_project.ingest.staging.pipeline import SourceSpec, StageContext, StagedFile, stage
from etl_project.ingest.staging.places import add_place_codes, resolve_counties
from etl_project.ingest.validation import empty_issues
from schemas.monitoring_sources import (
    DATE_WITHOUT_ELIMINATION,
    ELIMINATED_AFTER_SNAPSHOT,
    ELIMINATED_BEFORE_TAKEN_IN,
    ELIMINATED_WITHOUT_DATE,
    HOUSEHOLD_UNIDENTIFIED,
    MONITORING_HOUSEHOLD,
    MONITORING_PERSON,
    MONITORING_RULES,
    MULTI_VALUE_SEPARATORS,
    PERSON_LAYOUT_RULES,
    STG_MONITORING,
    TAKEN_IN_AFTER_SNAPSHOT,
    UNKNOWN_CODE_IN_LIST,
)
from schemas.person_sources import NO_HEAD, TWO_HEADS
from schemas.registry import Rule
from schemas.sources import UNKNOWN_REGION
from schemas.vocabularies import HELP_MEASURE, RISK_TYPE, Vocabulary

SOURCE = "monitoring"
HOUSEHOLD_SIZE_MISMATCH = Rule(
    "household_size_differs_from_members",
    "household",
    {},
    "人数与所列家庭成员行数不符，整户未装载",
    "人数 (household size) differs from the number of members listed; the whole household was not loaded",
)
# Members who count as labour in a per-person list (劳动能力): ordinary, skilled, weak or half.
LABOUR = ("ordinary", "skilled", "weak")
# "截至2023年6月30日", "2023年6月", "2023-06-30", "2023.6", "202306" in a title or a file name.
_DATE_IN_TEXT = re.compile(
    r"(?<![0-9])(20[2-3][0-9])\s*(?:年\s*|[-_.])(1[0-2]|0?[1-9])(?:\s*月)?(?:\s*(?:[-_.]\s*)?([0-3]?[0-9])\s*日?)?(?![0-9])"
)
_COMPACT_MONTH = re.compile(r"(?<![0-9])(20[2-3][0-9])(0[1-9]|1[0-2])([0-3][0-9])?(?![0-9])")
_WHERE_ZH = {"its title": "标题", "its file name": "文件名"}
# Looked-up columns kept on the typed rows for shape.
SNAPSHOT, RISKS, MEASURES, ELIMINATED = "_snapshot", "_risk_type_codes", "_measure_codes", "_risk_eliminated"


def date_in_text(text: str) -> pd.Timestamp | None:
    """The last date a title or file name gives; a month alone is as of its last day."""
    found = [m.groups() for m in _DATE_IN_TEXT.finditer(text)] or [m.groups() for m in _COMPACT_MONTH.finditer(text)]
    if not found:
        return None
    year, month, day = found[-1]
    try:
        if day:
            return pd.Timestamp(int(year), int(month), int(day))
        return pd.Timestamp(int(year), int(month), 1) + pd.offsets.MonthEnd(0)
    except ValueError:
        return None


def snapshot_date(context: StageContext) -> tuple[pd.Timestamp | None, str]:
    """The date the file is as of, from its title, else its file name (None when neither says)."""
    titles = " ".join(context.extract.above_header.values())
    for text, where in ((titles, "its title"), (Path(context.source_file).stem, "its file name")):
        found = date_in_text(text)
        if found is not None:
            return found, where
    return None, ""


def _snapshots(typed: pd.DataFrame, context: StageContext) -> pd.Series:
    """Per row: the date of its 统计时间 column, else the file's."""
    written = typed["snapshot_date"]
    if written.notna().all() and len(written):
        return written
    found, where = snapshot_date(context)
    if found is None:
        raise SourceFileError(
            f"{context.source_file}: a monitoring list is a snapshot as of a date, and neither a 统计时间 column, its title "
            f"nor its file name gives one; put it in the title (截至2023年6月30日) or the file name (监测对象_2023年06月.xlsx)",
            "防止返贫监测对象名单须注明统计时间：请在标题（如“截至2023年6月30日”）或文件名（如“监测对象_2023年06月.xlsx”）中写明",
        )
    if where == "its file name":
        # A title that names the date is the export's own habit; a file name is only what someone typed.
        context.extract.warnings.append(
            f"monitoring list: as of {found:%Y-%m-%d}, the date {where} gives. 监测对象名单，统计时间取自{_WHERE_ZH[where]}：{found:%Y年%m月%d日}"
        )
    return written.fillna(found)


def _spellings(vocabulary: Vocabulary) -> dict[str, str]:
    lookup = vocabulary.lookup()
    lookup.update({k.replace("(", "（").replace(")", "）"): v for k, v in lookup.items()})
    return lookup


def parse_code_list(cells: pd.Series, vocabulary: Vocabulary) -> tuple[pd.Series, pd.Series]:
    """Cells of several names or codes ("因病、因学", "1,5", "产业帮扶/公益岗位") → their codes sorted and
    joined with ','; and, per cell, the parts that are in no list (None when every part is)."""
    lookup = _spellings(vocabulary)
    # Names that hold a separator themselves (住房出现安全问题/刚性支出过大) are read before splitting.
    joined = sorted((s for s in lookup if any(c in s for c in MULTI_VALUE_SEPARATORS)), key=len, reverse=True)
    split = re.compile(f"[{re.escape(MULTI_VALUE_SEPARATORS)}]+")
    text = values.squeeze(cells)
    codes, unknown = {}, {}
    for cell in text.dropna().unique():
        rest = cell.replace("(", "（").replace(")", "）")
        found = set()
        for spelling in joined:
            if spelling in rest:
                found.add(lookup[spelling])
                rest = rest.replace(spelling, "、")
        parts = [re.sub(r"^(\d+)\.0+$", r"\1", p) for p in split.split(rest) if p]
        found.update(lookup[p] for p in parts if p in lookup)
        bad = [p for p in parts if p not in lookup]
        codes[cell] = ",".join(sorted(found)) if found else None
        unknown[cell] = "、".join(bad) if bad else None
    return text.map(codes).astype("string"), text.map(unknown)


def _issues(typed: pd.DataFrame, flagged: pd.Series, column: str, rule: Rule, detail: list[str] | None = None) -> pd.DataFrame | None:
    rows = typed.index[flagged.fillna(False).to_numpy(dtype=bool)]
    if not len(rows):
        return None
    frame = pd.DataFrame({"index": rows, "column": column, "rule": rule.id, "value": typed.loc[rows, column].to_numpy()})
    if detail is not None:
        frame["detail"] = [d for d, f in zip(detail, flagged.fillna(False)) if f]
    return frame


def _row_rules(typed: pd.DataFrame, snapshots: pd.Series) -> tuple[dict[str, pd.Series], list[pd.DataFrame]]:
    """Codes of the multi-valued cells, whether each household's risk is eliminated, and what breaks a rule."""
    found = []
    looked_up = {}
    for column, vocabulary, target in (("risk_types", RISK_TYPE, RISKS), ("measures", HELP_MEASURE, MEASURES)):
        codes, unknown = parse_code_list(typed[column], vocabulary)
        looked_up[target] = codes
        allowed = "、".join(f"{c} {n}" for c, n in vocabulary.codes.items())
        found.append(
            _issues(
                typed,
                unknown.notna(),
                column,
                UNKNOWN_CODE_IN_LIST,
                [f"{UNKNOWN_CODE_IN_LIST.en}: {u} is not in the {vocabulary.name} list ({allowed})" for u in unknown],
            )
        )
    taken_in, eliminated_on = typed["taken_in_date"], typed["eliminated_date"]
    flag = typed["risk_eliminated"]
    # A date of elimination with the flag left empty is an elimination.
    eliminated = flag.fillna(eliminated_on.notna()).astype("boolean")
    looked_up[ELIMINATED] = eliminated
    found += [
        _issues(typed, taken_in > snapshots, "taken_in_date", TAKEN_IN_AFTER_SNAPSHOT),
        _issues(typed, eliminated_on < taken_in, "eliminated_date", ELIMINATED_BEFORE_TAKEN_IN),
        _issues(typed, eliminated_on > snapshots, "eliminated_date", ELIMINATED_AFTER_SNAPSHOT),
        _issues(typed, (flag == True) & eliminated_on.isna(), "risk_eliminated", ELIMINATED_WITHOUT_DATE),  # noqa: E712
        _issues(
            typed,
            (flag == False) & (eliminated_on.notna() | typed["elimination_method_code"].notna()),  # noqa: E712
            "risk_eliminated",
            DATE_WITHOUT_ELIMINATION,
        ),
    ]
    return looked_up, [f for f in found if f is not None]


def look_up(typed: pd.DataFrame, context: StageContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    counties, issues = resolve_counties(typed, context)
    if typed.empty:
        return counties.assign(
            **{
                SNAPSHOT: pd.Series(dtype="datetime64[ns]"),
                RISKS: pd.Series(dtype="string"),
                MEASURES: pd.Series(dtype="string"),
                ELIMINATED: pd.Series(dtype="boolean"),
            }
        ), issues
    snapshots = _snapshots(typed, context)
    codes, found = _row_rules(typed, snapshots)
    found.append(_issues(typed, typed["household_id"].isna() & typed["id_number"].isna(), "household_id", HOUSEHOLD_UNIDENTIFIED))
    looked_up = counties.assign(**{SNAPSHOT: snapshots, **codes})
    found = [f for f in (issues, *found) if f is not None and not f.empty]
    return looked_up, (pd.concat(found, ignore_index=True) if found else empty_issues())


def _key(heads: pd.DataFrame, county_codes: pd.Series, key: bytes) -> pd.Series:
    """The registry's key (the head's ID number) where the list gives it, so a monitored household
    meets its registered self; else the county's household number."""
    by_id = heads["id_number"].astype("string").str[:18]
    by_number = "户编号:" + county_codes.astype("string") + ":" + heads["household_id"].astype("string")
    return pii.keyed_hash(by_id.fillna(by_number), key)


def _staged(heads: pd.DataFrame, raw: pd.DataFrame, context: StageContext) -> pd.DataFrame:
    staged = pd.DataFrame(index=heads.index)
    staged["household_key"] = _key(heads, heads["county_code"], context.pii_key)
    staged["county_code"] = heads["county_code"]
    add_place_codes(staged, heads)
    staged["township_name"] = heads["township_name"]
    staged["village_name"] = heads["village_name"]
    staged["snapshot_date"] = heads[SNAPSHOT]
    staged["household_size"] = heads["household_size"]
    staged["labour_count"] = heads["labour_count"] if "labour_count" in heads else pd.array([pd.NA] * len(heads), dtype="Int64")
    for column in ("category_code", "taken_in_date", "eliminated_date", "elimination_method_code"):
        staged[column] = heads[column]
    staged["risk_type_codes"] = heads[RISKS]
    staged["measure_codes"] = heads[MEASURES]
    staged["income_per_person_yuan"] = heads["income_per_person"]
    staged["risk_eliminated"] = heads[ELIMINATED]
    staged["source_file"] = context.source_file
    staged["source_sheet"] = raw.loc[heads.index, SHEET_COLUMN].astype("string").to_numpy()
    staged["source_row"] = raw.loc[heads.index, ROW_COLUMN].astype("Int64").to_numpy()
    # Selecting the staging columns is what drops the personal fields.
    return staged[STG_MONITORING.column_names]


def shape(clean: pd.DataFrame, raw: pd.DataFrame, context: StageContext) -> pd.DataFrame:
    return _staged(clean, raw, context)


# The per-person layout.
HOUSEHOLD, IS_HEAD = persons.HOUSEHOLD, persons.IS_HEAD
HOUSEHOLD_VALUES = ("category_code", "taken_in_date", "risk_types")


def look_up_persons(typed: pd.DataFrame, context: StageContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Households formed from their members' rows (as the registry's per-person export), 人数
    checked against the members, the head's row checked for what it carries for the household."""
    if typed.empty:
        looked_up, issues = look_up(typed, context)
        return looked_up.assign(**{HOUSEHOLD: pd.Series(dtype="int64"), IS_HEAD: pd.Series(dtype=bool)}), issues
    # The household's values are on the head's row, or on every row: a member's row takes its head's.
    household, is_head, headless, two_heads = persons._households(typed, context.extract.provenance[SHEET_COLUMN])
    filled = typed.copy()
    for column in (
        *HOUSEHOLD_VALUES,
        "measures",
        "income_per_person",
        "risk_eliminated",
        "eliminated_date",
        "elimination_method_code",
        "household_id",
        "snapshot_date",
    ):
        head_values = pd.Series(typed[column].to_numpy(), index=household).where(pd.Series(is_head, index=household))
        per_household = head_values.groupby(level=0).first()
        filled.loc[~is_head, column] = per_household.reindex(household[~is_head]).to_numpy()
    looked_up, issues = look_up(filled, context)
    # A member's row carries its head's values only for shaping: a rule they break is the head's row's.
    copied = (
        issues["rule"].isin([rule.id for rule in MONITORING_RULES])
        & ~pd.Series(is_head, index=typed.index).reindex(issues["index"]).to_numpy()
    )
    issues = issues[~copied]
    found = [issues] if not issues.empty else []
    found += persons.missing_household_values(typed[is_head], HOUSEHOLD_VALUES)
    members = pd.Series(household).value_counts()
    stated = pd.Series(typed["household_size"].to_numpy(dtype=float, na_value=np.nan), index=household).groupby(level=0).first()
    differs = stated.notna() & (stated != members.reindex(stated.index))
    short = pd.Series(differs.reindex(household).to_numpy() & is_head & ~headless & ~two_heads, index=typed.index)
    found.append(
        _issues(
            typed,
            short,
            "household_size",
            HOUSEHOLD_SIZE_MISMATCH,
            [f"{HOUSEHOLD_SIZE_MISMATCH.en} ({int(m)} listed)" for m in members.reindex(household).to_numpy()],
        )
    )
    for flagged, rule in ((headless, NO_HEAD), (two_heads, TWO_HEADS)):
        found.append(_issues(typed, pd.Series(flagged, index=typed.index), "relation", rule))
    found = [f for f in found if f is not None and not f.empty]
    # Shape reads the household's values from the head's row: give it the filled ones.
    for column in ("category_code", "taken_in_date", "eliminated_date", "elimination_method_code", "income_per_person", "household_id"):
        looked_up[f"_head_{column}"] = filled[column]
    looked_up = looked_up.assign(**{HOUSEHOLD: household, IS_HEAD: is_head})
    return looked_up, (pd.concat(found, ignore_index=True) if found else empty_issues())


def shape_persons(clean: pd.DataFrame, raw: pd.DataFrame, context: StageContext) -> pd.DataFrame:
    """One row per household, from its head's row, sized by its members; labour counted from them."""
    heads = clean[clean[IS_HEAD]].copy()
    for column in ("category_code", "taken_in_date", "eliminated_date", "elimination_method_code", "income_per_person", "household_id"):
        heads[column] = heads[f"_head_{column}"]
    sizes = clean.groupby(HOUSEHOLD).size()
    skills = clean["labour_skill"]
    labour = skills.isin(LABOUR).groupby(clean[HOUSEHOLD]).sum()
    known = skills.notna().groupby(clean[HOUSEHOLD]).any()
    heads["household_size"] = sizes.reindex(heads[HOUSEHOLD]).astype("Int64").to_numpy()
    heads["labour_count"] = pd.array(labour.where(known).reindex(heads[HOUSEHOLD]).to_numpy(), dtype="Int64")
    return _staged(heads, raw, context)


PERSONS = SourceSpec(
    name=SOURCE,
    record=MONITORING_PERSON,
    staged=STG_MONITORING,
    look_up=look_up_persons,
    shape=shape_persons,
    extra_rules=(UNKNOWN_REGION, *MONITORING_RULES, *PERSON_LAYOUT_RULES, HOUSEHOLD_SIZE_MISMATCH),
    people=lambda typed: typed["head_name"],
    settle=persons.settle,
    folds_rows=True,
)

MONITORING = SourceSpec(
    name=SOURCE,
    record=MONITORING_HOUSEHOLD,
    staged=STG_MONITORING,
    look_up=look_up,
    shape=shape,
    extra_rules=(UNKNOWN_REGION, *MONITORING_RULES),
    people=lambda typed: typed["head_name"],
    layouts={"persons": PERSONS},
)


def stage_file(path: Path, source_file: str, regions: RegionIndex, key: bytes, *, reading: Reading = Reading()) -> StagedFile:
    return stage(path, source_file, MONITORING, StageContext(regions=regions, pii_key=key, source_file=source_file, reading=reading))


__all__ = ["MONITORING", "PERSONS", "date_in_text", "parse_code_list", "stage_file"]
