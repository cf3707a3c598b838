"""Finding the header block of a sheet: its rows, its columns, and the wide groups under it.

Real sheets open with a merged title and a unit/date row, and spread their header over two or three
merged rows ("两不愁三保障" over four sub-columns; "家庭年收入情况" over "其中" over 种植业纯收入 …).
The header is the block whose cells match the most known header spellings; it then reaches down over
the rows its cells are merged over and the sub-header rows under its groups. This step reads only
the top of the sheet (``SheetTop``); which rows below are data is ``readers.rows``' job.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl_project.core.refusal import Refusal
from etl_project.ingest.readers.column_map import ColumnMap, header_key
from etl_project.ingest.readers.grid import SheetGrid

HEADER_SEARCH_ROWS = 30
# A sheet with no table in its first rows is searched this far down, for a table under a long
# explanation (such a header is reported: it is easily missed by a person, too).
FAR_HEADER_SEARCH_ROWS = 1000
MAX_HEADER_DEPTH = 3


class LayoutError(Refusal):
    """The sheet's table cannot be found, lacks required columns or holds conflicting copies of one.

    ``kind`` tells apart what a workbook must not confuse: a sheet with no table of this source
    ("no_table": an instructions sheet, skipped) and a sheet whose table is there but broken
    ("missing_columns", "conflicting_copies": an error, never skipped, or its rows would be lost)."""

    def __init__(
        self,
        message: str,
        kind: str = "no_table",
        matched: int = 0,
        missing: tuple[str, ...] = (),
        header_row: int | None = None,
        headers_found: tuple[str, ...] = (),
        zh: str | None = None,
    ):
        super().__init__(message, zh)
        self.kind = kind
        self.matched = matched  # fields whose header was found
        # for missing columns: the required fields not found, the header's row as Excel shows it and its cells
        self.missing = missing
        self.header_row = header_row
        self.headers_found = headers_found

    @property
    def table_found(self) -> bool:
        return self.kind != "no_table"


@dataclass(frozen=True)
class WideColumns:
    """The columns of a wide group: each holds the ``measure`` of the value its leaf header names."""

    field: str  # fund_source, category
    measure: str  # amount
    parts: dict[int, str]  # column -> the value its leaf header names ("财政专项")
    totals: list[int]  # columns of the group headed 合计/小计: checked against the parts, never loaded
    headers: dict[int, str]  # column -> header as written ("资金来源（万元）/财政专项")


@dataclass
class Layout:
    header_start: int
    header_depth: int
    columns: dict[str, int]  # field -> column position
    headers: dict[str, str]  # field -> header text as written
    unmapped_headers: list[str] = field(default_factory=list)
    # the header rows as text, group names spread over their columns, and as written
    block: list[list[str]] = field(default_factory=list)
    written: list[list[str]] = field(default_factory=list)
    wide: WideColumns | None = None
    # required fields without a column, which the caller said it may find outside the table
    missing: list[str] = field(default_factory=list)
    layout: str | None = None  # the column map's layout the header is in (None: the source's own)

    @property
    def first_data_row(self) -> int:
        return self.header_start + self.header_depth


def _reach(row: int) -> int:
    """How many rows from the top are read as text to look at ``row``: the usual search window,
    or the far one for a sheet whose table starts lower."""
    return (HEADER_SEARCH_ROWS if row < HEADER_SEARCH_ROWS else FAR_HEADER_SEARCH_ROWS) + MAX_HEADER_DEPTH


class SheetTop:
    """The top of a sheet as the header search reads it: the text of its first rows (further down
    only when the search goes there) and its merged ranges, taken from the grid once."""

    def __init__(self, grid: SheetGrid):
        self.name, self.width, self.height = grid.name, grid.width, grid.height
        self.merged = list(grid.merged)
        self.row_number = grid.row_number
        self._grid = grid
        self._rows: list[tuple[str, ...]] = []

    def text(self, row: int) -> list[str]:
        """A row as text ("" for an empty cell); a fresh list each time."""
        if row >= len(self._rows):
            self._rows = self._grid.head_text(_reach(row))
        return list(self._rows[row])


def _filled_group_row(top: SheetTop, row: int, leaf: list[str]) -> list[str]:
    """The upper header row with each group name spread over the columns it spans.

    Merged ranges say exactly which columns a group covers; without them (CSV), a blank upper cell
    above a non-blank lower cell belongs to the group on its left.
    """
    group = top.text(row)
    for r0, c0, _r1, c1 in top.merged:
        if r0 == row and c1 > c0:
            for col in range(c0 + 1, min(c1, len(group) - 1) + 1):
                group[col] = group[c0]
    for col in range(1, len(group)):
        if not group[col].strip() and leaf[col].strip() and leaf[col - 1].strip() and group[col - 1].strip():
            group[col] = group[col - 1]
    return group


def _header_block(top: SheetTop, start: int, depth: int) -> list[list[str]]:
    """The header rows as text, group names spread over the columns they cover."""
    rows = [top.text(start + offset) for offset in range(depth)]
    for offset in range(depth - 2, -1, -1):
        # Spread from the bottom up, so that a group over groups covers every leaf below it.
        below = [lower if lower.strip() else deeper for lower, deeper in zip(rows[offset + 1], rows[-1])]
        rows[offset] = _filled_group_row(top, start + offset, below)
    return rows


def _display_headers(rows: list[list[str]]) -> list[str]:
    return ["/".join(dict.fromkeys(r[col].strip() for r in rows if r[col].strip())) for col in range(len(rows[0]))]


def _names_for(rows: list[list[str]]) -> list[list[str]]:
    """For each column, the header keys to try, most specific first ("group/leaf", leaf, group)."""
    names = []
    for col in range(len(rows[0])):
        parts = [header_key(row[col]) for row in rows]
        non_empty = list(dict.fromkeys(p for p in parts if p))
        candidates = []
        if len(non_empty) > 1:
            candidates.append("/".join(non_empty))
        if non_empty:
            candidates.append(non_empty[-1])
            # A vertically merged header leaves the lower rows empty: its name is the top one.
            if not parts[-1]:
                candidates.append(non_empty[0])
        names.append(candidates)
    return names


def _wide_columns(rows: list[list[str]], display: list[str], column_map: ColumnMap) -> WideColumns | None:
    """The columns under a header group the column map declares wide, when the block has one."""
    for group in column_map.wide:
        parts, totals, headers = {}, [], {}
        for col in range(len(rows[0])):
            keys = list(dict.fromkeys(k for k in (header_key(row[col]) for row in rows) if k))
            if len(keys) < 2 or not any(k in group.groups for k in keys[:-1]):
                continue
            leaf = keys[-1]
            if _TOTAL_HEADER.match(leaf):
                totals.append(col)
            elif leaf != PART_HEADER:
                parts[col] = leaf
            headers[col] = display[col]
        if parts:
            return WideColumns(group.field, group.measure, parts, totals, headers)
    return None


# A wide group's own total column, and the 其中 ("of which") header over a breakdown.
_TOTAL_HEADER = re.compile(r"^(?:合计|小计|总计|共计|总额|合计金额)$")
PART_HEADER = "其中"


def _match(rows: list[list[str]], column_map: ColumnMap) -> tuple[dict[str, int], WideColumns | None]:
    """Each field the block names, with its first column, and the block's wide columns."""
    wide = _wide_columns(rows, _display_headers(rows), column_map) if column_map.wide else None
    found = {field_name: cols[0] for field_name, cols in _columns_per_field(_names_for(rows), column_map, wide).items()}
    return found, wide


