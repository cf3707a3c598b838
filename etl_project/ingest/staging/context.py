"""The county, township and year a sheet gives its rows from outside the table.

Trust runs title → file name → sheet name → section rows: a row's own cell is read as written;
an empty cell, or a sheet without the column, takes the most trusted clue. Where the clues name
different counties (the title one, the file name another), or the title or a section row
contradicts the row's own cell, the row is quarantined with ``context_conflict``, naming both (a
file or sheet named after one county may gather the rows of others, and only fills gaps). A ledger without dates is
dated by the one year its title, file name or sheet name gives, and says so in the audit.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl_project.ingest.readers.column_map import ColumnMap
from etl_project.ingest.readers.context import SECTION, TITLE, SheetContext
from etl_project.ingest.readers.extract import Extract, SheetRows
from etl_project.ingest.validation import empty_issues
from schemas.sources import CONTEXT_CONFLICT


def apply_context(extracted: Extract, column_map: ColumnMap, regions) -> tuple[pd.DataFrame, list[str]]:
    """Fills the fields the column map lets context give; returns the conflicts as issues and
    what a person should know about where values came from."""
    issues, notes, offset = [], [], 0
    for part in extracted.sheet_rows:
        context = part.context
        if context is not None:
            for kind, field_name in column_map.context.items():
                fill = {"county": _county, "township": _township, "year": _year}[kind]
                found = fill(extracted, part, context, field_name, regions)
                if found is None:
                    continue
                rows, details, note = found
                if note:
                    notes.append(note)
                if len(rows):
                    issues.append(
                        pd.DataFrame(
                            {
                                "index": rows + offset,
                                "column": field_name,
                                "rule": CONTEXT_CONFLICT.id,
                                "value": [_text_at(part, field_name, r) for r in rows],
                                "detail": details,
                            }
                        )
                    )
        offset += len(part.row_numbers)
    return (pd.concat(issues, ignore_index=True) if issues else empty_issues()), notes


def _text_at(part: SheetRows, name: str, row: int) -> str | None:
    text = part.texts.get(name)
    return None if text is None else text[int(row)].as_py()


def _own(part: SheetRows, name: str) -> pd.Series:
    """Each row's own text of the field, None where the cell is empty or the sheet has no column."""
    text = part.texts.get(name)
    if text is None:
        return pd.Series([None] * len(part.row_numbers), dtype=object)
    trimmed = pc.utf8_trim_whitespace(text.cast(pa.string()))
    trimmed = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
    return pd.Series(trimmed.to_numpy(zero_copy_only=False), dtype=object)


def _where(part: SheetRows) -> str:
    return f"sheet {part.sheet!r}" if part.sheet else "the file"


def _sections(part: SheetRows, context: SheetContext) -> tuple[pd.Series, pd.Series]:
    """Per row: the place its section row names, and that row's number (None where none)."""
    count = len(part.row_numbers)
    if context.sections is None:
        return pd.Series([None] * count, dtype=object), pd.Series([None] * count, dtype=object)
    return pd.Series(context.sections, dtype=object), pd.Series(context.section_rows, dtype=object)


def _verdict(own: pd.Series, clue: pd.Series, where: pd.Series, conflict: pd.Series, details: pd.Series):
    """The rows in conflict with their detail, and the text each row reads as: its own, else the clue."""
    filled = own.where(own.notna(), clue) if own.isna().any() else None
    rows = np.flatnonzero(conflict.to_numpy(dtype=bool))
    return filled, rows, details.iloc[rows].tolist()


def _county(extracted: Extract, part: SheetRows, context: SheetContext, name: str, regions):
    named = [(clue.where(), place, code) for clue in context.clues for place, code in regions.counties_in(clue.text)]
    if context.sections is None and len(dict.fromkeys(code for _, _, code in named)) == 1:
        return _one_county(extracted, part, named[0], name, regions)
    sections, section_rows = _sections(part, context)
    section_codes = sections.map({s: regions.resolve_county(s).code for s in sections.dropna().unique()})
    if not named and not section_codes.notna().any():
        return None
    own = _own(part, name)
    count = len(own)
    codes = list(dict.fromkeys(code for _, _, code in named))
    if len(codes) > 1:
        said = "; ".join(f"{where} names {place}" for where, place, _ in named)
        _replace(extracted, part, name, own.where(own.notna(), named[0][1]))
        detail = f"the sheet's context names different counties ({said}): write each row's county in its own column"
        return np.arange(count, dtype=np.int64), [detail] * count, f"{_where(part)}: counties disagree: {said}"
    if named:
        where, place, code = named[0]
        clue = pd.Series([place] * count, dtype=object)
        clue_code = pd.Series([code] * count, dtype=object)
        wheres = pd.Series([where] * count, dtype=object)
        against_section = section_codes.notna() & (section_codes != code)
    else:
        clue, clue_code = sections.where(section_codes.notna()), section_codes
        wheres = SECTION + " " + section_rows.astype(str)
        against_section = pd.Series(False, index=own.index)
    own_codes = own.map({o: regions.resolve_county(o).code for o in own.dropna().unique()})
    # A title heads the rows under it; a file or sheet named after one county may gather others.
    speaks_for_rows = wheres.str.startswith((TITLE, SECTION))
    against_own = own_codes.notna() & clue_code.notna() & (own_codes != clue_code) & speaks_for_rows
    details = pd.Series([None] * count, dtype=object)
    if against_own.any():
        details[against_own] = (
            wheres[against_own] + " names " + clue[against_own].astype(str) + ", the row's own column " + own[against_own].astype(str)
        )
    if against_section.any():
        said = wheres[against_section] + " names " + clue[against_section].astype(str)
        details[against_section] = _section_says_otherwise(said, section_rows[against_section], sections[against_section], "names")
    filled, rows, listed = _verdict(own, clue, wheres, against_own | against_section, details)
    if filled is not None:
        _replace(extracted, part, name, filled)
    note = f"{_where(part)}: county {named[0][1]} from the {named[0][0]}" if named and own.isna().any() else None
    return rows, listed, note


