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
from collections import Counter
from dataclasses import dataclass, field
from functools import cached_property
from itertools import zip_longest
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree
from xml.sax.saxutils import unescape

import fastexcel
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from etl_project.core.encoding import UndecodableText, decode_text
from etl_project.core.refusal import Refusal
from etl_project.core.settings import MAX_COMPRESSION_RATIO_ENV, MAX_UNCOMPRESSED_MB_ENV, Reading
from etl_project.ingest.readers import plain_csv

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# An xlsx is a zip archive; these bound what its central directory may promise before any parser
# inflates it. Ordinary workbooks compress 3- to 20-fold (a million-row sheet is under 1 GB of XML);
# a zip bomb inflates about 1000-fold.
DEFAULT_MAX_UNCOMPRESSED_MB = 2048
DEFAULT_MAX_COMPRESSION_RATIO = 100
# Members smaller than this are harmless whatever their ratio (a styles part of repeated entries).
RATIO_GRACE_BYTES = 1 << 20

# (first_row, first_col, last_row, last_col), 0-based and inclusive, relative to the sheet.
MergedRange = tuple[int, int, int, int]


class UnreadableFile(Refusal):
    """The file cannot be read as a spreadsheet at all; the message says why, for a person."""


@dataclass
class SheetGrid:
    name: str  # "" for CSV
    # One Arrow string array per sheet column, null where the cell is empty. Columnar, so that
    # finding and typing the rows of a large sheet never walks its cells one by one in Python.
    columns: list[pa.Array]
    first_row_number: int = 1  # the Excel row (CSV line) number of the first row
    first_column: int = 0  # the Excel column (0: A) of the first column, for messages
    merged: list[MergedRange] = field(default_factory=list)
    encoding: str | None = None
    # visible, hidden or veryhidden (hidden in the workbook so that only a macro can show it)
    visibility: str = "visible"
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

    def fill_merged_down(self, first_row: int) -> None:
        """Give every row of a range merged down the rows from ``first_row`` on the value of its
        top cell, as Excel shows it: a 乡镇 merged over its households belongs to each of them.

        Only the range's first column is filled: a merge across columns below the header is a
        label (合计, a note) spread for looks, whose cells are not values of the columns it covers.
        Header rows are left alone; their merges are read by the header search.
        """
        ranges = [(r0, c0, min(r1, self.height - 1)) for r0, c0, r1, _ in self.merged if r1 > r0 and r0 >= first_row and c0 < self.width]
        by_column: dict[int, list[tuple[int, int]]] = {}
        for r0, c0, r1 in ranges:
            by_column.setdefault(c0, []).append((r0, r1))
        for col, spans in by_column.items():
            source = np.arange(self.height)
            for r0, r1 in spans:
                source[r0 + 1 : r1 + 1] = r0
            self.columns[col] = self.columns[col].take(pa.array(source))
        if by_column:
            self._heads.clear()
            self._head_texts.clear()
            self.__dict__.pop("cells", None)

    def row_number(self, position: int) -> int:
        if self.line_numbers is not None:
            return self.line_numbers[position]
        return self.first_row_number + position

    def column_letter(self, position: int) -> str:
        """The column as Excel names it (A, B, … AA), as a person finds it, CSV opened in Excel too."""
        number, letters = self.first_column + position + 1, ""
        while number:
            number, rest = divmod(number - 1, 26)
            letters = chr(ord("A") + rest) + letters
        return letters

    def row_numbers(self, positions: np.ndarray) -> np.ndarray:
        positions = np.asarray(positions, dtype=np.int64)
        if self.line_numbers is not None:
            return np.asarray(self.line_numbers, dtype=np.int64)[positions]
        return self.first_row_number + positions


def _frame(columns: list[pa.Array]) -> pd.DataFrame:
    height = len(columns[0]) if columns else 0
    return pd.DataFrame(
        {i: column.to_numpy(zero_copy_only=False) for i, column in enumerate(columns)},
        index=range(height),
        columns=range(len(columns)),
        dtype=object,
    )


def _blank_to_null(column: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(column, ""), pa.scalar(None, pa.string()), column)


def sniff_format(path: Path) -> str:
    """xlsx, xls, html (a web page, or Excel's XML or web-archive export) or csv, by the bytes."""
    with path.open("rb") as handle:
        head = handle.read(1024)
    if head.startswith(ZIP_MAGIC):
        return "xlsx"
    if head.startswith(OLE2_MAGIC):
        return "xls"
    if _is_markup(head):
        return "html"
    return "csv"


