"""One source file in, its data rows out: raw text per field, each row tagged with sheet and row number."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl_project.core import money_units as units
from etl_project.core.refusal import Refusal, both
from etl_project.core.settings import Reading
from etl_project.ingest.readers.column_map import ColumnMap
from etl_project.ingest.readers.context import SheetContext, sheet_context, with_sections
from etl_project.ingest.readers.grid import SheetGrid, UnreadableFile, read_grids
from etl_project.ingest.readers.layout import HEADER_SEARCH_ROWS, Layout, LayoutError, _display_headers, locate, missing_columns
from etl_project.ingest.readers.rows import classify_rows, filled_cells, total_label

SHEET_COLUMN, ROW_COLUMN = "source_sheet", "source_row"
# Of a wide table's rows: the column (0-based in the sheet) each value was read from.
COLUMN_COLUMN = "source_column"


def _sheet_unit(grid: SheetGrid, header_start: int) -> tuple[float, list[str]]:
    """The money unit the lines above the table state ("单位：人民币万元"), 元 when none does, and
    what could not be made of them: a unit the pipeline does not know, or several that disagree."""
    cells = grid.head(header_start)
    stated: list[tuple[int, units.UnitStatement]] = []
    for row in range(header_start):
        text = " ".join(str(v) for v in cells.iloc[row] if v is not None)
        stated.extend((grid.row_number(row), statement) for statement in units.unit_statements(text))
    where = f"sheet {grid.name!r}, " if grid.name else ""
    doubts = [f"{where}row {row}: the unit {s.text!r} cannot be read: {s.doubt}" for row, s in stated if s.doubt]
    scales = {s.scale for _, s in stated if s.scale is not None}
    if len(scales) > 1:
        doubts.append(f"{where}the lines above the table state different money units ({'; '.join(s.text for _, s in stated)})")
    if doubts:
        texts = "、".join(f"“{s.text}”" for _, s in stated)
        return 1.0, [
            "; ".join(doubts) + "; amounts without a unit of their own were read as 元 (yuan): state one unit, e.g. 单位：万元. "
            f"{_sheet_zh(grid)}表头上方的单位{texts}无法确定金额单位，未注明单位的金额已按元读取：请只写一个单位，如“单位：万元”"
        ]
    return (scales.pop() if scales else 1.0), []


class SourceFileError(Refusal):
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
    section_rows: int = 0


@dataclass
class SheetReport:
    """One sheet of the workbook, read or not, and why: no sheet goes unmentioned."""

    sheet: str
    visibility: str  # visible, hidden or veryhidden
    read: bool
    rows: int  # read: the rows under its header (each loaded, quarantined or skipped); else its non-blank rows
    reason: str
    # what the title, file name, sheet name and section rows said about its rows, and where
    context: dict | None = None
    header_row: int | None = None  # read: where its header starts, as Excel numbers rows
    unit: str | None = None  # read: the money units its amounts were read in (core.money_units.units_read)

    def as_dict(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None and (k != "context" or v)}


@dataclass
class SheetRows:
    """The data rows of one sheet, their text still in Arrow."""

    sheet: str
    texts: dict[str, pa.Array]  # field -> text of each data row (the fields this sheet has)
    row_numbers: np.ndarray
    context: SheetContext | None = None
    # a wide table: each data row is one value of its row (a cell of one of the wide columns)
    columns: np.ndarray | None = None  # the sheet column of each value
    scales: dict[str, np.ndarray] = field(default_factory=dict)  # field -> unit scale of each value


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
    # every sheet of the workbook, read or not, and what a person should know about how it was read
    sheet_reports: list[SheetReport] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # a wide table's 合计 columns against the columns they add up, one row per row and total column
    column_totals: pd.DataFrame = field(default_factory=pd.DataFrame)
    column_headers: dict[tuple[str, int], str] = field(default_factory=dict)  # (sheet, column) -> header of a wide column
    # per sheet read: the column map's layout its header is in (None: the source's own), and the
    # text above its header (the title a year or a county may be read from)
    layouts: dict[str, str | None] = field(default_factory=dict)
    above_header: dict[str, str] = field(default_factory=dict)
    _texts: dict[str, pa.Array] = field(default_factory=dict, repr=False, compare=False)

    @property
    def wide(self) -> bool:
        return any(part.columns is not None for part in self.sheet_rows)

    def replace_text(self, part: SheetRows, name: str, text: pa.Array) -> None:
        """A field's text of one sheet, as context filled it in."""
        part.texts[name] = text
        self._texts.pop(name, None)
        self.__dict__.pop("rows", None)

    @cached_property
    def rows(self) -> pd.DataFrame:
        """One column per mapped field (text: str, or None/NaN where empty or where the sheet has no
        such column), plus source_sheet and source_row. Made on first use: staging reads the text
        in Arrow (``text``), and a Python string for every cell of a large file costs more than
        typing it."""
        frames = []
        for part in self.sheet_rows:
            frame = pd.DataFrame(
                {name: column.to_numpy(zero_copy_only=False) for name, column in part.texts.items()}, index=range(len(part.row_numbers))
            )
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
        """source_sheet and source_row of each data row, indexed like ``rows`` (and the column of
        each value, for a wide table)."""
        frames = []
        for part in self.sheet_rows:
            frame = pd.DataFrame({SHEET_COLUMN: part.sheet, ROW_COLUMN: part.row_numbers}, index=range(len(part.row_numbers)))
            if self.wide:
                frame[COLUMN_COLUMN] = part.columns if part.columns is not None else -1
            frames.append(frame)
        return pd.concat(frames, ignore_index=True)

    def text(self, name: str) -> pa.Array:
        """A field's text over all data rows as one Arrow string array, null where ``rows`` has no
        text (an empty cell, a sheet without the column, a field no sheet has)."""
        if name not in self._texts:
            parts = [part.texts.get(name) for part in self.sheet_rows]
            parts = [
                pa.nulls(len(p.row_numbers), pa.string()) if t is None else t.cast(pa.string()) for t, p in zip(parts, self.sheet_rows)
            ]
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
        found = {
            f: pd.Series(
                np.array([self.units[s].get(f, 1.0) if s in self.units else np.nan for s in names] + [np.nan], dtype=float)[codes],
                index=sheets.index,
                name=SHEET_COLUMN,
            )
            for f in fields
        }
        # A wide table's columns state their own units ("资金来源（万元）/财政专项").
        for f in {f for part in self.sheet_rows for f in part.scales}:
            found[f] = pd.Series(
                np.concatenate(
                    [
                        part.scales.get(f, np.full(len(part.row_numbers), self.units.get(part.sheet, {}).get(f, 1.0)))
                        for part in self.sheet_rows
                    ]
                ),
                index=sheets.index,
                name=SHEET_COLUMN,
            )
        return found

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


