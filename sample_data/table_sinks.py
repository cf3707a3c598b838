"""Sheets for the small tables of the investment sources: xlsx, legacy xls (BIFF) or CSV.

Cells arrive as Python values: text, numbers, ``datetime.date`` (only xls writes real date cells)
or None for an empty cell. CSV writes them as Excel would export them. ``row`` is the 1-based
number of the next row as Excel (or a text editor, for CSV) shows it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import xlwt

from sample_data.sinks import XlsxTitledSheet, open_workbook


@dataclass(frozen=True)
class Header:
    names: tuple[str, ...]  # the leaf header of every column
    group: tuple[str, int, int] | None = None  # (name, first, last column) merged above some leaves
    merged_right: tuple[int, ...] = ()  # one-row header: columns whose cell is merged with the next one's

    @property
    def depth(self) -> int:
        return 1 if self.group is None else 2

    def rows(self) -> list[list[str]]:
        """The header as rows of text, with merged cells written once, at their top left."""
        if self.group is None:
            return [list(self.names)]
        name, first, last = self.group
        inside = range(first, last + 1)
        upper = [name if c == first else "" if c in inside else h for c, h in enumerate(self.names)]
        lower = [h if c in inside else "" for c, h in enumerate(self.names)]
        return [upper, lower]

    def one_row_cells(self) -> Iterator[tuple[int, str, bool]]:
        """A one-row header's cells to write, as (column, text, merged with the next column); a
        cell merged into the one before it is not written."""
        for c, text in enumerate(self.names):
            if c in self.merged_right:
                yield c, text, True
            elif c - 1 not in self.merged_right:
                yield c, text, False


def filled_cells(cells: list) -> Iterator[tuple[int, object]]:
    """The cells that hold a value, with their column: a spreadsheet leaves an empty cell unwritten."""
    return ((c, value) for c, value in enumerate(cells) if value is not None and value != "")


def csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    if isinstance(value, date):
        return f"{value.year}/{value.month}/{value.day}"
    return str(value)


class CsvTable:
    def __init__(self, path: Path, encoding: str, width: int):
        self._handle = open(path, "w", encoding=encoding, newline="")  # noqa: SIM115 (kept open across calls; close() closes it)
        self._writer = csv.writer(self._handle)
        self._width = width
        self.row = 1

    def line(self, cells: list) -> None:
        self._writer.writerow([csv_text(c) for c in cells] + [""] * (self._width - len(cells)))
        self.row += 1

    def title(self, text: str) -> None:
        self.line([text])

    unit = title

    def header(self, header: Header) -> None:
        for cells in header.rows():
            self.line(cells)

    def blank(self) -> None:
        self.line([])

    def close(self) -> None:
        self._handle.close()


class XlsxTable(XlsxTitledSheet):
    """One sheet of a workbook that holds a single table."""

    def __init__(self, path: Path, sheet: str, title: str, widths: tuple[int, ...]):
        self._book, self._formats = open_workbook(path, title)
        self._ws = self._book.add_worksheet(sheet)
        self._last = len(widths) - 1
        for c, width in enumerate(widths):
            self._ws.set_column(c, c, width)
        self.row = 1

    def header(self, header: Header) -> None:
        top, fmt = self.row - 1, self._formats["header"]
        if header.group is None:
            for c, text, merged in header.one_row_cells():
                if merged:
                    self._ws.merge_range(top, c, top, c + 1, text, fmt)
                else:
                    self._ws.write_string(top, c, text, fmt)
            self.row += 1
            return
        name, first, last = header.group
        for c, text in enumerate(header.names):
            if first <= c <= last:
                self._ws.write_string(top + 1, c, text, fmt)
            else:
                self._ws.merge_range(top, c, top + 1, c, text, fmt)
        self._ws.merge_range(top, first, top, last, name, fmt)
        self.row += 2

    def line(self, cells: list) -> None:
        for c, value in filled_cells(cells):
            if isinstance(value, str):
                self._ws.write_string(self.row - 1, c, value)
            else:
                self._ws.write_number(self.row - 1, c, value)
        self.row += 1

    def close(self) -> None:
        self._book.close()


class XlsTable:
    """A legacy Excel 97-2003 workbook (BIFF8 in an OLE2 container) with a single table."""

    def __init__(self, path: Path, sheet: str, title: str, widths: tuple[int, ...]):
        self._path = path
        self._book = xlwt.Workbook(encoding="utf-8")
        self._ws = self._book.add_sheet(sheet)
        self._last = len(widths) - 1
        for c, width in enumerate(widths):
            self._ws.col(c).width = 256 * width
        self._styles = {
            "title": xlwt.easyxf("font: bold on, height 320; align: horiz center, vert center"),
            "header": xlwt.easyxf(
                "font: bold on; align: horiz center, vert center, wrap on; borders: left thin, right thin, top thin, bottom thin"
            ),
            "date": xlwt.easyxf(num_format_str="yyyy-m-d"),
        }
        self.row = 1

    def title(self, text: str) -> None:
        self._ws.write_merge(self.row - 1, self.row - 1, 0, self._last, text, self._styles["title"])
        self.row += 1

    def unit(self, text: str) -> None:
        self._ws.write_merge(self.row - 1, self.row - 1, 0, self._last, text)
        self.row += 1

    def header(self, header: Header) -> None:
        if header.group is not None:
            raise ValueError("the legacy ledger has a one-row header")
        for c, text, merged in header.one_row_cells():
            if merged:
                self._ws.write_merge(self.row - 1, self.row - 1, c, c + 1, text, self._styles["header"])
            else:
                self._ws.write(self.row - 1, c, text, self._styles["header"])
        self.row += 1

    def line(self, cells: list) -> None:
        for c, value in filled_cells(cells):
            if isinstance(value, date):
                self._ws.write(self.row - 1, c, value, self._styles["date"])
            else:
                self._ws.write(self.row - 1, c, value)
        self.row += 1

    def blank(self) -> None:
        self.row += 1

    def close(self) -> None:
        self._book.save(str(self._path))


def open_table(path: Path, kind: str, sheet: str, title: str, widths: tuple[int, ...]):
    """``kind`` is "xlsx", "xls" or the encoding of a CSV file."""
    if kind == "xlsx":
        return XlsxTable(path, sheet, title, widths)
    if kind == "xls":
        return XlsTable(path, sheet, title, widths)
    return CsvTable(path, kind, len(widths))
