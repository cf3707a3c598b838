"""Fund ledgers, project lists and village lists as sources.

Ledgers are read after the project lists: a movement booked on a project code that no list holds
is rejected with ``unknown_project``, since the money cannot be traced to what it bought.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from etl_project.core import personal_data, pii
from etl_project.core.amounts import unit_of_scale
from etl_project.core.regions import RegionIndex
from etl_project.core.settings import Reading
from etl_project.ingest.readers import values
from etl_project.ingest.readers.extract import COLUMN_COLUMN, ROW_COLUMN, SHEET_COLUMN, Extract
from etl_project.ingest.readers.rows import SPAN_PART, SPAN_RUNNING, SPAN_SHEET, total_span
from etl_project.ingest.staging.pipeline import SourceSpec, StageContext, StagedFile, stage
from etl_project.ingest.staging.places import add_place_codes, resolve_counties
from schemas.investment_sources import FUND_MOVEMENT, PROJECT, UNKNOWN_PROJECT, VILLAGE
from schemas.investment_tables import STG_FUND_MOVEMENT, STG_LEDGER_TOTAL, STG_PROJECT, STG_VILLAGE
from schemas.registry import MONEY_LIMIT_YUAN
from schemas.sources import UNKNOWN_REGION

# A stated total may differ from its rows by rounding only (amounts in 万元 with four decimals).
TOTAL_TOLERANCE_YUAN = 0.5


def _provenance(staged: pd.DataFrame, raw: pd.DataFrame, context: StageContext) -> pd.DataFrame:
    staged["source_file"] = context.source_file
    staged["source_sheet"] = raw[SHEET_COLUMN].astype("string")
    staged["source_row"] = raw[ROW_COLUMN].astype("Int64")
    return staged


# -- fund ledgers -----------------------------------------------------------------------------


def _look_up_funds(typed: pd.DataFrame, context: StageContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    found, issues = resolve_counties(typed, context)
    if context.known_projects is not None:
        codes = typed["project_code"]
        unknown = codes.notna() & ~codes.isin(context.known_projects)
        issues = pd.concat(
            [
                issues,
                pd.DataFrame(
                    {
                        "index": typed.index[unknown],
                        "column": "project_code",
                        "rule": UNKNOWN_PROJECT.id,
                        "value": codes[unknown].to_numpy(),
                    }
                ),
            ],
            ignore_index=True,
        )
    return found, issues


_BRACKETED = r"[(（\[【][^)）\]】]*[)）\]】]"


def person_donor_names(names: pd.Series) -> pd.Series:
    """A donor's name without what a sender adds in brackets ("慕容福贵(13900000501)" → 慕容福贵)."""
    return names.astype("string").str.replace(_BRACKETED, "", regex=True).str.strip()


def individual_donors(names: pd.Series, types: pd.Series, parents: pd.Series) -> pd.Series:
    """Donors who are persons: so typed (个人), or with a phone or ID number in their cells, or named
    like a person (a surname and a given name) unless typed as an enterprise or an organisation."""
    typed = (types == "individual").fillna(False).astype(bool)
    numbered = personal_data.holds_personal_number(names) | personal_data.holds_personal_number(parents)
    shaped = person_donor_names(names).map(lambda n: isinstance(n, str) and personal_data.looks_like_person_name(n)).astype(bool)
    organisation = types.isin(["enterprise", "social_org"]).fillna(False).astype(bool)
    return typed | numbered | (shaped & ~organisation)


def donor_keys(names: pd.Series, types: pd.Series, parents: pd.Series, key: bytes) -> pd.Series:
    """Organisations by a plain hash of type, parent and name; a person by a keyed hash of the
    name, so that no one without the key can tell who gave."""
    plain = [
        hashlib.sha1(f"{t}|{p}|{n}".encode()).hexdigest()[:20] for n, t, p in zip(names.fillna(""), types.fillna(""), parents.fillna(""))
    ]
    keys = pd.Series(plain, index=names.index, dtype="string")
    people = individual_donors(names, types, parents)
    if people.any():
        keys[people] = "p-" + pii.keyed_hash(person_donor_names(names[people]).fillna(""), key)
    return keys


def _shape_funds(clean: pd.DataFrame, raw: pd.DataFrame, context: StageContext) -> pd.DataFrame:
    staged = clean.rename(columns={"amount": "amount_yuan"}).copy()
    people = individual_donors(clean["donor_name"], clean["donor_type"], clean["donor_parent"])
    staged["donor_key"] = donor_keys(clean["donor_name"], clean["donor_type"], clean["donor_parent"], context.pii_key)
    # A person appears by keyed hash alone: no name, and no parent that would point at them.
    staged["donor_type"] = clean["donor_type"].mask(people, "individual")
    staged["donor_name"] = clean["donor_name"].mask(people)
    staged["donor_parent"] = clean["donor_parent"].mask(people)
    add_place_codes(staged, clean, optional=True)
    return _provenance(staged, raw, context)[STG_FUND_MOVEMENT.column_names]