def extract(path: Path, column_map: ColumnMap, display_name: str | None = None, reading: Reading = Reading()) -> Extract:
    """The file read in one pass down each sheet: grid → header block → context → rows."""
    name = display_name or path.name
    try:
        grids = read_grids(path, reading)
    except UnreadableFile as exc:
        raise SourceFileError(exc.en, exc.zh) from exc
    if not grids:
        raise SourceFileError(f"{name}: the workbook has no sheet", "工作簿中没有工作表")
    frames, headers, summaries, skipped, errors, units_of, totals, column_totals = [], {}, [], [], [], {}, [], []
    column_headers = {}
    reports, warnings, layouts, above_header = [], [], {}, {}
    supplied = frozenset(column_map.context.values())
    for grid in grids:
        if grid.height == 0 or grid.width == 0:
            reports.append(SheetReport(grid.name, grid.visibility, False, 0, "empty"))
            continue
        try:
            layout = locate(grid, column_map, supplied)
            context = sheet_context(_title_rows(grid, layout.header_start), name, grid.name)
            kinds = classify_rows(grid, layout)
            with_sections(context, kinds.data, kinds.section, kinds.section_names, grid.row_numbers(kinds.section))
            _check_supplied(grid, column_map, layout, context)
        except LayoutError as exc:
            filled = _filled_rows(grid)
            reason = f"not read: {_after_sheet(exc.en)}" if filled else "empty"
            reports.append(SheetReport(grid.name, grid.visibility, False, filled, reason))
            if grid.visibility != "visible" and exc.table_found:
                # Templates hide the lists their drop-downs offer (县, 乡镇, 行政村) in a sheet of
                # their own: a partial table there is no reason to refuse the file, but it is said.
                warnings.append(
                    f"sheet {grid.name!r} is {grid.visibility} and holds a table that was not read: {_after_sheet(exc.en)}. "
                    f"工作表“{grid.name}”被隐藏，其中的表格不完整，未读取"
                )
                continue
            errors.append(exc)
            continue
        for f, header in layout.headers.items():
            headers.setdefault(f, header)
        layouts[grid.name] = layout.layout
        above = grid.head(layout.header_start)
        above_header[grid.name] = " ".join(
            str(v) for row in range(layout.header_start) for v in above.iloc[row] if v is not None and str(v).strip()
        )
        sheet_unit, doubts = _sheet_unit(grid, layout.header_start)
        warnings.extend(doubts)
        units_of[grid.name] = {f: units.header_scale(h) or sheet_unit for f, h in layout.headers.items()}
        if layout.wide is None:
            frames.append(SheetRows(grid.name, _taken(grid, kinds.data, layout.columns), grid.row_numbers(kinds.data), context))
            totals.append(_total_frame(grid, kinds.total, layout.columns))
        else:
            frames.append(_wide_rows(grid, layout, kinds.data, sheet_unit, context))
            column_headers.update({(grid.name, col): header for col, header in layout.wide.headers.items()})
            totals.append(_wide_totals(grid, layout, kinds.total))
            column_totals.append(_column_totals(grid, layout, np.sort(np.concatenate([kinds.data, kinds.total])), sheet_unit))
        for reason, positions in (("blank", kinds.blank), ("total", kinds.total), ("note", kinds.note), ("section", kinds.section)):
            skipped.extend((grid.name, grid.row_number(p), reason) for p in positions)
        header_row = grid.row_number(layout.header_start)
        summaries.append(
            SheetSummary(
                sheet=grid.name,
                header_row=header_row,
                rows_read=grid.height - layout.first_data_row,
                data_rows=len(kinds.data),
                blank_rows=len(kinds.blank),
                total_rows=len(kinds.total),
                note_rows=len(kinds.note),
                section_rows=len(kinds.section),
            )
        )
        rows_below = grid.height - layout.first_data_row
        stated = [*layout.headers.values(), *(layout.wide.headers.values() if layout.wide is not None else ())]
        reports.append(
            SheetReport(
                grid.name,
                grid.visibility,
                True,
                rows_below,
                f"read: header at row {header_row}, {rows_below} rows below it",
                context.as_dict(),
                header_row,
                units.units_read(sheet_unit, stated),
            )
        )
        if grid.visibility != "visible":
            warnings.append(
                f"sheet {grid.name!r} is {grid.visibility} in the workbook; its {len(kinds.data)} data rows were read like "
                f"any other sheet's: delete the sheet if it is not data. 工作表“{grid.name}”在工作簿中被隐藏，其 "
                f"{len(kinds.data)} 行数据已照常读取；如不是数据，请删除该表"
            )
        if layout.header_start >= HEADER_SEARCH_ROWS:
            warnings.append(
                f"{_where(grid)}the header is at row {header_row}, under {layout.header_start} rows of other text; "
                f"the table below it was read. {_sheet_zh(grid)}表头在第 {header_row} 行，其上有 {layout.header_start} "
                "行其他内容；其下的表格已读取"
            )
    if not frames:
        if not errors:
            raise SourceFileError(f"{name}: every sheet is empty", "所有工作表都是空的")
        # A sheet whose table is there but broken is the reason; the sheets with no table (an
        # instructions sheet) are named only when no sheet has one.
        raise SourceFileError(*both([e for e in errors if e.table_found] or errors, f"{name}: "))
    if errors:
        # A workbook may carry an instructions sheet next to the data; a sheet whose table is there
        # but broken (required columns missing, conflicting copies of one) is an error, not something
        # to skip.
        broken = [e for e in errors if e.table_found]
        if broken:
            raise SourceFileError(*both(broken, f"{name}: "))
    total_rows = (
        pd.concat(totals, ignore_index=True) if totals else pd.DataFrame(columns=[*column_map.fields, "label", SHEET_COLUMN, ROW_COLUMN])
    )
    for f in column_map.fields:
        if f not in total_rows.columns:
            total_rows[f] = None
    return Extract(
        sheet_rows=frames,
        fields=tuple(column_map.fields),
        headers=headers,
        sheets=summaries,
        ignored_sheets=[r.sheet for r in reports if not r.read],
        skipped_rows=skipped,
        totals=total_rows,
        encoding=grids[0].encoding,
        units=units_of,
        sheet_reports=reports,
        warnings=warnings,
        column_totals=pd.concat(column_totals, ignore_index=True) if column_totals else pd.DataFrame(),
        column_headers=column_headers,
        layouts=layouts,
        above_header=above_header,
    )