def _section_says_otherwise(said, section_rows: pd.Series, sections: pd.Series, verb: str) -> pd.Series:
    """Why a row is held: what the file says of its place, then the section row above it that says
    another ("…, section row 12 names 秧河镇")."""
    return said + ", " + SECTION + " " + section_rows.astype(str) + f" {verb} " + sections.astype(str)


def _one_county(extracted: Extract, part: SheetRows, clue: tuple[str, str, str], name: str, regions):
    """The usual case, column by column in Arrow: one county named outside the table, no sections."""
    where, place, code = clue
    count = len(part.row_numbers)
    text = part.texts.get(name)
    if text is None:
        extracted.replace_text(part, name, pa.array([place] * count, pa.string()))
        return np.array([], dtype=np.int64), [], f"{_where(part)}: county {place} from the {where}"
    trimmed = pc.utf8_trim_whitespace(text.cast(pa.string()))
    trimmed = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)
    rows, details, note = np.array([], dtype=np.int64), [], None
    if where.startswith(TITLE):
        # A title heads the rows under it; a file or sheet named after one county may gather others.
        others = [v for v in pc.unique(trimmed).to_pylist() if v is not None and regions.resolve_county(v).code not in (None, code)]
        if others:
            rows = np.flatnonzero(pc.fill_null(pc.is_in(trimmed, pa.array(others, pa.string())), False).to_numpy(zero_copy_only=False))
            details = [f"{where} names {place}, the row's own column {trimmed[int(r)].as_py()}" for r in rows]
    if trimmed.null_count:
        extracted.replace_text(part, name, pc.fill_null(trimmed, place))
        note = f"{_where(part)}: county {place} from the {where}"
    return rows, details, note


def _township(extracted: Extract, part: SheetRows, context: SheetContext, name: str, regions):
    if context.township is None and context.sections is None:
        return None
    sections, section_rows = _sections(part, context)
    sections = sections.where(sections.map(lambda s: isinstance(s, str) and _is_township(s)))
    if context.township is None and not sections.notna().any():
        return None
    own = _own(part, name)
    count = len(own)
    details = pd.Series([None] * count, dtype=object)
    if context.township:
        clue = pd.Series([context.township] * count, dtype=object)
        wheres = pd.Series(["sheet name"] * count, dtype=object)
        against_section = sections.notna() & (sections != context.township)
        if against_section.any():
            said = "the sheet name says " + context.township
            details[against_section] = _section_says_otherwise(said, section_rows[against_section], sections[against_section], "says")
    else:
        clue, wheres = sections, SECTION + " " + section_rows.astype(str)
        against_section = pd.Series(False, index=own.index)
    squeezed = own.str.replace(r"\s+", "", regex=True)
    against_own = own.notna() & clue.notna() & (squeezed != clue) & ~against_section
    if against_own.any():
        details[against_own] = (
            wheres[against_own] + " says " + clue[against_own].astype(str) + ", the row's own column " + own[against_own].astype(str)
        )
    filled, rows, listed = _verdict(own, clue, wheres, against_own | against_section, details)
    if filled is not None:
        _replace(extracted, part, name, filled)
    return rows, listed, None


def _is_township(place: str) -> bool:
    return place.endswith(("镇", "乡", "街道", "办事处", "苏木"))


def _year(extracted: Extract, part: SheetRows, context: SheetContext, name: str, regions):
    """A sheet without the date column is dated by its one year: the movements of a 2019 ledger
    are booked on 31 December 2019, the last day they can have happened by."""
    if name in part.texts or (context.year is None and not context.years_disagree):
        return None
    count = len(part.row_numbers)
    if context.years_disagree:
        said = "; ".join(context.years_disagree)
        _replace(extracted, part, name, np.full(count, f"{context.year}-12-31", dtype=object))
        return (
            np.arange(count, dtype=np.int64),
            [f"the sheet's context names different years ({said})"] * count,
            f"{_where(part)}: no date column, and the years disagree ({said})",
        )
    _replace(extracted, part, name, np.full(count, f"{context.year}-12-31", dtype=object))
    note = (
        f"{_where(part)}: no date column; every row dated {context.year}-12-31, the year taken from the {context.year_from}. "
        f"{'工作表“' + part.sheet + '”' if part.sheet else '本表'}无日期列，年度 {context.year} 取自{_ZH.get(context.year_from.split(' ')[0], context.year_from)}，"
        f"日期记为 {context.year}年12月31日"
    )
    return np.array([], dtype=np.int64), [], note


_ZH = {"title": "标题", "file": "文件名", "sheet": "工作表名"}


def _replace(extracted: Extract, part: SheetRows, name: str, values) -> None:
    values = pd.Series(values, dtype=object)
    extracted.replace_text(part, name, pa.array(values.where(values.notna(), None).tolist(), pa.string()))