def _fields_of(matched: dict[str, int], wide: WideColumns | None) -> set[str]:
    return set(matched) | ({wide.field, wide.measure} if wide else set())


def _columns_per_field(names: list[list[str]], column_map: ColumnMap, wide: WideColumns | None = None) -> dict[str, list[int]]:
    """Each field the header names, with every column whose header names it, left to right."""
    found: dict[str, list[int]] = {}
    taken = set(wide.headers) if wide else set()
    for col, candidates in enumerate(names):
        if col in taken:
            continue
        for key in candidates:
            field_name = column_map.field_for(key)
            if field_name is not None:
                found.setdefault(field_name, []).append(col)
                break
    return found


def _conflicting_copies(
    grid: SheetGrid, names: list[list[str]], display: list[str], column_map: ColumnMap, first_data_row: int, wide: WideColumns | None
) -> list[tuple[str, str]]:
    """Fields whose header appears over several columns that do not hold the same values, as
    sentences in English and Chinese. Copies that agree (an ID column repeated for convenience) are harmless: the first
    is read. Copies that disagree cannot be chosen between without asking the county."""
    conflicts = []
    for field_name, cols in _columns_per_field(names, column_map, wide).items():
        if len(cols) == 1:
            continue
        first = _trimmed(grid.columns[cols[0]].slice(first_data_row))
        for other in cols[1:]:
            differ = _differing_rows(first, _trimmed(grid.columns[other].slice(first_data_row)))
            if differ.size:
                headers = " and ".join(dict.fromkeys((display[cols[0]], display[other])))
                letters = grid.column_letter(cols[0]), grid.column_letter(other)
                first_row = grid.row_number(first_data_row + int(differ[0]))
                conflicts.append(
                    (
                        f"{headers} ({field_name}) heads two columns, {letters[0]} and {letters[1]}, "
                        f"whose values differ in {differ.size} row(s), first at row {first_row}",
                        f"{headers}同时是 {letters[0]} 列和 {letters[1]} 列的表头，两列有 {differ.size} 行取值不同（首次在第 {first_row} 行）",
                    )
                )
    return conflicts


