"""A registry file through every step before the warehouse: read, type, validate, resolve regions,
pseudonymise. What comes out holds no personal data; what is rejected is accounted for row by row."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from etl_project import idcard, pii
from etl_project.readers import values
from etl_project.readers.column_map import load_column_map
from etl_project.readers.extract import ROW_COLUMN, SHEET_COLUMN, Extract, extract
from etl_project.regions import RegionIndex, local_code
from etl_project.validation import ISSUE_COLUMNS, empty_issues, validate
from schemas.registry import CODE, FLAG, INTEGER, MONEY, YEAR
from schemas.sources import ALL_SOURCE_RULES, PARSE_RULES, REGISTRY_HOUSEHOLD, UNKNOWN_REGION
from schemas.tables import QUARANTINE, STG_HOUSEHOLD
from schemas.vocabularies import EXIT_STATUS, HOUSEHOLD_ATTRIBUTE, POVERTY_CAUSE, YES_NO

SOURCE = "registry"
VOCABULARIES = {v.name: v for v in (HOUSEHOLD_ATTRIBUTE, POVERTY_CAUSE, EXIT_STATUS)}
MAX_VALUE_CHARS = 200


@dataclass
class StagedFile:
    source_file: str
    staged: pd.DataFrame  # stg_household rows
    quarantine: pd.DataFrame  # quarantine rows (without run_id)
    rows_read: int
    rows_skipped: int
    skipped_blank: int
    skipped_total: int
    skipped_note: int
    extract: Extract | None = field(default=None, repr=False)

    @property
    def rows_loaded(self) -> int:
        return len(self.staged)

    @property
    def rows_quarantined(self) -> int:
        if self.quarantine.empty:
            return 0
        return self.quarantine[["source_sheet", "source_row"]].drop_duplicates().shape[0]


def type_rows(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Text cells → typed columns of the source record, and the cells no parser could read."""
    typed = pd.DataFrame(index=raw.index)
    issues = []
    for f in REGISTRY_HOUSEHOLD.fields:
        column = raw[f.name] if f.name in raw else pd.Series(None, index=raw.index, dtype=object)
        if f.type in (INTEGER, YEAR, MONEY, FLAG):
            if f.type == INTEGER:
                parsed, bad = values.parse_integer(column)
            elif f.type == YEAR:
                parsed, bad = values.parse_year(column)
            elif f.type == MONEY:
                parsed, bad = values.parse_money(column)
            else:
                parsed, bad = values.parse_flag(column, YES_NO)
            if bad.any():
                rule = PARSE_RULES[f.type].id
                issues.append(pd.DataFrame({"index": raw.index[bad], "column": f.name, "rule": rule, "value": column[bad].to_numpy()}))
            typed[f.name] = parsed
        elif f.type == CODE:
            typed[f.name] = values.parse_code(column, VOCABULARIES[f.vocabulary])
        elif f.name == "id_number":
            typed[f.name] = idcard.upgrade_15(values.squeeze(column).str.upper())
        elif f.name in ("county_name", "township_name", "village_name", "household_id", "head_name", "phone"):
            typed[f.name] = values.squeeze(column)
        else:
            typed[f.name] = values.normalise(column)
    found = pd.concat(issues, ignore_index=True) if issues else empty_issues()
    return typed, found


def stage_file(path: Path, source_file: str, regions: RegionIndex, key: bytes) -> StagedFile:
    """Raises SourceFileError when the file cannot be read or lacks required columns."""
    column_map = load_column_map(SOURCE)
    extracted = extract(path, column_map, source_file)
    raw = extracted.rows
    typed, parse_issues = type_rows(raw)
    # A cell that could not be parsed is already an issue; validating its NA again would add a
    # misleading "required value missing".
    rule_issues = validate(typed, REGISTRY_HOUSEHOLD)
    if not parse_issues.empty and not rule_issues.empty:
        parsed_cells = set(zip(parse_issues["index"], parse_issues["column"]))
        keep = [(i, c) not in parsed_cells or r != "required_missing" for i, c, r in zip(rule_issues["index"], rule_issues["column"], rule_issues["rule"])]
        rule_issues = rule_issues[keep]

    county_codes = typed["county_name"].map(lambda name: regions.resolve_county(name).code if isinstance(name, str) else None)
    unresolved = typed["county_name"].notna() & county_codes.isna()
    region_issues = pd.DataFrame(
        {"index": typed.index[unresolved], "column": "county_name", "rule": UNKNOWN_REGION.id, "value": typed["county_name"][unresolved].to_numpy()}
    )
    issues = pd.concat([df for df in (parse_issues, rule_issues, region_issues) if not df.empty] or [empty_issues()], ignore_index=True)

    rejected = pd.Index(issues["index"].unique())
    clean = typed.drop(index=rejected)
    staged = _staged_rows(clean, raw.loc[clean.index], county_codes.loc[clean.index], source_file, key)
    quarantine = _quarantine_rows(issues, raw, extracted, regions, source_file)
    skipped_blank = sum(s.blank_rows for s in extracted.sheets)
    skipped_total = sum(s.total_rows for s in extracted.sheets)
    skipped_note = sum(s.note_rows for s in extracted.sheets)
    return StagedFile(
        source_file=source_file,
        staged=staged,
        quarantine=quarantine,
        rows_read=sum(s.rows_read for s in extracted.sheets),
        rows_skipped=skipped_blank + skipped_total + skipped_note,
        skipped_blank=skipped_blank,
        skipped_total=skipped_total,
        skipped_note=skipped_note,
        extract=extracted,
    )


