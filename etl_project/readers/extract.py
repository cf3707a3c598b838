"""One source file in, its data rows out: raw text per field, each row tagged with sheet and row number."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from etl_project.readers.column_map import ColumnMap
from etl_project.readers.grid import SheetGrid, UnreadableFile, read_grids
from etl_project.readers.layout import LayoutError, classify_rows, locate

SHEET_COLUMN, ROW_COLUMN = "source_sheet", "source_row"
UNIT_SCALES = {"亿元": 1e8, "万元": 1e4, "千元": 1e3, "元": 1.0}
_UNIT_IN_HEADER = re.compile(r"[(（\[【]\s*(亿元|万元|千元|元)\s*[)）\]】]|(亿元|万元|千元)$")
_UNIT_ROW = re.compile(r"单位\s*[:：]\s*(?:[^\s,，;；]*[、,，])*\s*(亿元|万元|千元|元)")


def _unit_of(text: str) -> float | None:
    match = _UNIT_IN_HEADER.search(unicodedata.normalize("NFKC", text).replace(" ", ""))
    if match:
        return UNIT_SCALES[match.group(1) or match.group(2)]
    return None


def _sheet_unit(cells: pd.DataFrame, header_start: int) -> float:
    # ``cells`` holds at least the rows above the header.
    """The unit a title or unit row above the table states ("单位：万元"); yuan when none does."""
    for row in range(header_start):
        text = unicodedata.normalize("NFKC", " ".join(str(v) for v in cells.iloc[row] if v is not None))
        match = _UNIT_ROW.search(text)
        if match:
            return UNIT_SCALES[match.group(1)]
    return 1.0


class SourceFileError(Exception):
    """A file that cannot be loaded at all. The message names the file, sheet and what is wrong."""


@dataclass
class SheetSummary:
    sheet: str
    header_row: int
    rows_read: int
    data_rows: int
    blank_rows: int
    total_rows: int
    note_rows: int


@dataclass
class SheetRows:
    """The data rows of one sheet, their text still in Arrow."""

    sheet: str
    texts: dict[str, pa.Array]  # field -> text of each data row (the fields this sheet has)
    row_numbers: np.ndarray


@dataclass
class Extract:
    sheet_rows: list[SheetRows]
    fields: tuple[str, ...]  # every field of the column map
    headers: dict[str, str]  # field -> header as written (first sheet that has it)
    sheets: list[SheetSummary] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)
    skipped_rows: list[tuple[str, int, str]] = field(default_factory=list)  # (sheet, row, blank|total|note)
    # the 合计/小计 rows themselves: label, the mapped fields' text, sheet and row
    totals: pd.DataFrame = field(default_factory=pd.DataFrame)
    encoding: str | None = None
    # per sheet: field -> scale of its amounts (万元 → 10 000), from the header or the unit row
    units: dict[str, dict[str, float]] = field(default_factory=dict)
    _texts: dict[str, pa.Array] = field(default_factory=dict, repr=False, compare=False)

    @cached_property
    def rows(self) -> pd.DataFrame:
        """One column per mapped field (text: str, or None/NaN where empty or where the sheet has no
        such column), plus source_sheet and source_row. Made on first use: staging reads the text
        in Arrow (``text``), and a Python string for every cell of a large file costs more than
        typing it."""
        frames = []
        for part in self.sheet_rows:
            frame = pd.DataFrame({name: column.to_numpy(zero_copy_only=False) for name, column in part.texts.items()}, index=range(len(part.row_numbers)))
            frame[SHEET_COLUMN] = part.sheet
            frame[ROW_COLUMN] = part.row_numbers
            frames.append(frame)
        rows = pd.concat(frames, ignore_index=True)
        for f in self.fields:
            if f not in rows.columns:
                rows[f] = None
        return rows

    @cached_property
    def provenance(self) -> pd.DataFrame:
        """source_sheet and source_row of each data row, indexed like ``rows``."""
        return pd.concat(
            [pd.DataFrame({SHEET_COLUMN: part.sheet, ROW_COLUMN: part.row_numbers}, index=range(len(part.row_numbers))) for part in self.sheet_rows],
            ignore_index=True,
        )

    def text(self, name: str) -> pa.Array:
        """A field's text over all data rows as one Arrow string array, null where ``rows`` has no
        text (an empty cell, a sheet without the column, a field no sheet has)."""
        if name not in self._texts:
            parts = [part.texts.get(name) for part in self.sheet_rows]
            parts = [pa.nulls(len(p.row_numbers), pa.string()) if t is None else t.cast(pa.string()) for t, p in zip(parts, self.sheet_rows)]
            self._texts[name] = pa.concat_arrays(parts) if parts else pa.array([], pa.string())
        return self._texts[name]

    def column(self, name: str) -> pd.Series:
        """``text`` as a pandas string Series (Arrow-backed), indexed like ``rows``."""
        return pd.Series(pd.arrays.ArrowStringArray(self.text(name)), index=self.provenance.index, name=name)

    def cell(self, name: str, position: int) -> str | None:
        """One cell of ``rows`` (by row position) as text; None where it has none."""
        if name not in self.fields:
            return None
        return self.text(name)[int(position)].as_py()

    def money_multipliers(self) -> dict[str, pd.Series]:
        """Per field, the scale of each row's amount, following the sheet the row came from."""
        if not self.units:
            return {}
        sheets = self.provenance[SHEET_COLUMN]
        codes, names = pd.factorize(sheets)
        fields = {f for per_sheet in self.units.values() for f in per_sheet}
        # One scale per sheet, spread over its rows (a sheet no unit is known for gives NaN).
        return {
            f: pd.Series(np.array([self.units[s].get(f, 1.0) if s in self.units else np.nan for s in names] + [np.nan], dtype=float)[codes], index=sheets.index, name=SHEET_COLUMN)
            for f in fields
        }

    def count(self, attribute: str) -> int:
        return sum(getattr(s, attribute) for s in self.sheets)