# Web systems' "export to Excel" writes an HTML table (or an MHTML archive, or an XML Spreadsheet
# 2003) and names it .xls: Excel opens it after a warning, but it is not a workbook.
_MARKUP = re.compile(
    r"^\s*(?:<!doctype\s+html|<html|<table|<\?xml[^>]*>\s*(?:<\?mso-application|<!doctype\s+html|<html|<workbook)|mime-version:)"
)


def _is_markup(head: bytes) -> bool:
    for bom, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be"), (b"\xef\xbb\xbf", "utf-8")):
        if head.startswith(bom):
            text = head[len(bom) :].decode(encoding, errors="ignore")
            break
    else:
        text = head.decode("latin-1")
    return bool(_MARKUP.match(text.lower()))


def read_grids(path: Path, reading: Reading = Reading()) -> list[SheetGrid]:
    """Every sheet of the file as text cells, hidden ones included (each says whether it is);
    ``reading`` gives the limits a workbook may inflate to."""
    if not path.exists():
        raise UnreadableFile(f"{path.name}: file not found", "找不到该文件")
    if path.stat().st_size == 0:
        raise UnreadableFile(f"{path.name}: the file is empty (0 bytes)", "文件为空（0 字节）")
    kind = sniff_format(path)
    if kind == "csv":
        return [_read_csv(path)]
    if kind == "html":
        raise UnreadableFile(
            f"{path.name}: a web page (HTML) saved with a spreadsheet name, not a workbook; "
            "open it in Excel and save it again as an Excel Workbook (.xlsx)",
            "这是以表格文件名保存的网页（HTML），不是工作簿：请用 Excel 打开后另存为 Excel 工作簿（.xlsx）",
        )
    if kind == "xlsx":
        _check_inflated_size(path, reading)
    return _read_excel(path, kind)


def _limit(path: Path, written: str, variable: str, default: float) -> float:
    written = written.strip()
    if not written:
        return default
    try:
        value = float(written)
    except ValueError:
        value = float("nan")
    if not value > 0:
        # Every workbook fails alike and says why, rather than being read without a limit.
        raise UnreadableFile(
            f"{path.name}: cannot be checked against the size limits: {variable}={written!r} is not a "
            f"positive number (unset it for the default, {default:g})",
            f"无法按大小上限检查：{variable}={written!r} 不是正数（删除该设置即使用默认值 {default:g}）",
        )
    return value