def _trimmed(column: pa.Array) -> pa.Array:
    column = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)


def _differing_rows(a: pa.Array, b: pa.Array) -> np.ndarray:
    same = pc.or_kleene(pc.fill_null(pc.equal(a, b), False), pc.and_(pc.is_null(a), pc.is_null(b)))
    return np.flatnonzero(~same.to_numpy(zero_copy_only=False))


def locate(grid: SheetGrid, column_map: ColumnMap, supplied: frozenset[str] = frozenset()) -> Layout:
    """The best-matching header block in the first rows of the sheet; when those hold none, a
    header lower down (at most FAR_HEADER_SEARCH_ROWS) that has every required column. The block
    then reaches down over the rows its merged cells cover and the sub-header rows under it.

    ``supplied``: required fields the caller may find outside the table (a county in the title);
    their absence is left in ``Layout.missing`` for the caller to judge (see ``missing_columns``)."""
    top = SheetTop(grid)
    where = f"sheet {grid.name!r}" if grid.name else "the file"
    best = _best_block(top, column_map, range(min(HEADER_SEARCH_ROWS, top.height)))
    if best is None or not best[2]:
        far = _far_header_row(top, column_map)
        if far is not None:
            best = _best_block(top, column_map, range(max(HEADER_SEARCH_ROWS, far - MAX_HEADER_DEPTH + 1), far + 1))
            if best is not None and any(f not in best[2] for f in column_map.required_for(best[2])):
                # A row that merely names a few columns (an explanation listing them) is not a table.
                best = None
    if best is None or not best[2]:
        searched = min(top.height, FAR_HEADER_SEARCH_ROWS)
        raise LayoutError(
            f"{where}: no header row found in its first {searched} rows; expected headers such as "
            + _expected(column_map, column_map.required),
            zh=f"{_where_zh(grid)}前 {searched} 行中未找到表头；应有如下列名：{_expected_zh(column_map, column_map.required)}",
        )
    start, depth, _ = best
    depth = _full_depth(top, start, depth, column_map)
    block = _header_block(top, start, depth)
    matched, wide = _match(block, column_map)
    fields = _fields_of(matched, wide)
    missing = [f for f in column_map.required_for(fields) if f not in fields]
    display = _display_headers(block)
    if [f for f in missing if f not in supplied]:
        raise missing_columns(grid, column_map, start, missing, display, len(fields))
    conflicts = _conflicting_copies(grid, _names_for(block), display, column_map, start + depth, wide)
    if conflicts:
        raise LayoutError(
            f"{where}, header at row {grid.row_number(start)}: "
            + "; ".join(en for en, _ in conflicts)
            + "; delete the wrong copy, or rename it if it means something else",
            kind="conflicting_copies",
            matched=len(fields),
            zh=f"{_where_zh(grid)}第 {grid.row_number(start)} 行为表头："
            + "；".join(zh for _, zh in conflicts)
            + "；请删除错误的一列，或如含义不同请改名",
        )
    headers = {field_name: display[col] for field_name, col in matched.items()}
    if wide is not None:
        group_header = display[min(wide.parts)].split("/")[0]
        headers.setdefault(wide.field, group_header)
        headers.setdefault(wide.measure, group_header)
    mapped = set(matched.values()) | (set(wide.headers) if wide else set())
    unmapped = [text for col, text in enumerate(display) if text and col not in mapped]
    written = [top.text(start + offset) for offset in range(depth)]
    sheet_layout = column_map.layout_of(fields)
    return Layout(
        start, depth, matched, headers, unmapped, block, written, wide, missing, sheet_layout.name if sheet_layout is not None else None
    )


