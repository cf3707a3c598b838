"""Any source file through the same steps: read → type → validate → look up → stage, with every row
accounted for. A source is a ``SourceSpec``: its record declaration, its column map, and the two
source-specific steps (lookups that can reject rows, and the shaping of staged rows)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from etl_project.core import personal_data, pii
from etl_project.core.settings import Reading
from etl_project.ingest.readers.column_map import load_column_map
from etl_project.ingest.readers.extract import ROW_COLUMN, SHEET_COLUMN, Extract, SourceFileError, extract
from etl_project.ingest.staging.context import apply_context
from etl_project.ingest.staging.typing import type_rows
from etl_project.ingest.validation import ISSUE_COLUMNS, empty_issues, validate
from schemas import source_catalog
from schemas.registry import REQUIRED_RULE, Rule, Table
from schemas.sources import ALL_SOURCE_RULES, CONTEXT_CONFLICT, PARSE_RULES
from schemas.tables import QUARANTINE

MAX_VALUE_CHARS = 200
QUARANTINE_COLUMNS = [c for c in QUARANTINE.column_names if c != "run_id"]
# What of a quarantine row comes from the file (its messages are the project's own words).
QUARANTINE_TEXT = ("source_sheet", "source_header", "value_masked")


@dataclass
class StageContext:
    """What the source-specific steps may look things up in."""

    regions: object
    pii_key: bytes
    source_file: str
    known_projects: set[str] | None = None  # None: do not check project codes
    extract: Extract | None = None  # the file as read, once it is
    reading: Reading = Reading()  # its size limits, the year a snapshot is as of


@dataclass(frozen=True)
class SourceSpec:
    name: str
    record: Table
    staged: Table
    # (typed rows, context) -> (columns to add to typed rows, issues with an optional "detail")
    look_up: Callable[[pd.DataFrame, StageContext], tuple[pd.DataFrame, pd.DataFrame]]
    # (clean typed rows incl. looked-up columns, their source_sheet and source_row, context) -> staged rows
    shape: Callable[[pd.DataFrame, pd.DataFrame, StageContext], pd.DataFrame]
    extra_rules: tuple[Rule, ...] = ()
    # (typed rows) -> the names of the persons they hold (household heads, individual donors): what
    # the personal-data guard masks wherever else in the file they turn up
    people: Callable[[pd.DataFrame], pd.Series] | None = None
    # Other layouts of the source by the name the column map gives them: a file whose sheets are in
    # one of them is staged by that spec instead.
    layouts: dict = field(default_factory=dict)
    # (typed rows incl. looked-up columns, every issue so far, context) -> further issues: rows that
    # cannot load because others did not (the other members of a rejected member's household)
    settle: Callable[[pd.DataFrame, pd.DataFrame, StageContext], pd.DataFrame] | None = None
    # Further staged tables the shape step fills ({table name: rows}, besides ``staged``), and the
    # one of them whose rows are the file's loaded rows (None: ``staged``)
    more: tuple[Table, ...] = ()
    rows_in: Table | None = None
    # Its rows are folded into fewer staged ones (a per-person list into households, with no table of
    # the persons): the file's loaded rows are the clean source rows.
    folds_rows: bool = False


@dataclass
class StagedFile:
    source: str
    source_file: str
    staged: pd.DataFrame
    quarantine: pd.DataFrame  # quarantine rows without run_id
    rows_read: int
    skipped_blank: int
    skipped_total: int
    skipped_note: int
    skipped_section: int = 0  # section rows ("一、秧河镇"), which name the township of the rows below
    extract: Extract | None = field(default=None, repr=False)
    typed: pd.DataFrame | None = field(default=None, repr=False)
    totals: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)  # ledgers: 合计/小计 verdicts
    personal_data: Counter = field(default_factory=Counter)  # what the guard masked, by kind
    people: object = field(default=None, repr=False)  # fingerprints of the persons the file names
    names: object = field(default=None, repr=False)  # the same as the guard's name book
    more: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)  # rows of the source's further staged tables
    loaded: int | None = None  # source rows loaded, where they are not the rows of ``staged``

    def warnings(self) -> list[str]:
        """What a person should check although the file loaded, personal data masked."""
        found = self.extract.warnings if self.extract is not None else []
        return [personal_data.mask_text(w, self.names).text for w in found]

    def sheets(self) -> list[dict]:
        """Every sheet, read or not, as the reader reports it; a sheet's name masked like any text."""
        reports = [r.as_dict() for r in self.extract.sheet_reports] if self.extract is not None else []
        for report in reports:
            for key, value in report.items():
                if isinstance(value, str):
                    report[key] = personal_data.mask_text(value, self.names).text
        return reports

    @property
    def rows_skipped(self) -> int:
        return self.skipped_blank + self.skipped_total + self.skipped_note + self.skipped_section

    @property
    def rows_loaded(self) -> int:
        if self.loaded is not None:
            return self.loaded
        if self.extract is not None and self.extract.wide:
            # A row of a wide table is loaded as one value per filled column: count the rows.
            return self.staged[["source_sheet", "source_row"]].drop_duplicates().shape[0]
        return len(self.staged)

    @property
    def rows_quarantined(self) -> int:
        if self.quarantine.empty:
            return 0
        return self.quarantine[["source_sheet", "source_row"]].drop_duplicates().shape[0]


