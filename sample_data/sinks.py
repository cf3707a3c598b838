"""Sheets to write rows into: an xlsx worksheet or a CSV file, with the same row numbering.

``row`` is always the 1-based number of the next row as Excel (or a text editor, for CSV) shows it,
which is what the truth file points at.
"""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import xlsxwriter

from sample_data.registry_forms import HeaderBlock

# Files carry this as their creation time, so that a seed always gives the same bytes.
EXPORTED = datetime(2021, 1, 8, 9, 30)
_WIDTHS = {
    "household_id": 18,
    "id_number": 20,
    "phone": 13,
    "attribute_code": 14,
    "main_cause_code": 12,
    "status_code": 16,
    "income_per_person": 12,
}


class CsvSheet:
    """One CSV file; every line has as many fields as the table has columns, as Excel exports do."""

    def __init__(self, path: Path, encoding: str, columns: list[str]):
        self._handle = open(path, "w", encoding=encoding, newline="")  # noqa: SIM115 (kept open across calls; close() closes it)
        self._writer = csv.writer(self._handle)
        self._width = len(columns)
        self.row = 1

    def _pad(self, cells: list) -> list:
        return [("" if c is None else c) for c in cells] + [""] * (self._width - len(cells))

    def title(self, text: str) -> None:
        self.line([text])

    unit = title

    def header(self, block: HeaderBlock) -> None:
        self._writer.writerows(block.rows)
        self.row += block.depth

    def rows(self, rows: list) -> None:
        self._writer.writerows(rows)
        self.row += len(rows)

    def blank(self) -> None:
        self.line([])

    def line(self, cells: list) -> None:
        self._writer.writerow(self._pad(cells))
        self.row += 1

    def close(self) -> None:
        self._handle.close()


def open_workbook(path: Path, title: str) -> tuple[xlsxwriter.Workbook, dict]:
    """A workbook stamped with EXPORTED, and the formats of its title, unit and header cells."""
    workbook = xlsxwriter.Workbook(str(path))
    workbook.set_properties({"title": title, "created": EXPORTED})
    add = workbook.add_format
    formats = {
        "title": add({"bold": True, "font_size": 16, "align": "center", "valign": "vcenter"}),
        "unit": add({"align": "left", "valign": "vcenter"}),
        "header": add({"bold": True, "align": "center", "valign": "vcenter", "text_wrap": True, "border": 1}),
    }
    return workbook, formats


class XlsxTitledSheet:
    """An xlsx worksheet whose title and unit rows are merged across the table's width; a subclass
    sets ``_ws``, ``_formats``, ``_last`` (the last column) and ``row``."""

    def title(self, text: str) -> None:
        self._ws.set_row(self.row - 1, 30)
        self._ws.merge_range(self.row - 1, 0, self.row - 1, self._last, text, self._formats["title"])
        self.row += 1

    def unit(self, text: str) -> None:
        self._ws.merge_range(self.row - 1, 0, self.row - 1, self._last, text, self._formats["unit"])
        self.row += 1

    def blank(self) -> None:
        self.row += 1


class XlsxBook:
    """One workbook; its sheets are written one after the other."""

    def __init__(self, path: Path, title: str):
        self.workbook, self.formats = open_workbook(path, title)

    def sheet(self, name: str, columns: list[str]) -> XlsxSheet:
        return XlsxSheet(self.workbook.add_worksheet(name), self.formats, columns)

    def close(self) -> None:
        self.workbook.close()


class XlsxSheet(XlsxTitledSheet):
    def __init__(self, worksheet, formats: dict, columns: list[str]):
        self._ws = worksheet
        self._formats = formats
        self._last = len(columns) - 1
        self.row = 1
        for c, name in enumerate(columns):
            worksheet.set_column(c, c, _WIDTHS.get(name, 9))

    def header(self, block: HeaderBlock) -> None:
        top, fmt = self.row - 1, self._formats["header"]
        covered = set()
        for r0, c0, r1, c1 in block.merges:
            self._ws.merge_range(top + r0, c0, top + r1, c1, block.rows[r0][c0], fmt)
            covered |= {(r, c) for r in range(r0, r1 + 1) for c in range(c0, c1 + 1)}
        for r, cells in enumerate(block.rows):
            for c, text in enumerate(cells):
                if (r, c) not in covered and text:
                    self._ws.write_string(top + r, c, text, fmt)
        self.row += block.depth

    def rows(self, rows: list) -> None:
        write, r = self._ws.write_row, self.row - 1
        for cells in rows:
            write(r, 0, cells)
            r += 1
        self.row = r + 1

    def line(self, cells: list) -> None:
        self._ws.write_row(self.row - 1, 0, cells)
        self.row += 1

    def close(self) -> None:
        pass