def _title_rows(grid: SheetGrid, header_start: int) -> list[tuple[int, str]]:
    """The rows above the header as (Excel row, their cells' text joined)."""
    return [
        (grid.row_number(row), " ".join(text for text in cells if text.strip())) for row, cells in enumerate(grid.head_text(header_start))
    ]


def _check_supplied(grid: SheetGrid, column_map: ColumnMap, layout: Layout, context: SheetContext) -> None:
    """A required field without a column must be given by the title, file or sheet name, or the
    section rows; otherwise the sheet lacks it like any missing column."""
    given = {
        "county": context.names_a_county() or (context.sections is not None and any(context.sections)),
        "township": context.township is not None or (context.sections is not None and any(context.sections)),
        "year": context.year is not None or bool(context.years_disagree),
    }
    lacking = [f for f in layout.missing if not any(given.get(kind) for kind, target in column_map.context.items() if target == f)]
    if lacking:
        raise missing_columns(grid, column_map, layout.header_start, lacking, _display_headers(layout.block), len(layout.columns))


def _total_frame(grid: SheetGrid, positions: np.ndarray, columns: dict) -> pd.DataFrame:
    frame = _rows_frame(grid, positions, columns)
    cells = _rows_frame(grid, positions, dict(enumerate(range(min(grid.width, 4)))))
    frame["label"] = [total_label(list(row)) for row in cells.itertuples(index=False)]
    frame[SHEET_COLUMN] = grid.name
    frame[ROW_COLUMN] = grid.row_numbers(positions)
    return frame