def stage(path: Path, source_file: str, spec: SourceSpec, context: StageContext) -> StagedFile:
    """Raises SourceFileError when the file cannot be read or lacks required columns."""
    declared = source_catalog.source(spec.name)
    column_map = load_column_map(declared.column_map, declared.column_map_dir)
    extracted = extract(path, column_map, source_file, context.reading)
    spec = _layout_spec(spec, extracted, source_file)
    context.extract = extracted
    context_issues, context_notes = apply_context(extracted, column_map, context.regions)
    extracted.warnings.extend(context_notes)
    typed, parse_issues = type_rows(extracted, spec.record, extracted.money_multipliers())
    rule_issues = validate(typed, spec.record)
    if not parse_issues.empty and not rule_issues.empty:
        # A cell that could not be parsed is already reported; its NA is not also "missing".
        parsed_cells = set(zip(parse_issues["index"], parse_issues["column"]))
        keep = [
            (i, c) not in parsed_cells or r != REQUIRED_RULE.id
            for i, c, r in zip(rule_issues["index"], rule_issues["column"], rule_issues["rule"])
        ]
        rule_issues = rule_issues[keep]
    looked_up, lookup_issues = spec.look_up(typed, context)
    typed = typed.join(looked_up)
    frames = [df for df in (parse_issues, rule_issues, lookup_issues, context_issues) if not df.empty]
    issues = pd.concat(frames, ignore_index=True) if frames else empty_issues()
    if spec.settle is not None:
        settled = spec.settle(typed, issues, context)
        if not settled.empty:
            issues = pd.concat([issues, settled], ignore_index=True)
    clean = typed.drop(index=_rejected(issues, extracted))
    shaped = spec.shape(clean, extracted.provenance.loc[clean.index], context)
    staged, more = (shaped.pop(spec.staged.name), shaped) if isinstance(shaped, dict) else (shaped, {})
    # Whatever a cell holds, no personal number and no name of a person of this file leaves here:
    # a sheet named after a household head, an ID number typed into 户编号.
    names = personal_data.NameBook(context.pii_key)
    people = names.fingerprints(spec.people(typed)) if spec.people is not None else names.fingerprints([])
    names.add(people)
    staged, found = personal_data.mask_frame(staged, _from_the_file(spec.staged), names)
    for table in spec.more:
        more[table.name], found_there = personal_data.mask_frame(more[table.name], _from_the_file(table), names)
        found += found_there
    quarantine, found_rejected = personal_data.mask_frame(_quarantine_rows(issues, extracted, spec, source_file), QUARANTINE_TEXT, names)
    return StagedFile(
        source=spec.name,
        source_file=source_file,
        staged=staged.reset_index(drop=True),
        quarantine=quarantine,
        personal_data=found + found_rejected,
        people=people,
        names=names,
        rows_read=sum(s.rows_read for s in extracted.sheets),
        skipped_blank=extracted.count("blank_rows"),
        skipped_total=extracted.count("total_rows"),
        skipped_note=extracted.count("note_rows"),
        skipped_section=extracted.count("section_rows"),
        extract=extracted,
        typed=typed,
        more={name: rows.reset_index(drop=True) for name, rows in more.items()},
        loaded=len(more[spec.rows_in.name]) if spec.rows_in is not None else (len(clean) if spec.folds_rows else None),
    )


def _rejected(issues: pd.DataFrame, extracted: Extract) -> pd.Index:
    """The data rows to keep out of staging: those with an issue and, in a wide table, every value
    of a row one of whose values has one (a row is loaded or quarantined whole)."""
    rejected = pd.Index(issues["index"].unique())
    if not extracted.wide or rejected.empty:
        return rejected
    provenance = extracted.provenance
    keys = pd.MultiIndex.from_frame(provenance[[SHEET_COLUMN, ROW_COLUMN]])
    return provenance.index[keys.isin(keys[rejected])]