def missing_columns(
    grid: SheetGrid, column_map: ColumnMap, start: int, missing: list[str], display: list[str], matched: int
) -> LayoutError:
    where = f"sheet {grid.name!r}" if grid.name else "the file"
    return LayoutError(
        f"{where}, header at row {grid.row_number(start)}: missing required columns "
        + _expected(column_map, missing)
        + f"; headers found: {', '.join(h for h in display if h)}",
        kind="missing_columns",
        matched=matched,
        missing=tuple(missing),
        header_row=grid.row_number(start),
        headers_found=tuple(h for h in display if h),
        zh=f"{_where_zh(grid)}第 {grid.row_number(start)} 行为表头，缺少必需的列：{_expected_zh(column_map, missing)}",
    )


def _best_block(top: SheetTop, column_map: ColumnMap, starts: range) -> tuple[int, int, set[str]] | None:
    """(start, depth, fields) of the header block among ``starts`` that names the most fields."""
    best: tuple[int, int, set[str]] | None = None
    for start in starts:
        if not any(top.text(start)):
            continue
        for depth in range(1, MAX_HEADER_DEPTH + 1):
            if start + depth > top.height:
                break
            fields = _fields_of(*_match(_header_block(top, start, depth), column_map))
            # A deeper header must earn its extra rows by matching more fields: at equal matches
            # the shallower block wins, so a unit row above the header is not swallowed into it.
            if best is None or (len(fields), -depth) > (len(best[2]), -best[1]):
                best = (start, depth, fields)
    return best


def _full_depth(top: SheetTop, start: int, depth: int, column_map: ColumnMap) -> int:
    """The header's depth once the rows its cells are merged down over, and the sub-header rows
    right under it, are counted in: lower header rows that name no field of the column map
    ("其中" over 种植业纯收入, 养殖业纯收入 …) are header, not data."""
    fields = len(_fields_of(*_match(_header_block(top, start, depth), column_map)))
    while depth < MAX_HEADER_DEPTH and start + depth < top.height:
        last = start + depth - 1
        merged_down = any(start <= r0 <= last < r1 for r0, c0, r1, c1 in top.merged)
        if not merged_down and not _is_sub_header(top, start, depth):
            break
        deeper = len(_fields_of(*_match(_header_block(top, start, depth + 1), column_map)))
        if deeper < fields:
            break
        depth, fields = depth + 1, deeper
    return depth


_DATA_LIKE = re.compile(r"^[\d\s.,，:：/\-+%]*$")


def _is_sub_header(top: SheetTop, start: int, depth: int) -> bool:
    """Whether the row under the block is more header: text only, and only under the block's
    groups (a header cell spread over several columns), never under a column already named in full
    — where a data row has its 户编号, its 县."""
    row = top.text(start + depth)
    filled = [col for col, text in enumerate(row) if text.strip()]
    if not filled:
        return False
    above = _header_block(top, start, depth)[-1]
    spread = _filled_group_row(top, start + depth - 1, row) if depth else above
    for col in filled:
        text = unicodedata.normalize("NFKC", row[col]).strip()
        if _DATA_LIKE.match(text):
            return False
        cell = spread[col].strip()
        in_group = bool(cell) and any(0 <= other < len(spread) and spread[other].strip() == cell for other in (col - 1, col + 1))
        if not in_group:
            return False
    return True


def _far_header_row(top: SheetTop, column_map: ColumnMap) -> int | None:
    """The row below the usual search window whose cells name the most fields (two at least)."""
    best, best_count = None, 1
    for row in range(HEADER_SEARCH_ROWS, min(FAR_HEADER_SEARCH_ROWS, top.height)):
        count = sum(1 for text in top.text(row) if text and column_map.field_for(header_key(text)) is not None)
        if count > best_count:
            best, best_count = row, count
    return best


def _expected(column_map: ColumnMap, fields: list[str] | tuple[str, ...]) -> str:
    return "; ".join(f"{f} ({' / '.join(column_map.spellings[f][:3])})" for f in fields)


def _expected_zh(column_map: ColumnMap, fields: list[str] | tuple[str, ...]) -> str:
    return "、".join(column_map.spellings[f][0] for f in fields)


def _where_zh(grid: SheetGrid) -> str:
    return f"工作表“{grid.name}”" if grid.name else "文件"
