"""One source file in, its data rows out: raw text per field, each row tagged with sheet and row number."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from etl_project.readers.column_map import ColumnMap
from etl_project.readers.grid import UnreadableFile, read_grids
from etl_project.readers.layout import LayoutError, classify_rows, locate

SHEET_COLUMN, ROW_COLUMN = "source_sheet", "source_row"


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
class Extract:
    rows: pd.DataFrame  # one column per mapped field (text), plus source_sheet and source_row
    headers: dict[str, str]  # field -> header as written (first sheet that has it)
    sheets: list[SheetSummary] = field(default_factory=list)
    ignored_sheets: list[str] = field(default_factory=list)
    skipped_rows: list[tuple[str, int, str]] = field(default_factory=list)  # (sheet, row, blank|total|note)
    encoding: str | None = None

    def count(self, attribute: str) -> int:
        return sum(getattr(s, attribute) for s in self.sheets)


def extract(path: Path, column_map: ColumnMap, display_name: str | None = None) -> Extract:
    name = display_name or path.name
    try:
        grids = read_grids(path)
    except UnreadableFile as exc:
        raise SourceFileError(str(exc)) from exc
    if not grids:
        raise SourceFileError(f"{name}: the workbook has no visible sheet")
    frames, headers, summaries, ignored, skipped, errors = [], {}, [], [], [], []
    for grid in grids:
        if grid.cells.empty:
            ignored.append(grid.name)
            continue
        try:
            layout = locate(grid, column_map)
        except LayoutError as exc:
            errors.append(str(exc))
            continue
        kinds = classify_rows(grid, layout)
        data = grid.cells.iloc[kinds.data]
        frame = pd.DataFrame({f: data.iloc[:, col].to_numpy() for f, col in layout.columns.items()})
        frame[SHEET_COLUMN] = grid.name
        frame[ROW_COLUMN] = [grid.row_number(p) for p in kinds.data]
        frames.append(frame)
        for f, header in layout.headers.items():
            headers.setdefault(f, header)
        for reason, positions in (("blank", kinds.blank), ("total", kinds.total), ("note", kinds.note)):
            skipped.extend((grid.name, grid.row_number(p), reason) for p in positions)
        summaries.append(
            SheetSummary(
                sheet=grid.name,
                header_row=grid.row_number(layout.header_start),
                rows_read=len(grid.cells) - layout.first_data_row,
                data_rows=len(kinds.data),
                blank_rows=len(kinds.blank),
                total_rows=len(kinds.total),
                note_rows=len(kinds.note),
            )
        )
    if not frames:
        detail = "; ".join(errors) if errors else "every sheet is empty"
        raise SourceFileError(f"{name}: {detail}")
    if errors:
        # A workbook may carry an instructions sheet next to the data; one that looks like a
        # broken copy of the table (some headers match) is an error, not something to skip.
        partial = [e for e in errors if "missing required columns" in e]
        if partial:
            raise SourceFileError(f"{name}: " + "; ".join(partial))
        ignored.extend(e.split(":")[0] for e in errors)
    rows = pd.concat(frames, ignore_index=True)
    for f in column_map.fields:
        if f not in rows.columns:
            rows[f] = None
    return Extract(rows, headers, summaries, ignored, skipped, grids[0].encoding)