def _wide_rows(grid: SheetGrid, layout: Layout, data: np.ndarray, sheet_unit: float, context: SheetContext) -> SheetRows:
    """One value per non-empty cell of the wide columns, each carrying its row's other fields; a
    row with no value at all is kept once, its measure empty, so that it is rejected, not lost."""
    wide = layout.wide
    parts = sorted(wide.parts)
    cells = (
        np.stack([filled_cells(grid.columns[col].take(pa.array(data, pa.int64()))) for col in parts], axis=1)
        if len(data)
        else np.zeros((0, len(parts)), bool)
    )
    empty = ~cells.any(axis=1)
    cells[empty, 0] = True  # the row's one value: nothing, under the first column
    which_row, which_part = np.nonzero(cells)
    positions = data[which_row]
    columns = np.array(parts, dtype=np.int64)[which_part]
    texts = _taken(grid, positions, layout.columns)
    values = pa.array([grid.columns[col][int(p)].as_py() for p, col in zip(positions, columns)], pa.string())
    texts[wide.measure] = pc.if_else(pa.array(empty[which_row]), pa.scalar(None, pa.string()), values)
    texts[wide.field] = pa.array([wide.parts[int(col)] for col in columns], pa.string())
    scales = np.array([units.header_scale(wide.headers[int(col)]) or sheet_unit for col in columns], dtype=float)
    part = SheetRows(grid.name, texts, grid.row_numbers(positions), context, columns, {wide.measure: scales})
    if context.sections is not None:
        context.sections = context.sections[which_row]
        context.section_rows = context.section_rows[which_row]
    return part


def _wide_totals(grid: SheetGrid, layout: Layout, positions: np.ndarray) -> pd.DataFrame:
    """A wide table's 合计 rows, one row per total row and wide column: each column's total is
    checked against that column's values."""
    frames = []
    for col in sorted(layout.wide.parts):
        frame = _total_frame(grid, positions, layout.columns)
        frame[layout.wide.measure] = grid.columns[col].take(pa.array(positions, pa.int64())).to_numpy(zero_copy_only=False)
        frame[COLUMN_COLUMN] = col
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _column_totals(grid: SheetGrid, layout: Layout, positions: np.ndarray, sheet_unit: float) -> pd.DataFrame:
    """Per row (data and 合计 rows) and 合计 column of the wide group: the total as written, with
    the texts and scales of the columns it adds up."""
    wide = layout.wide
    if not wide.totals or not len(positions):
        return pd.DataFrame()
    take = pa.array(positions, pa.int64())
    parts = sorted(wide.parts)
    part_texts = [grid.columns[col].take(take).to_pylist() for col in parts]
    part_scales = [units.header_scale(wide.headers[col]) or sheet_unit for col in parts]
    frames = []
    for col in wide.totals:
        frames.append(
            pd.DataFrame(
                {
                    SHEET_COLUMN: grid.name,
                    ROW_COLUMN: grid.row_numbers(positions),
                    "label": f"{wide.headers[col]}（{grid.column_letter(col)}列）",
                    "stated": grid.columns[col].take(take).to_pylist(),
                    "stated_scale": units.header_scale(wide.headers[col]) or sheet_unit,
                    "parts": list(zip(*part_texts)),
                    "part_scales": [tuple(part_scales)] * len(positions),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def _where(grid: SheetGrid) -> str:
    return f"sheet {grid.name!r}: " if grid.name else ""


def _sheet_zh(grid: SheetGrid) -> str:
    return f"工作表“{grid.name}”：" if grid.name else ""


def _after_sheet(message: str) -> str:
    """A layout message without its leading "sheet 'X':", which the sheet report names already."""
    return message.split(": ", 1)[1] if message.startswith("sheet ") and ": " in message else message


def _filled_rows(grid: SheetGrid) -> int:
    """Rows with at least one non-blank cell."""
    if grid.height == 0:
        return 0
    filled = np.zeros(grid.height, dtype=bool)
    for column in grid.columns:
        filled |= filled_cells(column)
    return int(filled.sum())
