"""Finding the table inside a sheet: its header rows, its columns, and which rows are data.

Real registry sheets open with a merged title and a unit/date row, spread their header over two
merged rows ("两不愁三保障" over four sub-columns), put 合计 rows among the data and notes below it.
The header is the row (or pair of rows) whose cells match the most known header spellings.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl_project.readers.column_map import ColumnMap, header_key
from etl_project.readers.grid import SheetGrid
from etl_project.readers.values import invisible_removed

HEADER_SEARCH_ROWS = 30
# A sheet with no table in its first rows is searched this far down, for a table under a long
# explanation (such a header is reported: it is easily missed by a person, too).
FAR_HEADER_SEARCH_ROWS = 1000
MAX_HEADER_DEPTH = 3
# One-cell rows right above a copy of the header that are skipped with it as its title.
MAX_TITLE_ROWS = 3
# Rows that total (or break down) other rows, by their label. A label may be qualified by what it
# spans: 本页小计 the rows of its printed page, 本月合计 those of its month, 全县合计 the sheet.
_BASE_LABELS = ("合计", "小计", "总计", "总合计", "共计", "累计", "汇总")
_QUALIFIERS = ("本页", "上页", "本月", "当月", "本季", "本季度", "本期", "本年", "全年", "自年初", "全县", "全乡", "全镇", "全村", "全区", "全市")
# 其中 opens a breakdown of the row above ("其中：财政专项资金"): part of a total, not a movement.
PART_LABEL = "其中"
TOTAL_LABELS = (*_BASE_LABELS, *(q + b for q in _QUALIFIERS for b in _BASE_LABELS), PART_LABEL)
_TOTAL = re.compile("^(?:" + "|".join(sorted(TOTAL_LABELS, key=len, reverse=True)) + ")")
# What each kind of total is checked against (see staging.investment.ledger_totals).
SPAN_SHEET, SPAN_GROUP, SPAN_PAGE, SPAN_PERIOD, SPAN_RUNNING, SPAN_PART = "sheet", "group", "page", "period", "running", "part"
_NOTE = re.compile(r"^(?:注|备注|说明|填表|审核|制表|负责人|单位负责人|联系人|数据来源|统计时间|填报|主管领导|签字|盖章)")


class LayoutError(Exception):
    """The sheet's table cannot be found, lacks required columns or holds conflicting copies of one.

    ``kind`` tells apart what a workbook must not confuse: a sheet with no table of this source
    ("no_table": an instructions sheet, skipped) and a sheet whose table is there but broken
    ("missing_columns", "conflicting_copies": an error, never skipped, or its rows would be lost)."""

    def __init__(self, message: str, kind: str = "no_table", matched: int = 0):
        super().__init__(message)
        self.kind = kind
        self.matched = matched  # fields whose header was found

    @property
    def table_found(self) -> bool:
        return self.kind != "no_table"


@dataclass
class Layout:
    header_start: int
    header_depth: int
    columns: dict[str, int]  # field -> column position
    headers: dict[str, str]  # field -> header text as written
    unmapped_headers: list[str] = field(default_factory=list)
    layout: str | None = None  # the column map's layout the header is in (None: the source's own)

    @property
    def first_data_row(self) -> int:
        return self.header_start + self.header_depth


def _cell_text(cells: pd.DataFrame, row: int) -> list[str]:
    return ["" if v is None else str(v) for v in cells.iloc[row].tolist()]


def _reach(row: int) -> int:
    """How many rows from the top are read as text to look at ``row``: the usual search window,
    or the far one for a sheet whose table starts lower."""
    return (HEADER_SEARCH_ROWS if row < HEADER_SEARCH_ROWS else FAR_HEADER_SEARCH_ROWS) + MAX_HEADER_DEPTH


def _top_text(grid: SheetGrid, row: int) -> list[str]:
    """A row of the top of the sheet as text ("" for an empty cell); a fresh list each time."""
    return list(grid.head_text(_reach(row))[row])


def _filled_group_row(grid: SheetGrid, row: int, leaf: list[str]) -> list[str]:
    """The upper header row with each group name spread over the columns it spans.

    Merged ranges say exactly which columns a group covers; without them (CSV), a blank upper cell
    above a non-blank lower cell belongs to the group on its left.
    """
    group = _top_text(grid, row)
    for r0, c0, r1, c1 in grid.merged:
        if r0 == row and c1 > c0:
            for col in range(c0 + 1, min(c1, len(group) - 1) + 1):
                group[col] = group[c0]
    for col in range(1, len(group)):
        if not group[col].strip() and leaf[col].strip() and leaf[col - 1].strip() and group[col - 1].strip():
            group[col] = group[col - 1]
    return group


def _header_block(grid: SheetGrid, start: int, depth: int) -> list[list[str]]:
    """The header rows as text, group names spread over the columns they cover."""
    rows = [_top_text(grid, start + offset) for offset in range(depth)]
    for offset in range(depth - 1):
        rows[offset] = _filled_group_row(grid, start + offset, rows[offset + 1])
    return rows


def _display_headers(rows: list[list[str]]) -> list[str]:
    return ["/".join(dict.fromkeys(r[col].strip() for r in rows if r[col].strip())) for col in range(len(rows[0]))]


def _names_for(grid: SheetGrid, start: int, depth: int) -> list[list[str]]:
    """For each column, the header keys to try, most specific first ("group/leaf", leaf, group)."""
    rows = _header_block(grid, start, depth)
    names = []
    for col in range(grid.width):
        parts = [header_key(rows[level][col]) for level in range(depth)]
        non_empty = [p for p in parts if p]
        candidates = []
        if len(non_empty) > 1:
            candidates.append("/".join(dict.fromkeys(non_empty)))
        if non_empty:
            candidates.append(non_empty[-1])
            # A vertically merged header leaves the lower rows empty: its name is the top one.
            if not parts[-1]:
                candidates.append(non_empty[0])
        names.append(candidates)
    return names


def _match(names: list[list[str]], column_map: ColumnMap) -> dict[str, int]:
    return {field_name: cols[0] for field_name, cols in _columns_per_field(names, column_map).items()}


def _columns_per_field(names: list[list[str]], column_map: ColumnMap) -> dict[str, list[int]]:
    """Each field the header names, with every column whose header names it, left to right."""
    found: dict[str, list[int]] = {}
    for col, candidates in enumerate(names):
        for key in candidates:
            field_name = column_map.field_for(key)
            if field_name is not None:
                found.setdefault(field_name, []).append(col)
                break
    return found


def _conflicting_copies(grid: SheetGrid, names: list[list[str]], display: list[str], column_map: ColumnMap, first_data_row: int) -> list[str]:
    """Fields whose header appears over several columns that do not hold the same values, as
    sentences. Copies that agree (an ID column repeated for convenience) are harmless: the first
    is read. Copies that disagree cannot be chosen between without asking the county."""
    conflicts = []
    for field_name, cols in _columns_per_field(names, column_map).items():
        if len(cols) == 1:
            continue
        first = _trimmed(grid.columns[cols[0]].slice(first_data_row))
        for other in cols[1:]:
            differ = _differing_rows(first, _trimmed(grid.columns[other].slice(first_data_row)))
            if differ.size:
                headers = " and ".join(dict.fromkeys((display[cols[0]], display[other])))
                conflicts.append(
                    f"{headers} ({field_name}) heads two columns, {grid.column_letter(cols[0])} and {grid.column_letter(other)}, "
                    f"whose values differ in {differ.size} row(s), first at row {grid.row_number(first_data_row + int(differ[0]))}"
                )
    return conflicts


def _trimmed(column: pa.Array) -> pa.Array:
    column = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)


def _differing_rows(a: pa.Array, b: pa.Array) -> np.ndarray:
    same = pc.or_kleene(pc.fill_null(pc.equal(a, b), False), pc.and_(pc.is_null(a), pc.is_null(b)))
    return np.flatnonzero(~same.to_numpy(zero_copy_only=False))


def locate(grid: SheetGrid, column_map: ColumnMap) -> Layout:
    """The best-matching header block in the first rows of the sheet; when those hold none, a
    header lower down (at most FAR_HEADER_SEARCH_ROWS) that has every required column."""
    where = f"sheet {grid.name!r}" if grid.name else "the file"
    best = _best_block(grid, column_map, range(min(HEADER_SEARCH_ROWS, grid.height)))
    if best is None or not best[2]:
        far = _far_header_row(grid, column_map)
        if far is not None:
            best = _best_block(grid, column_map, range(max(HEADER_SEARCH_ROWS, far - MAX_HEADER_DEPTH + 1), far + 1))
            if best is not None and any(f not in best[2] for f in column_map.required_for(best[2])):
                # A row that merely names a few columns (an explanation listing them) is not a table.
                best = None
    if best is None or not best[2]:
        searched = min(grid.height, FAR_HEADER_SEARCH_ROWS)
        raise LayoutError(f"{where}: no header row found in its first {searched} rows; expected headers such as " + _expected(column_map, column_map.required))
    start, depth, matched = best
    missing = [f for f in column_map.required_for(matched) if f not in matched]
    display = _display_headers(_header_block(grid, start, depth))
    if missing:
        raise LayoutError(
            f"{where}, header at row {grid.row_number(start)}: missing required columns "
            + _expected(column_map, missing)
            + f"; headers found: {', '.join(h for h in display if h)}",
            kind="missing_columns",
            matched=len(matched),
        )
    conflicts = _conflicting_copies(grid, _names_for(grid, start, depth), display, column_map, start + depth)
    if conflicts:
        raise LayoutError(
            f"{where}, header at row {grid.row_number(start)}: " + "; ".join(conflicts)
            + "; delete the wrong copy, or rename it if it means something else",
            kind="conflicting_copies",
            matched=len(matched),
        )
    headers = {field_name: display[col] for field_name, col in matched.items()}
    mapped = set(matched.values())
    unmapped = [text for col, text in enumerate(display) if text and col not in mapped]
    sheet_layout = column_map.layout_of(matched)
    return Layout(start, depth, matched, headers, unmapped, sheet_layout.name if sheet_layout is not None else None)


def _best_block(grid: SheetGrid, column_map: ColumnMap, starts: range) -> tuple[int, int, dict[str, int]] | None:
    """(start, depth, field -> column) of the header block among ``starts`` that names the most fields."""
    best: tuple[int, int, dict[str, int]] | None = None
    for start in starts:
        if not any(_top_text(grid, start)):
            continue
        for depth in range(1, MAX_HEADER_DEPTH + 1):
            if start + depth > grid.height:
                break
            matched = _match(_names_for(grid, start, depth), column_map)
            # A deeper header must earn its extra rows by matching more fields: at equal matches
            # the shallower block wins, so a unit row above the header is not swallowed into it.
            if best is None or (len(matched), -depth) > (len(best[2]), -best[1]):
                best = (start, depth, matched)
    return best


def _far_header_row(grid: SheetGrid, column_map: ColumnMap) -> int | None:
    """The row below the usual search window whose cells name the most fields (two at least)."""
    rows = grid.head_text(FAR_HEADER_SEARCH_ROWS + MAX_HEADER_DEPTH)
    best, best_count = None, 1
    for row in range(HEADER_SEARCH_ROWS, min(FAR_HEADER_SEARCH_ROWS, grid.height)):
        count = sum(1 for text in rows[row] if text and column_map.field_for(header_key(text)) is not None)
        if count > best_count:
            best, best_count = row, count
    return best


def _expected(column_map: ColumnMap, fields: list[str] | tuple[str, ...]) -> str:
    return "; ".join(f"{f} ({' / '.join(column_map.spellings[f][:3])})" for f in fields)


@dataclass
class RowKinds:
    data: np.ndarray  # positions of data rows
    blank: np.ndarray
    total: np.ndarray
    note: np.ndarray


def classify_rows(grid: SheetGrid, layout: Layout) -> RowKinds:
    """Split the rows under the header into data, blank, total (合计/小计/总计) and note rows.

    A cell counts as filled when its text, after NFKC and without whitespace, is not empty; a total
    row's label starts the text of its first four cells (usually merged over the name columns); a
    note is a row with a single filled cell whose text opens like a note. A copy of the header
    (two tables in a sheet, exports pasted together, a header repeated at each printed page) is a
    note too, with the lone title cells right above it. Decided column by column in Arrow, so a
    sheet of a million rows is classified without visiting its cells in Python.

    Cells merged down the data rows are first filled with their value (see
    ``SheetGrid.fill_merged_down``), so the rows they span are read with it.
    """
    first = layout.first_data_row
    grid.fill_merged_down(first)
    positions = np.arange(first, grid.height)
    body = [column.slice(first) for column in grid.columns]
    if positions.size == 0 or not body:
        empty = np.array([], dtype=int)
        return RowKinds(empty, empty, empty, empty)
    counts = np.zeros(positions.size, dtype=np.int64)
    for column in body:
        counts += filled_cells(column)
    blank = counts == 0
    total = _total_rows(body[:4], positions.size) & ~blank
    note = np.zeros(positions.size, dtype=bool)
    for row in np.flatnonzero((counts == 1) & ~total):
        note[row] = bool(_NOTE.search(_lead_text(body, row)))
    for row in _header_copies(grid, layout, body, counts):
        note[row] = True
        above = row - 1
        # The title of the table the copy heads: one cell per row, as over the first header.
        while above >= 0 and row - above <= MAX_TITLE_ROWS and counts[above] == 1 and not total[above]:
            note[above] = True
            above -= 1
    data = ~(blank | total | note)
    return RowKinds(positions[data], positions[blank], positions[total], positions[note])


def _header_copies(grid: SheetGrid, layout: Layout, body: list[pa.Array], counts: np.ndarray) -> list[int]:
    """Rows of ``body`` that repeat the header: at least two filled cells, each of which is what
    the header says over its column (after header_key), in one of the header's rows.

    Candidates are the rows that hold, in one of the first two filled columns of a header row,
    that row's text exactly (two lookups in Arrow per header row); only those few are compared
    cell by cell.
    """
    block = _header_block(grid, layout.header_start, layout.header_depth)
    written = [_top_text(grid, layout.header_start + depth) for depth in range(layout.header_depth)]
    keys = [{header_key(rows[col]) for rows in (*block, *written)} - {""} for col in range(grid.width)]
    candidates = np.zeros(counts.size, dtype=bool)
    for rows in written:
        for col in [col for col, text in enumerate(rows) if text.strip()][:2]:
            found = pc.equal(body[col], pa.scalar(rows[col], pa.string()))
            candidates |= pc.fill_null(found, False).to_numpy(zero_copy_only=False)
    copies = []
    for row in np.flatnonzero(candidates & (counts >= 2)):
        cells = [(col, body[col][int(row)].as_py()) for col in range(len(body))]
        filled = [(col, header_key(value)) for col, value in cells if value is not None and header_key(value)]
        if len(filled) >= 2 and all(key in keys[col] for col, key in filled):
            copies.append(int(row))
    return copies


_SQUEEZE = re.compile(r"\s+")


def _squeezed(value: str | None) -> str | None:
    """A cell's text as the row classification compares it: NFKC, without whitespace or
    invisible characters (a 合计 behind a byte-order mark is a 合计)."""
    return None if value is None else _SQUEEZE.sub("", unicodedata.normalize("NFKC", invisible_removed(str(value))))


def filled_cells(column: pa.Array) -> np.ndarray:
    """Per cell, whether it holds anything but whitespace."""
    # NFKC maps a character to whitespace only if it is whitespace already, so "nothing left
    # without whitespace" is "empty or only whitespace as written"; Arrow's utf8_is_space and
    # Python's str.isspace agree on every character (both checked over all of Unicode).
    blank = pc.or_(pc.utf8_is_space(column), pc.equal(pc.binary_length(column), 0))
    return pc.fill_null(pc.invert(blank), False).to_numpy(zero_copy_only=False)


def _total_rows(columns: list[pa.Array], height: int) -> np.ndarray:
    """Rows whose first cells, joined, start with a total label. A row is followed only while its
    text so far could still become a label, so a data row is settled by its first cell."""
    total = np.zeros(height, dtype=bool)
    pending = np.arange(height)
    prefixes = np.full(height, "", dtype=object)
    for column in columns:
        if pending.size == 0:
            break
        # Grouped by Arrow, which compares whole texts (pandas' factorize stops at a NUL).
        encoded = pc.dictionary_encode(column.take(pa.array(pending)))
        texts = np.array([_squeezed(v) or "" for v in encoded.dictionary.to_pylist()] + [""], dtype=object)
        codes = pc.fill_null(encoded.indices, len(encoded.dictionary)).to_numpy(zero_copy_only=False)
        prefixes = prefixes + texts[codes]
        known: dict[str, int] = {}
        verdicts = np.array([known[p] if p in known else known.setdefault(p, _verdict(p)) for p in prefixes], dtype=np.int8)
        total[pending[verdicts == _IS_TOTAL]] = True
        undecided = verdicts == _UNDECIDED
        pending, prefixes = pending[undecided], prefixes[undecided]
    return total


_NOT_TOTAL, _IS_TOTAL, _UNDECIDED = 0, 1, 2


def _verdict(text: str) -> int:
    """Whether text starting a row makes it a total row, or cannot, or may with more cells."""
    if _TOTAL.match(text):
        return _IS_TOTAL
    if any(label.startswith(text) for label in TOTAL_LABELS):
        return _UNDECIDED
    return _NOT_TOTAL


def total_label(cells: list) -> str | None:
    """The total label a row's first cells open with ("本页小计", "合计"), None if they open with none."""
    match = _TOTAL.match(_squeezed("".join(str(v) for v in cells[:4] if v is not None)) or "")
    return match.group(0) if match else None


def total_span(label: str) -> str:
    """What a total row with this label adds up: the whole sheet (合计, 总计), its group (小计),
    its page (本页小计), its period (本月合计), everything so far (累计), or nothing to check (其中)."""
    if label.startswith(PART_LABEL):
        return SPAN_PART
    if "累计" in label:
        return SPAN_RUNNING
    if label.startswith(("本页", "上页")):
        return SPAN_PAGE
    if label.startswith(("本月", "当月", "本季", "本期")):
        return SPAN_PERIOD
    if "小计" in label:
        return SPAN_GROUP
    return SPAN_SHEET


def _lead_text(body: list[pa.Array], row: int) -> str:
    """The text of the row's first non-empty cell (whitespace-only cells included)."""
    for column in body:
        value = column[row].as_py()
        if value is not None:
            return _squeezed(value)
    return ""