def _taken(grid: SheetGrid, positions: np.ndarray, columns: dict) -> dict[str, pa.Array]:
    take = pa.array(np.asarray(positions, dtype=np.int64))
    return {name: grid.columns[col].take(take) for name, col in columns.items()}


def _rows_frame(grid: SheetGrid, positions: np.ndarray, columns: dict) -> pd.DataFrame:
    """The given rows of the grid, one text column (str or None) per entry of ``columns``."""
    return pd.DataFrame(
        {name: column.to_numpy(zero_copy_only=False) for name, column in _taken(grid, positions, columns).items()},
        index=range(len(positions)),
    )


def extract(path: Path, column_map: ColumnMap, display_name: str | None = None) -> Extract:
    name = display_name or path.name
    try:
        grids = read_grids(path)
    except UnreadableFile as exc:
        raise SourceFileError(str(exc)) from exc
    if not grids:
        raise SourceFileError(f"{name}: the workbook has no visible sheet")
    frames, headers, summaries, ignored, skipped, errors, units, totals = [], {}, [], [], [], [], {}, []
    for grid in grids:
        if grid.height == 0 or grid.width == 0:
            ignored.append(grid.name)
            continue
        try:
            layout = locate(grid, column_map)
        except LayoutError as exc:
            errors.append(exc)
            continue
        kinds = classify_rows(grid, layout)
        frames.append(SheetRows(grid.name, _taken(grid, kinds.data, layout.columns), grid.row_numbers(kinds.data)))
        total_frame = _rows_frame(grid, kinds.total, layout.columns)
        # A sheet has few total rows; a 小计 covers its group, anything else (合计, 总计) the sheet.
        total_cells = _rows_frame(grid, kinds.total, dict(enumerate(range(grid.width))))
        total_frame["label"] = ["小计" if "小计" in "".join(str(v) for v in row if v is not None) else "合计" for row in total_cells.itertuples(index=False)]
        total_frame[SHEET_COLUMN] = grid.name
        total_frame[ROW_COLUMN] = grid.row_numbers(kinds.total)
        totals.append(total_frame)
        for f, header in layout.headers.items():
            headers.setdefault(f, header)
        sheet_unit = _sheet_unit(grid.head(layout.header_start), layout.header_start)
        units[grid.name] = {f: _unit_of(h) or sheet_unit for f, h in layout.headers.items()}
        for reason, positions in (("blank", kinds.blank), ("total", kinds.total), ("note", kinds.note)):
            skipped.extend((grid.name, grid.row_number(p), reason) for p in positions)
        summaries.append(
            SheetSummary(
                sheet=grid.name,
                header_row=grid.row_number(layout.header_start),
                rows_read=grid.height - layout.first_data_row,
                data_rows=len(kinds.data),
                blank_rows=len(kinds.blank),
                total_rows=len(kinds.total),
                note_rows=len(kinds.note),
            )
        )
    if not frames:
        detail = "; ".join(map(str, errors)) if errors else "every sheet is empty"
        raise SourceFileError(f"{name}: {detail}")
    if errors:
        # A workbook may carry an instructions sheet next to the data; a sheet whose table is there
        # but broken (required columns missing, conflicting copies of one) is an error, not something
        # to skip.
        broken = [str(e) for e in errors if e.table_found]
        if broken:
            raise SourceFileError(f"{name}: " + "; ".join(broken))
        ignored.extend(str(e).split(":")[0] for e in errors)
    total_rows = pd.concat(totals, ignore_index=True) if totals else pd.DataFrame(columns=[*column_map.fields, "label", SHEET_COLUMN, ROW_COLUMN])
    for f in column_map.fields:
        if f not in total_rows.columns:
            total_rows[f] = None
    return Extract(
        sheet_rows=frames,
        fields=tuple(column_map.fields),
        headers=headers,
        sheets=summaries,
        ignored_sheets=ignored,
        skipped_rows=skipped,
        totals=total_rows,
        encoding=grids[0].encoding,
        units=units,
    )