def _layout_spec(spec: SourceSpec, extracted: Extract, source_file: str) -> SourceSpec:
    """The spec of the layout the file's sheets are in; one file holds one layout."""
    found = set(extracted.layouts.values())
    if len(found) > 1:
        sheets = "; ".join(f"{sheet!r}: {layout or spec.name}" for sheet, layout in extracted.layouts.items())
        raise SourceFileError(
            f"{source_file}: its sheets are in different layouts ({sheets}); send each layout as a file of its own",
            "文件中各工作表的格式不同（每户一行与每人一行），请分成不同文件报送",
        )
    layout = found.pop() if found else None
    return spec if layout is None else spec.layouts[layout]


def _from_the_file(table: Table) -> list[str]:
    # The file's own label is masked already, when the file is listed.
    return [c for c in personal_data.sender_text_columns(table) if c != "source_file"]


def rules_of(spec: SourceSpec) -> dict[str, Rule]:
    """Every rule a row of this source can be rejected by."""
    found = {REQUIRED_RULE.id: REQUIRED_RULE} if any(f.required for f in spec.record.fields) else {}
    found.update({PARSE_RULES[f.type].id: PARSE_RULES[f.type] for f in spec.record.fields if f.type in PARSE_RULES})
    found.update(spec.record.rules())
    found.update({rule.id: rule for rule in spec.extra_rules})
    if load_column_map(spec.name).context:
        found[CONTEXT_CONFLICT.id] = CONTEXT_CONFLICT
    return found


def _rule_for(spec: SourceSpec, column: str, rule_id: str) -> Rule:
    # Several fields share a rule id (unknown_code): the field's own rule carries its message.
    if column in spec.record.column_names:
        for rule in spec.record.field(column).rules:
            if rule.id == rule_id:
                return rule
    for rule in (*spec.record.frame_rules, *spec.extra_rules):
        if rule.id == rule_id:
            return rule
    return ALL_SOURCE_RULES[rule_id]


def _display_value(spec: SourceSpec, column: str, value: object) -> str | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    text = str(value)
    if column in spec.record.column_names and spec.record.field(column).personal:
        text = pii.mask(column, text)
    return text[:MAX_VALUE_CHARS]


def _as_written(issues: pd.DataFrame, extracted: Extract) -> list:
    """The offending value as the file wrote it ("2012年1月1日", not a parsed timestamp), falling back
    to the checked value for columns the file does not have."""
    shown = []
    for index, column, value in zip(issues["index"], issues["column"], issues["value"]):
        cell = extracted.cell(column, index)
        shown.append(cell if cell is not None else value)
    return shown


def _quarantine_rows(issues: pd.DataFrame, extracted: Extract, spec: SourceSpec, source_file: str) -> pd.DataFrame:
    if issues.empty:
        return pd.DataFrame(columns=QUARANTINE_COLUMNS)
    details = issues["detail"] if "detail" in issues else pd.Series(None, index=issues.index)
    messages_zh, messages_en = [], []
    for rule_id, column, detail in zip(issues["rule"], issues["column"], details):
        rule = _rule_for(spec, column, rule_id)
        header = extracted.headers.get(column, column)
        messages_zh.append(f"{header}：{rule.zh}")
        messages_en.append(f"{header} ({column}): {detail if isinstance(detail, str) else rule.en}")
    index = issues["index"].to_numpy()
    provenance = extracted.provenance
    frame = pd.DataFrame(
        {
            "source": spec.name,
            "source_file": source_file,
            "source_sheet": provenance.loc[index, SHEET_COLUMN].to_numpy(),
            "source_row": provenance.loc[index, ROW_COLUMN].to_numpy().astype(np.int64),
            "column_name": issues["column"].to_numpy(),
            "source_header": [extracted.headers.get(c) for c in issues["column"]],
            "rule": issues["rule"].to_numpy(),
            "message_zh": messages_zh,
            "message_en": messages_en,
            "value_masked": [_display_value(spec, c, v) for c, v in zip(issues["column"], _as_written(issues, extracted))],
        }
    )
    return frame.sort_values(["source_sheet", "source_row", "rule"], kind="stable").reset_index(drop=True)


__all__ = ["ISSUE_COLUMNS", "SourceSpec", "StageContext", "StagedFile", "stage"]