def _donor_people(typed: pd.DataFrame) -> pd.Series:
    people = individual_donors(typed["donor_name"], typed["donor_type"], typed["donor_parent"])
    return person_donor_names(typed.loc[people, "donor_name"]).dropna()


FUNDS = SourceSpec(
    name="funds",
    record=FUND_MOVEMENT,
    staged=STG_FUND_MOVEMENT,
    look_up=_look_up_funds,
    shape=_shape_funds,
    extra_rules=(UNKNOWN_REGION, UNKNOWN_PROJECT),
    people=_donor_people,
)


# -- project lists ----------------------------------------------------------------------------


def _shape_projects(clean: pd.DataFrame, raw: pd.DataFrame, context: StageContext) -> pd.DataFrame:
    staged = clean.rename(columns={"planned_investment": "planned_investment_yuan", "scale": "scale_text"}).copy()
    add_place_codes(staged, clean, optional=True)
    staged["scale_value"], staged["scale_unit"], _ = values.parse_scale(clean["scale"])
    return _provenance(staged, raw, context)[STG_PROJECT.column_names]


PROJECTS = SourceSpec(
    name="projects",
    record=PROJECT,
    staged=STG_PROJECT,
    look_up=resolve_counties,
    shape=_shape_projects,
    extra_rules=(UNKNOWN_REGION,),
)


# -- village lists ----------------------------------------------------------------------------


def _shape_villages(clean: pd.DataFrame, raw: pd.DataFrame, context: StageContext) -> pd.DataFrame:
    staged = clean.rename(columns={"collective_income": "collective_income_yuan"}).copy()
    add_place_codes(staged, clean)
    return _provenance(staged, raw, context)[STG_VILLAGE.column_names]


VILLAGES = SourceSpec(
    name="villages",
    record=VILLAGE,
    staged=STG_VILLAGE,
    look_up=resolve_counties,
    shape=_shape_villages,
    extra_rules=(UNKNOWN_REGION,),
)


# -- staging entry points ---------------------------------------------------------------------


def stage_funds(
    path: Path, source_file: str, regions: RegionIndex, key: bytes, known_projects: set[str] | None = None, *, reading: Reading = Reading()
) -> StagedFile:
    staged = stage(path, source_file, FUNDS, StageContext(regions, key, source_file, known_projects, reading=reading))
    staged.totals, found = personal_data.mask_frame(ledger_totals(staged.extract, staged.typed, source_file), ("source_sheet", "label"))
    staged.personal_data.update(found)
    return staged


def stage_projects(path: Path, source_file: str, regions: RegionIndex, key: bytes, *, reading: Reading = Reading()) -> StagedFile:
    return stage(path, source_file, PROJECTS, StageContext(regions, key, source_file, reading=reading))


def stage_villages(path: Path, source_file: str, regions: RegionIndex, key: bytes, *, reading: Reading = Reading()) -> StagedFile:
    return stage(path, source_file, VILLAGES, StageContext(regions, key, source_file, reading=reading))


# -- 合计 / 小计 rows -----------------------------------------------------------------------------