def _check_inflated_size(path: Path, reading: Reading) -> None:
    """Refuse a workbook whose parts would inflate beyond the limits, from the sizes its zip
    directory declares: nothing is inflated to find out."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError):
        return  # not a sound zip: the workbook reader says what is wrong with it
    max_mb = _limit(path, reading.max_uncompressed_mb, MAX_UNCOMPRESSED_MB_ENV, DEFAULT_MAX_UNCOMPRESSED_MB)
    max_ratio = _limit(path, reading.max_compression_ratio, MAX_COMPRESSION_RATIO_ENV, DEFAULT_MAX_COMPRESSION_RATIO)
    total = sum(member.file_size for member in members)
    if total > max_mb * (1 << 20):
        raise UnreadableFile(
            f"{path.name}: the workbook inflates to {_size(total)} uncompressed, above the limit of "
            f"{max_mb:g} MB ({MAX_UNCOMPRESSED_MB_ENV}); split it into smaller files, or raise "
            f"{MAX_UNCOMPRESSED_MB_ENV} if a workbook this large is expected",
            f"工作簿解压后达 {_size(total)}，超过 {max_mb:g} MB 的上限（{MAX_UNCOMPRESSED_MB_ENV}）：请拆分为较小的文件；"
            f"如确需处理这样大的工作簿，可调高 {MAX_UNCOMPRESSED_MB_ENV}",
        )
    for member in members:
        if member.file_size <= RATIO_GRACE_BYTES:
            continue
        ratio = member.file_size / max(member.compress_size, 1)
        if ratio > max_ratio:
            raise UnreadableFile(
                f"{path.name}: its part {member.filename} inflates {ratio:,.0f}-fold ({_size(member.compress_size)} "
                f"to {_size(member.file_size)} uncompressed), above the compression ratio limit of {max_ratio:g} "
                f"({MAX_COMPRESSION_RATIO_ENV}); ordinary workbooks compress 3- to 20-fold, so this looks like a zip "
                f"bomb. If the file is genuine, raise {MAX_COMPRESSION_RATIO_ENV}",
                f"其中的 {member.filename} 解压后膨胀 {ratio:,.0f} 倍，超过压缩比上限 {max_ratio:g}（{MAX_COMPRESSION_RATIO_ENV}），"
                f"疑似压缩炸弹；如文件确实无误，可调高 {MAX_COMPRESSION_RATIO_ENV}",
            )


def _size(count: int) -> str:
    return f"{count / (1 << 20):,.1f} MB" if count >= 1 << 20 else f"{count / 1024:,.1f} KB"


def _read_csv(path: Path) -> SheetGrid:
    try:
        text, encoding = decode_text(path)
    except UndecodableText as exc:
        raise UnreadableFile(exc.en, exc.zh) from exc
    if "\x00" in text[:4096]:
        raise UnreadableFile(
            f"{path.name}: binary content, neither a workbook nor a CSV text file", "内容为二进制，既不是工作簿也不是 CSV 文本文件"
        )
    delimiter = sniff_delimiter(text)
    plain = plain_csv.columns(text) if delimiter == "," else None
    if plain is not None:
        # Plain CSV, one record per line: Arrow reads it as the csv module would.
        columns = [_blank_to_null(column) for column in plain]
        return SheetGrid(name="", columns=columns, encoding=encoding)
    columns, line_numbers = _csv_module_columns(text, delimiter)
    return SheetGrid(name="", columns=columns, encoding=encoding, line_numbers=line_numbers)


DELIMITERS = (",", "\t", ";")
_SNIFF_LINES = 50


def sniff_delimiter(text: str) -> str:
    """Comma, tab (Excel's "Unicode text" export) or semicolon (Excel where the decimal mark is a
    comma): the one that splits the most of the first lines into the same number of cells, at
    least two; the wider table on a tie, then the comma."""
    sample = text[: 1 << 16]
    if "\t" not in sample and ";" not in sample:
        return ","
    lines = sample.splitlines()[:_SNIFF_LINES]
    best, best_score = ",", (0, 0)
    for delimiter in DELIMITERS:
        try:
            widths = Counter(len(row) for row in csv.reader(lines, delimiter=delimiter) if len(row) > 1)
        except csv.Error:
            continue
        if not widths:
            continue
        width, count = max(widths.items(), key=lambda item: (item[1], item[0]))
        if (count, width) > best_score:
            best, best_score = delimiter, (count, width)
    return best


def _csv_module_columns(text: str, delimiter: str = ",") -> tuple[list[pa.Array], list[int] | None]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = list(reader)
    line_numbers = None
    if reader.line_num != len(rows):
        # A quoted cell spans lines; a record is numbered by the line it starts on.
        line_numbers, next_line = [], 1
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
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
            raise UnreadableFile(
                f"{path.name}: the workbook is password-protected; send it without a password", "工作簿设有密码：请去掉密码后再报送"
            ) from exc
        raise UnreadableFile(
            f"{path.name}: not a readable {kind} workbook ({_first_line(exc)})",
            f"不是可读取的 {kind} 工作簿（文件已损坏或并非此格式）：请用 Excel 打开后重新保存",
        ) from exc
    merged, errors = _sheet_extras(path, kind, workbook.sheet_names)
    grids = []
    for index, name in enumerate(workbook.sheet_names):
        try:
            sheet = workbook.load_sheet(index, header_row=None, dtypes="string", skip_rows=0)
        except Exception as exc:
            raise UnreadableFile(f"{path.name}, sheet {name!r}: cannot be read ({_first_line(exc)})", f"工作表“{name}”无法读取") from exc
        batch = sheet.to_arrow()
        columns = [_as_string(batch.column(i)) for i in range(batch.num_columns)]
        # The reader drops the empty columns left of the table (rows it keeps from row 1), while
        # merged ranges and error cells are addressed from column A.
        offset = _first_column(sheet)
        ranges = [(r0, max(c0 - offset, 0), r1, c1 - offset) for r0, c0, r1, c1 in merged.get(name, []) if c1 >= offset]
        columns = _with_error_texts(columns, errors.get(name, []), offset)
        grids.append(SheetGrid(name=name, columns=columns, merged=ranges, first_column=offset, visibility=str(sheet.visible)))
    return grids


def _first_column(sheet) -> int:
    try:
        found = sheet.available_columns()
    except Exception:  # an older reader without absolute positions: the table starts in column A
        return 0
    return min((column.absolute_index for column in found), default=0)


def _with_error_texts(columns: list[pa.Array], errors: list[tuple[int, int, str]], offset: int) -> list[pa.Array]:
    """The columns with each error cell (#DIV/0!, #REF!, #N/A) holding its text, which the reader
    gives as empty: an error is a value nobody can use, not a blank, and the parse rules say so."""
    by_column: dict[int, dict[int, str]] = {}
    for row, col, text in errors:
        col -= offset
        if 0 <= col < len(columns) and 0 <= row < len(columns[col]) and text:
            by_column.setdefault(col, {})[row] = text
    for col, cells in by_column.items():
        rows = sorted(cells)
        mask = np.zeros(len(columns[col]), dtype=bool)
        mask[rows] = True
        columns[col] = pc.replace_with_mask(columns[col], pa.array(mask), pa.array([cells[r] for r in rows], type=pa.string()))
    return columns


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


def _sheet_extras(
    path: Path, kind: str, sheet_names: list[str]
) -> tuple[dict[str, list[MergedRange]], dict[str, list[tuple[int, int, str]]]]:
    """Per sheet, the merged areas (for multi-row headers and cells merged down the data rows) and
    the error cells as (row, column, text), 0-based from A1.

    For xlsx, the sheet XML is scanned for <mergeCell> elements and t="e" cells directly: asking a
    reader for them would parse every cell a second time. A .xls keeps its error cells empty.
    """
    if kind == "xls":
        return _merged_ranges_xls(path, sheet_names), {}
    try:
        with zipfile.ZipFile(path) as archive:
            targets = _sheet_xml_paths(archive)
            merged, errors = {}, {}
            members = set(archive.namelist())
            for name in sheet_names:
                target = targets.get(name)
                if target is None or target not in members:
                    continue
                merged[name], errors[name] = _scan_sheet_xml(archive, target)
            return merged, errors
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError):
        return {}, {}


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


_ERROR_TYPE = b't="e"'
_CELL_START = b"<c "
_CELL_END = b"</c>"
_ERROR_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_ERROR_VALUE = re.compile(rb"<v>([^<]*)</v>")
# A cell's opening tag (reference, style, type and the like) is far shorter than this.
_TAG_REACH = 512


def _scan_sheet_xml(archive: zipfile.ZipFile, member: str) -> tuple[list[MergedRange], list[tuple[int, int, str]]]:
    ranges: list[MergedRange] = []
    errors: list[tuple[int, int, str]] = []
    tail = b""
    with archive.open(member) as stream:
        while True:
            chunk = stream.read(1 << 20)
            buffer = tail + chunk
            last_end = 0
            for match in _CELL_REF.finditer(buffer):
                c0, r0, c1, r1 = match.groups()
                ranges.append((int(r0) - 1, _column_index(c0), int(r1) - 1, _column_index(c1)))
                last_end = match.end()
            merge_cut = max(last_end, len(buffer) - 64)
            error_cut = _scan_error_cells(buffer, errors, final=not chunk)
            if not chunk:
                break
            # Kept for the next chunk: what either scan has not finished. The other scan may see
            # some of it again, hence the de-duplication.
            tail = buffer[min(merge_cut, error_cut) :]
    return _unique(ranges), _unique(errors)


def _unique(items: list) -> list:
    return list(dict.fromkeys(items))


def _scan_error_cells(buffer: bytes, errors: list[tuple[int, int, str]], final: bool) -> int:
    """Appends the error cells wholly inside ``buffer``; returns where an unfinished one starts
    (or where nothing more can start), for the next chunk to resume from."""
    position = 0
    while (hit := buffer.find(_ERROR_TYPE, position)) >= 0:
        start = buffer.rfind(_CELL_START, max(0, hit - _TAG_REACH), hit)
        if start < 0 or b">" in buffer[start:hit]:
            position = hit + len(_ERROR_TYPE)  # not the type of a cell (or its tag began earlier)
            continue
        tag_end = buffer.find(b">", hit)
        if tag_end < 0:
            return start if not final else len(buffer)
        if buffer[tag_end - 1 : tag_end] == b"/":
            position = tag_end  # <c ... t="e"/>: an error type without a value
            continue
        end = buffer.find(_CELL_END, tag_end)
        if end < 0:
            return start if not final else len(buffer)
        cell = buffer[start:end]
        ref, value = _ERROR_REF.search(cell), _ERROR_VALUE.search(cell)
        if ref and value:
            errors.append((int(ref.group(2)) - 1, _column_index(ref.group(1)), unescape(value.group(1).decode("utf-8", "replace"))))
        position = end + len(_CELL_END)
    return max(position, len(buffer) - _TAG_REACH)


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
