"""Finding the table inside a sheet: its header rows, its columns, and which rows are data.

Real registry sheets open with a merged title and a unit/date row, spread their header over two
merged rows ("两不愁三保障" over four sub-columns), put 合计 rows among the data and notes below it.
The header is the row (or pair of rows) whose cells match the most known header spellings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from etl_project.readers.column_map import ColumnMap, header_key
from etl_project.readers.grid import SheetGrid

HEADER_SEARCH_ROWS = 30
MAX_HEADER_DEPTH = 3
_TOTAL = re.compile(r"^(?:合计|小计|总计|总合计|共计|累计|全县合计|全乡合计|汇总)")
_NOTE = re.compile(r"^(?:注|备注|说明|填表|审核|制表|负责人|单位负责人|联系人|数据来源|统计时间|填报|主管领导|签字|盖章)")


class LayoutError(Exception):
    """The sheet's table cannot be found or lacks required columns."""


@dataclass
class Layout:
    header_start: int
    header_depth: int
    columns: dict[str, int]  # field -> column position
    headers: dict[str, str]  # field -> header text as written
    unmapped_headers: list[str] = field(default_factory=list)

    @property
    def first_data_row(self) -> int:
        return self.header_start + self.header_depth


def _cell_text(cells: pd.DataFrame, row: int) -> list[str]:
    return ["" if v is None else str(v) for v in cells.iloc[row].tolist()]


def _filled_group_row(grid: SheetGrid, row: int, leaf: list[str]) -> list[str]:
    """The upper header row with each group name spread over the columns it spans.

    Merged ranges say exactly which columns a group covers; without them (CSV), a blank upper cell
    above a non-blank lower cell belongs to the group on its left.
    """
    group = _cell_text(grid.cells, row)
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
    rows = [_cell_text(grid.cells, start + offset) for offset in range(depth)]
    for offset in range(depth - 1):
        rows[offset] = _filled_group_row(grid, start + offset, rows[offset + 1])
    return rows


def _display_headers(rows: list[list[str]]) -> list[str]:
    return ["/".join(dict.fromkeys(r[col].strip() for r in rows if r[col].strip())) for col in range(len(rows[0]))]


def _names_for(grid: SheetGrid, start: int, depth: int) -> list[list[str]]:
    """For each column, the header keys to try, most specific first ("group/leaf", leaf, group)."""
    rows = _header_block(grid, start, depth)
    names = []
    for col in range(grid.cells.shape[1]):
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
    matched: dict[str, int] = {}
    for col, candidates in enumerate(names):
        for key in candidates:
            field_name = column_map.field_for(key)
            if field_name is not None:
                matched.setdefault(field_name, col)
                break
    return matched


def locate(grid: SheetGrid, column_map: ColumnMap) -> Layout:
    """The best-matching header block in the first rows of the sheet."""
    best: tuple[int, int, dict[str, int]] | None = None
    rows = min(HEADER_SEARCH_ROWS, len(grid.cells))
    for start in range(rows):
        if grid.cells.iloc[start].isna().all():
            continue
        for depth in range(1, MAX_HEADER_DEPTH + 1):
            if start + depth > len(grid.cells):
                break
            matched = _match(_names_for(grid, start, depth), column_map)
            # A deeper header must earn its extra rows by matching more fields: at equal matches
            # the shallower block wins, so a unit row above the header is not swallowed into it.
            if best is None or (len(matched), -depth) > (len(best[2]), -best[1]):
                best = (start, depth, matched)
    where = f"sheet {grid.name!r}" if grid.name else "the file"
    if best is None or not best[2]:
        raise LayoutError(f"{where}: no header row found; expected headers such as " + _expected(column_map, column_map.required))
    start, depth, matched = best
    missing = [f for f in column_map.required if f not in matched]
    display = _display_headers(_header_block(grid, start, depth))
    if missing:
        raise LayoutError(
            f"{where}, header at row {grid.row_number(start)}: missing required columns "
            + _expected(column_map, missing)
            + f"; headers found: {', '.join(h for h in display if h)}"
        )
    headers = {field_name: display[col] for field_name, col in matched.items()}
    mapped = set(matched.values())
    unmapped = [text for col, text in enumerate(display) if text and col not in mapped]
    return Layout(start, depth, matched, headers, unmapped)


def _expected(column_map: ColumnMap, fields: list[str] | tuple[str, ...]) -> str:
    return "; ".join(f"{f} ({' / '.join(column_map.spellings[f][:3])})" for f in fields)


@dataclass
class RowKinds:
    data: np.ndarray  # positions of data rows
    blank: np.ndarray
    total: np.ndarray
    note: np.ndarray


def classify_rows(grid: SheetGrid, layout: Layout) -> RowKinds:
    """Split the rows under the header into data, blank, total (合计/小计/总计) and note rows."""
    body = grid.cells.iloc[layout.first_data_row :]
    positions = np.arange(layout.first_data_row, len(grid.cells))
    if body.empty:
        empty = np.array([], dtype=int)
        return RowKinds(empty, empty, empty, empty)
    text = body.apply(lambda column: column.astype("string").str.normalize("NFKC").str.replace(r"\s+", "", regex=True))
    filled = text.notna() & (text != "")
    counts = filled.sum(axis=1).to_numpy()
    blank = counts == 0
    # The label of a total row sits in its first filled cell(s), usually merged over the name columns.
    first_cells = text.iloc[:, : min(4, text.shape[1])].fillna("").agg("".join, axis=1)
    total = first_cells.str.contains(_TOTAL).to_numpy() & ~blank
    lead = text.bfill(axis=1).iloc[:, 0].fillna("")
    note = (counts == 1) & lead.str.contains(_NOTE).to_numpy() & ~total
    data = ~(blank | total | note)
    return RowKinds(positions[data], positions[blank], positions[total], positions[note])
