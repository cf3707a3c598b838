"""Read a spreadsheet file into grids of text cells, one per sheet, with Excel's row numbers.

Nothing is interpreted here: title rows, unit rows, headers, totals and notes all come back as
cells, so the layout step can find the table and every row can be traced to the file.
The format is decided by the file's bytes, not its extension: counties rename .xls to .xlsx and
save CSV as .xls.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from dataclasses import dataclass, field
from functools import cached_property
from itertools import zip_longest
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree

import fastexcel
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl_project.readers import plain_csv
from etl_project.readers.encoding import UndecodableText, decode_text

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# (first_row, first_col, last_row, last_col), 0-based and inclusive, relative to the sheet.
MergedRange = tuple[int, int, int, int]


class UnreadableFile(Exception):
    """The file cannot be read as a spreadsheet at all; the message says why, for a person."""


@dataclass
class SheetGrid:
    name: str  # "" for CSV
    # One Arrow string array per sheet column, null where the cell is empty. Columnar, so that
    # finding and typing the rows of a large sheet never walks its cells one by one in Python.
    columns: list[pa.Array]
    first_row_number: int = 1  # the Excel row (CSV line) number of the first row
    merged: list[MergedRange] = field(default_factory=list)
    encoding: str | None = None
    # CSV records with quoted line breaks make line numbers jump, so CSV keeps each record's own.
    line_numbers: list[int] | None = None
    _heads: dict[int, pd.DataFrame] = field(default_factory=dict, repr=False, compare=False)
    _head_texts: dict[int, list[tuple[str, ...]]] = field(default_factory=dict, repr=False, compare=False)

    @property
    def height(self) -> int:
        return len(self.columns[0]) if self.columns else 0

    @property
    def width(self) -> int:
        return len(self.columns)

    def head(self, rows: int) -> pd.DataFrame:
        """The first rows as text cells (str or None), columns 0..n-1: where titles and headers are."""
        if rows not in self._heads:
            self._heads[rows] = _frame([column.slice(0, rows) for column in self.columns])
        return self._heads[rows]

    def head_text(self, rows: int) -> list[tuple[str, ...]]:
        """The first rows as text, "" for an empty cell: what the header search compares."""
        if rows not in self._head_texts:
            self._head_texts[rows] = [tuple("" if v is None else str(v) for v in row) for row in self.head(rows).itertuples(index=False)]
        return self._head_texts[rows]

    @cached_property
    def cells(self) -> pd.DataFrame:
        """Every cell as text (str or None), columns 0..n-1."""
        return _frame(self.columns)

    def row_number(self, position: int) -> int:
        if self.line_numbers is not None:
            return self.line_numbers[position]
        return self.first_row_number + position

    def row_numbers(self, positions: np.ndarray) -> np.ndarray:
        positions = np.asarray(positions, dtype=np.int64)
        if self.line_numbers is not None:
            return np.asarray(self.line_numbers, dtype=np.int64)[positions]
        return self.first_row_number + positions


def _frame(columns: list[pa.Array]) -> pd.DataFrame:
    height = len(columns[0]) if columns else 0
    return pd.DataFrame(
        {i: column.to_numpy(zero_copy_only=False) for i, column in enumerate(columns)}, index=range(height), columns=range(len(columns)), dtype=object
    )


def _blank_to_null(column: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)


def sniff_format(path: Path) -> str:
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE2_MAGIC):
        return "xls"
    return "csv"


def read_grids(path: Path) -> list[SheetGrid]:
    """Every visible sheet of the file as text cells."""
    if not path.exists():
        raise UnreadableFile(f"{path.name}: file not found")
    if path.stat().st_size == 0:
        raise UnreadableFile(f"{path.name}: the file is empty (0 bytes)")
    kind = sniff_format(path)
    if kind == "csv":
        return [_read_csv(path)]
    return _read_excel(path, kind)


def _read_csv(path: Path) -> SheetGrid:
    try:
        text, encoding = decode_text(path)
    except UndecodableText as exc:
        raise UnreadableFile(str(exc)) from exc
    if "\x00" in text[:4096]:
        raise UnreadableFile(f"{path.name}: binary content, neither a workbook nor a CSV text file")
    plain = plain_csv.columns(text)
    if plain is not None:
        # Plain CSV, one record per line: Arrow reads it as the csv module would.
        columns = [_blank_to_null(column) for column in plain]
        return SheetGrid(name="", columns=columns, encoding=encoding)
    columns, line_numbers = _csv_module_columns(text)
    return SheetGrid(name="", columns=columns, encoding=encoding, line_numbers=line_numbers)


def _csv_module_columns(text: str) -> tuple[list[pa.Array], list[int] | None]:
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = list(reader)
    line_numbers = None
    if reader.line_num != len(rows):
        # A quoted cell spans lines; a record is numbered by the line it starts on.
        line_numbers, next_line = [], 1
        reader = csv.reader(io.StringIO(text, newline=""))
        for _ in reader:
            line_numbers.append(next_line)
            next_line = reader.line_num + 1
    # Short (ragged) records are padded with empty cells.
    return [_blank_to_null(pa.array(values, type=pa.string())) for values in zip_longest(*rows)], line_numbers


def _read_excel(path: Path, kind: str) -> list[SheetGrid]:
    # The reader trusts the extension; a workbook saved under the other one is handed over as bytes
    # so that its content decides.
    source = path if path.suffix.lower().lstrip(".") == kind else path.read_bytes()
    try:
        workbook = fastexcel.read_excel(source)
    except Exception as exc:  # fastexcel raises its own hierarchy; all mean "not a workbook"
        if kind == "xls" and _is_encrypted_ooxml(path):
            raise UnreadableFile(f"{path.name}: the workbook is password-protected; send it without a password") from exc
        raise UnreadableFile(f"{path.name}: not a readable {kind} workbook ({_first_line(exc)})") from exc
    merged = _merged_ranges(path, kind, workbook.sheet_names)
    grids = []
    for index, name in enumerate(workbook.sheet_names):
        try:
            sheet = workbook.load_sheet(index, header_row=None, dtypes="string", skip_rows=0)
        except Exception as exc:
            raise UnreadableFile(f"{path.name}, sheet {name!r}: cannot be read ({_first_line(exc)})") from exc
        if sheet.visible != "visible":
            continue
        batch = sheet.to_arrow()
        columns = [_as_string(batch.column(i)) for i in range(batch.num_columns)]
        grids.append(SheetGrid(name=name, columns=columns, merged=merged.get(name, [])))
    return grids


def _as_string(column) -> pa.Array:
    if isinstance(column, pa.ChunkedArray):
        column = column.combine_chunks()
    return column if column.type == pa.string() else column.cast(pa.string())


def _is_encrypted_ooxml(path: Path) -> bool:
    # Password-protected xlsx files are OLE2 containers holding an "EncryptedPackage" stream.
    with path.open("rb") as handle:
        return "EncryptedPackage".encode("utf-16-le") in handle.read(1 << 16)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


_CELL_REF = re.compile(rb'<mergeCell ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"')


def _column_index(letters: bytes) -> int:
    index = 0
    for char in letters:
        index = index * 26 + (char - ord("A") + 1)
    return index - 1


def _merged_ranges(path: Path, kind: str, sheet_names: list[str]) -> dict[str, list[MergedRange]]:
    """Merged areas per sheet, which is what flattening a multi-row header needs.

    For xlsx, the sheet XML is scanned for <mergeCell> elements directly: asking a reader for them
    would parse every cell a second time.
    """
    if kind == "xls":
        return _merged_ranges_xls(path, sheet_names)
    try:
        with zipfile.ZipFile(path) as archive:
            targets = _sheet_xml_paths(archive)
            found = {}
            for name in sheet_names:
                target = targets.get(name)
                if target is None or target not in archive.namelist():
                    continue
                found[name] = _scan_merge_cells(archive, target)
            return found
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        return {}


def _sheet_xml_paths(archive: zipfile.ZipFile) -> dict[str, str]:
    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "p": "http://schemas.openxmlformats.org/package/2006/relationships",
    }
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    by_id = {rel.get("Id"): rel.get("Target") for rel in rels.findall("p:Relationship", ns)}
    paths = {}
    for sheet in workbook.findall("m:sheets/m:sheet", ns):
        target = by_id.get(sheet.get(f"{{{ns['r']}}}id"), "")
        target = target.lstrip("/")
        paths[sheet.get("name")] = target if target.startswith("xl/") else str(PurePosixPath("xl") / target)
    return paths


def _scan_merge_cells(archive: zipfile.ZipFile, member: str) -> list[MergedRange]:
    ranges: list[MergedRange] = []
    tail = b""
    with archive.open(member) as stream:
        while chunk := stream.read(1 << 20):
            buffer = tail + chunk
            last_end = 0
            for match in _CELL_REF.finditer(buffer):
                c0, r0, c1, r1 = match.groups()
                ranges.append((int(r0) - 1, _column_index(c0), int(r1) - 1, _column_index(c1)))
                last_end = match.end()
            tail = buffer[max(last_end, len(buffer) - 64) :]
    return ranges


def _merged_ranges_xls(path: Path, sheet_names: list[str]) -> dict[str, list[MergedRange]]:
    import python_calamine

    try:
        workbook = python_calamine.CalamineWorkbook.from_path(str(path))
        found = {}
        for name in sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            found[name] = [(r0, c0, r1, c1) for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])]
        return found
    except Exception:  # merged ranges only refine header flattening; the heuristic still applies
        return {}