def _staged_rows(clean: pd.DataFrame, raw: pd.DataFrame, county_codes: pd.Series, source_file: str, key: bytes) -> pd.DataFrame:
    places = pd.DataFrame({"county": county_codes.to_numpy(), "township": clean["township_name"].to_numpy(), "village": clean["village_name"].to_numpy()})
    # Hash each distinct place once: a county has thousands of households but a few hundred villages.
    distinct = places.drop_duplicates().copy()
    distinct["township_code"] = [local_code(c, t) for c, t in zip(distinct["county"], distinct["township"])]
    distinct["village_code"] = [local_code(tc, t, v) for tc, t, v in zip(distinct["township_code"], distinct["township"], distinct["village"])]
    coded = places.merge(distinct, on=["county", "township", "village"], how="left")
    township_codes, village_codes = coded["township_code"].to_numpy(), coded["village_code"].to_numpy()
    staged = pd.DataFrame(
        {
            "household_key": pii.keyed_hash(clean["id_number"].str[:18], key),
            "county_code": county_codes.astype("string"),
            "township_code": pd.array(township_codes, dtype="string"),
            "village_code": pd.array(village_codes, dtype="string"),
            "household_size": clean["household_size"],
            "attribute_code": clean["attribute_code"],
            "main_cause_code": clean["main_cause_code"],
            "identification_year": clean["identification_year"],
            "exit_year": clean["exit_year"],
            "status_code": clean["status_code"],
            "returned_year": clean["returned_year"],
            "income_per_person_yuan": clean["income_per_person"],
            "housing_secure": clean["housing_secure"],
            "water_secure": clean["water_secure"],
            "schooling_secure": clean["schooling_secure"],
            "medical_secure": clean["medical_secure"],
            "county_name_as_written": clean["county_name"],
            "township_name": clean["township_name"],
            "village_name": clean["village_name"],
            "source_file": source_file,
            "source_sheet": raw[SHEET_COLUMN].astype("string"),
            "source_row": raw[ROW_COLUMN].astype("Int64"),
        },
        index=clean.index,
    )
    return staged[STG_HOUSEHOLD.column_names].reset_index(drop=True)


def _display_value(column: str, value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    field_def = REGISTRY_HOUSEHOLD.field(column) if column in REGISTRY_HOUSEHOLD.column_names else None
    text = str(value)
    if field_def is not None and field_def.personal:
        text = pii.mask(column, text)
    return text[:MAX_VALUE_CHARS]


def _rule_for(column: str, rule_id: str):
    # Several fields share a rule id (unknown_code): the field's own rule carries its message.
    if column in REGISTRY_HOUSEHOLD.column_names:
        for rule in REGISTRY_HOUSEHOLD.field(column).rules:
            if rule.id == rule_id:
                return rule
    return ALL_SOURCE_RULES[rule_id]


def _quarantine_rows(issues: pd.DataFrame, raw: pd.DataFrame, extracted: Extract, regions: RegionIndex, source_file: str) -> pd.DataFrame:
    if issues.empty:
        return pd.DataFrame(columns=[c for c in QUARANTINE.column_names if c != "run_id"])
    index = issues["index"].to_numpy()
    messages_zh, messages_en = [], []
    for rule_id, column, value in zip(issues["rule"], issues["column"], issues["value"]):
        rule = _rule_for(column, rule_id)
        header = extracted.headers.get(column, column)
        if rule_id == UNKNOWN_REGION.id:
            detail = regions.resolve_county(value).problem
            messages_zh.append(f"{header}：{rule.zh}")
            messages_en.append(f"{header}: {detail}")
        else:
            messages_zh.append(f"{header}：{rule.zh}")
            messages_en.append(f"{header} ({column}): {rule.en}")
    frame = pd.DataFrame(
        {
            "source": SOURCE,
            "source_file": source_file,
            "source_sheet": raw.loc[index, SHEET_COLUMN].to_numpy(),
            "source_row": raw.loc[index, ROW_COLUMN].to_numpy().astype(np.int64),
            "column_name": issues["column"].to_numpy(),
            "source_header": [extracted.headers.get(c) for c in issues["column"]],
            "rule": issues["rule"].to_numpy(),
            "message_zh": messages_zh,
            "message_en": messages_en,
            "value_masked": [_display_value(c, v) for c, v in zip(issues["column"], issues["value"])],
        }
    )
    return frame.sort_values(["source_sheet", "source_row", "rule"], kind="stable").reset_index(drop=True)


__all__ = ["StagedFile", "stage_file", "type_rows", "ISSUE_COLUMNS", "SOURCE"]