def ledger_totals(extracted: Extract, typed: pd.DataFrame, source_file: str) -> pd.DataFrame:
    """Each total row of the ledger against the data rows it adds up (layout.total_span): a 合计 or
    总计 every row of its sheet, a 小计 the rows since the previous 小计, a 本页小计 or 本月合计 the
    rows since the previous total of its kind, a 累计 every row above it. A 其中 row breaks a total
    down and is not checked. Total rows are never summed into another total; data rows are summed as
    written, rejected ones included, because that is what the person who typed the total added up."""
    totals = extracted.totals
    by_column = _column_totals(extracted, source_file)
    if totals.empty:
        return by_column if not by_column.empty else pd.DataFrame(columns=STG_LEDGER_TOTAL.column_names)
    amounts = typed["amount"].astype(float).fillna(0.0)
    wide = COLUMN_COLUMN in totals.columns and extracted.wide
    scale = totals[SHEET_COLUMN].map({s: u.get("amount", 1.0) for s, u in extracted.units.items()}).astype(float)
    if wide:
        # Each wide column states its own unit; a total row's cell is in its column's unit.
        column_scale = pd.Series(
            extracted.money_multipliers()["amount"].to_numpy(),
            index=pd.MultiIndex.from_frame(extracted.provenance[[SHEET_COLUMN, COLUMN_COLUMN]]),
        )
        column_scale = column_scale[~column_scale.index.duplicated()]
        keys = pd.MultiIndex.from_frame(totals[[SHEET_COLUMN, COLUMN_COLUMN]])
        scale = pd.Series(column_scale.reindex(keys).to_numpy(), index=totals.index).fillna(scale)
    stated = values.parse_money(totals["amount"], multiplier=scale, limit=MONEY_LIMIT_YUAN)[0].astype(float)
    spans = [total_span(label or "合计") for label in totals["label"]]
    rows = []
    data = pd.DataFrame({SHEET_COLUMN: extracted.provenance[SHEET_COLUMN], ROW_COLUMN: extracted.provenance[ROW_COLUMN], "amount": amounts})
    if wide:
        data[COLUMN_COLUMN] = extracted.provenance[COLUMN_COLUMN]
    for position, total in enumerate(totals.itertuples(index=False)):
        sheet, row, span = getattr(total, SHEET_COLUMN), getattr(total, ROW_COLUMN), spans[position]
        if span == SPAN_PART:
            continue
        in_sheet = data[data[SHEET_COLUMN] == sheet]
        label = total.label or "合计"
        if wide:
            column = getattr(total, COLUMN_COLUMN)
            in_sheet = in_sheet[in_sheet[COLUMN_COLUMN] == column]
            label = f"{label}/{extracted.column_headers.get((sheet, column), column)}"
        if span == SPAN_SHEET:
            covered = in_sheet
        elif span == SPAN_RUNNING:
            covered = in_sheet[in_sheet[ROW_COLUMN] < row]
        else:
            same_kind = [r for r, s, k in zip(totals[ROW_COLUMN], totals[SHEET_COLUMN], spans) if s == sheet and k == span and r < row]
            start = max(same_kind, default=-1)
            covered = in_sheet[(in_sheet[ROW_COLUMN] > start) & (in_sheet[ROW_COLUMN] < row)]
        computed = round(float(covered["amount"].sum()), 2)
        if abs(computed) >= MONEY_LIMIT_YUAN:  # rows that add up past what the column holds: no sum to show
            computed = np.nan
        value = stated.iloc[position]
        rows.append(
            {
                "source_file": source_file,
                "source_sheet": sheet,
                "source_row": int(row),
                "label": label,
                "stated_yuan": None if np.isnan(value) else float(value),
                "computed_yuan": None if np.isnan(computed) else computed,
                "difference_yuan": None if np.isnan(value) or np.isnan(computed) else round(float(value) - computed, 2),
                "rows_covered": len(covered),
                "unit": unit_of_scale(scale.iloc[position]),
            }
        )
    found = pd.DataFrame(rows, columns=STG_LEDGER_TOTAL.column_names)
    return pd.concat([found, by_column], ignore_index=True) if not by_column.empty else found


def _column_totals(extracted: Extract, source_file: str) -> pd.DataFrame:
    """Each 合计 column of a wide table against the columns it adds up, row by row: never loaded as
    money, but a row whose parts do not make its total is reported like a 合计 row."""
    checks = extracted.column_totals
    if checks.empty:
        return pd.DataFrame(columns=STG_LEDGER_TOTAL.column_names)
    stated = values.parse_money(
        pd.Series(checks["stated"], dtype=object), multiplier=checks["stated_scale"].astype(float), limit=MONEY_LIMIT_YUAN
    )[0].astype(float)
    width = len(checks["parts"].iloc[0])
    computed = np.zeros(len(checks))
    filled = np.zeros(len(checks), dtype=np.int64)
    for i in range(width):
        texts = pd.Series([parts[i] for parts in checks["parts"]], dtype=object)
        scales = pd.Series([s[i] for s in checks["part_scales"]], dtype=float)
        parsed = values.parse_money(texts, multiplier=scales, limit=MONEY_LIMIT_YUAN)[0].astype(float)
        computed += parsed.fillna(0.0).to_numpy()
        filled += parsed.notna().to_numpy()
    computed = np.round(computed, 2)
    # A row that states no total and has no parts is nothing to check.
    keep = stated.notna().to_numpy() | (filled > 0)
    frame = pd.DataFrame(
        {
            "source_file": source_file,
            "source_sheet": checks[SHEET_COLUMN].to_numpy(),
            "source_row": checks[ROW_COLUMN].astype(int).to_numpy(),
            "label": checks["label"].to_numpy(),
            "stated_yuan": stated.to_numpy(),
            "computed_yuan": computed,
            "difference_yuan": np.round(stated.to_numpy() - computed, 2),
            "rows_covered": 1,
            "unit": [unit_of_scale(s) for s in checks["stated_scale"].astype(float)],
        }
    )[keep]
    frame["stated_yuan"] = frame["stated_yuan"].astype(object).where(frame["stated_yuan"].notna(), None)
    frame["difference_yuan"] = frame["difference_yuan"].astype(object).where(frame["difference_yuan"].notna(), None)
    return frame[STG_LEDGER_TOTAL.column_names].reset_index(drop=True)
