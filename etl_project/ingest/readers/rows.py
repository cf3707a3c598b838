"""Which rows under a header are data: blank rows, 合计/小计 rows, notes, header copies, template
placeholders and section rows ("一、秧河镇") are told apart column by column in Arrow, so a sheet of
a million rows is classified without visiting its cells in Python."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from etl_project.ingest.readers.column_map import header_key
from etl_project.ingest.readers.grid import SheetGrid
from etl_project.ingest.readers.layout import Layout
from etl_project.ingest.readers.values import invisible_removed

# One-cell rows right above a copy of the header that are skipped with it as its title.
MAX_TITLE_ROWS = 3
# Rows that total (or break down) other rows, by their label. A label may be qualified by what it
# spans: 本页小计 the rows of its printed page, 本月合计 those of its month, 全县合计 the sheet.
_BASE_LABELS = ("合计", "小计", "总计", "总合计", "共计", "累计", "汇总")
_QUALIFIERS = (
    "本页",
    "上页",
    "本月",
    "当月",
    "本季",
    "本季度",
    "本期",
    "本年",
    "全年",
    "自年初",
    "全县",
    "全乡",
    "全镇",
    "全村",
    "全区",
    "全市",
)
# 其中 opens a breakdown of the row above ("其中：财政专项资金"): part of a total, not a movement.
PART_LABEL = "其中"
TOTAL_LABELS = (*_BASE_LABELS, *(q + b for q in _QUALIFIERS for b in _BASE_LABELS), PART_LABEL)
_TOTAL = re.compile("^(?:" + "|".join(sorted(TOTAL_LABELS, key=len, reverse=True)) + ")")
# What each kind of total is checked against (see staging.investment.ledger_totals).
SPAN_SHEET, SPAN_GROUP, SPAN_PAGE, SPAN_PERIOD, SPAN_RUNNING, SPAN_PART = "sheet", "group", "page", "period", "running", "part"
_NOTE = re.compile(r"^(?:注|备注|说明|填表|审核|制表|负责人|单位负责人|联系人|数据来源|统计时间|填报|主管领导|签字|盖章)")


@dataclass
class RowKinds:
    data: np.ndarray  # positions of data rows
    blank: np.ndarray
    total: np.ndarray
    note: np.ndarray  # notes, header copies and template placeholder rows
    section: np.ndarray = field(default_factory=lambda: np.array([], dtype=int))  # "一、秧河镇"
    # per section row (same order): the place it names, for the rows below it
    section_names: list[str] = field(default_factory=list)


# Rows a template leaves for the system to fill in: "N" in every cell, "{.pid}", 示例, "…".
_PLACEHOLDER = r"^(?:[Nn]|[Xx]{1,3}|\{\.?[A-Za-z_][\w.]*[}{]?\}?|示例|样例|例|…+|\.{3,})$"
# A section row: one numbered cell naming a place ("一、秧河镇", "（二）板当镇", "3.猫营镇").
_SECTION = re.compile(
    r"^(?:[一二三四五六七八九十]{1,3}[、.．]|[(（][一二三四五六七八九十\d]{1,3}[)）]|\d{1,2}[、．])\s*"
    r"(?P<place>[\u4e00-\u9fff]{1,14}?(?:镇|乡|街道|街道办事处|办事处|苏木|县|区|旗|市))$"
)


def classify_rows(grid: SheetGrid, layout: Layout) -> RowKinds:
    """Split the rows under the header into data, blank, total (合计/小计/总计), note and section rows.

    A cell counts as filled when its text, after NFKC and without whitespace, is not empty; a total
    row's label starts the text of its first four cells (usually merged over the name columns); a
    note is a row with a single filled cell whose text opens like a note. A copy of the header
    (two tables in a sheet, exports pasted together, a header repeated at each printed page) is a
    note too, with the lone title cells right above it, and so is a template's placeholder row
    (every filled cell "N" or "{.pid}"). A section row is a single numbered cell naming a place
    ("一、秧河镇"): it sets the township (or county) of the rows below it. Decided column by column
    in Arrow, so a sheet of a million rows is classified without visiting its cells in Python.

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
    note = _placeholder_rows(body, counts) & ~total
    section = np.zeros(positions.size, dtype=bool)
    names = {}
    for row in np.flatnonzero((counts == 1) & ~total & ~note):
        lead = _lead_text(body, row)
        if _NOTE.search(lead):
            note[row] = True
        elif match := _SECTION.match(lead):
            section[row] = True
            names[row] = match.group("place")
    for row in _header_copies(layout, body, counts):
        note[row] = True
        above = row - 1
        # The title of the table the copy heads: one cell per row, as over the first header.
        while above >= 0 and row - above <= MAX_TITLE_ROWS and counts[above] == 1 and not total[above]:
            note[above] = True
            section[above] = False
            above -= 1
    data = ~(blank | total | note | section)
    return RowKinds(
        positions[data],
        positions[blank],
        positions[total],
        positions[note],
        positions[section],
        [names[row] for row in np.flatnonzero(section)],
    )


def _placeholder_rows(body: list[pa.Array], counts: np.ndarray) -> np.ndarray:
    """Rows whose every filled cell is a placeholder. Only rows opening with one (in their first two
    columns) are looked at in full: a data row never does, so a large sheet costs two scans."""
    opening = np.zeros(counts.size, dtype=bool)
    for column in body[:2]:
        opening |= _placeholder_cells(column)
    rows = np.flatnonzero(opening & (counts > 0))
    found = np.zeros(counts.size, dtype=bool)
    if rows.size:
        take = pa.array(rows)
        placeholders = sum(_placeholder_cells(column.take(take)).astype(np.int64) for column in body)
        found[rows] = placeholders == counts[rows]
    return found


def _placeholder_cells(column: pa.Array) -> np.ndarray:
    """Per cell, whether it holds a template's placeholder rather than a value."""
    found = pc.match_substring_regex(pc.utf8_trim_whitespace(column), _PLACEHOLDER)
    return pc.fill_null(found, False).to_numpy(zero_copy_only=False)


def _header_copies(layout: Layout, body: list[pa.Array], counts: np.ndarray) -> list[int]:
    """Rows of ``body`` that repeat the header: at least two filled cells, each of which is what
    the header says over its column (after header_key), in one of the header's rows.

    Candidates are the rows that hold, in one of the first two filled columns of a header row,
    that row's text exactly (two lookups in Arrow per header row); only those few are compared
    cell by cell.
    """
    block, written = layout.block, layout.written
    keys = [{header_key(rows[col]) for rows in (*block, *written)} - {""} for col in range(len(body))]
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
