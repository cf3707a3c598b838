"""Ways of writing a file, each returned as ``write(path)``: the cases say what goes in, these say how."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import xlsxwriter

from tests.builders import FUND_HEADERS, HEADERS_A, PROJECT_HEADERS, VILLAGE_HEADERS, write_csv, write_table, write_xlsx

Writer = Callable[[Path], None]
FLAT = [h if isinstance(h, str) else h[1] for h in HEADERS_A]
FUND_FLAT = [h if isinstance(h, str) else h[1] for h in FUND_HEADERS]
UTF8_BOM = b"\xef\xbb\xbf"

# GB 11643-1999, written out here rather than taken from the project so the corpus checks it.
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def id_number(k: int, birth_year: int = 1970) -> str:
    """The k-th of many distinct valid 18-digit ID numbers of 紫云县 (520425)."""
    day = k % 28 + 1
    month = (k // 28) % 12 + 1
    body = f"520425{birth_year + (k // 336) % 40:04d}{month:02d}{day:02d}{k % 1000:03d}"
    return body + _CHECK[sum(int(d) * w for d, w in zip(body, _WEIGHTS)) % 11]


def wrong_check_digit(number: str) -> str:
    last = "0" if number[-1] != "0" else "1"
    return number[:-1] + last


@dataclass(frozen=True)
class Formula:
    text: str
    cached: object = None  # None: no cached value, as tools other than Excel save it


def registry_xlsx(rows: list[list], **options) -> Writer:
    """Title, unit row, two-row header (rows 3-4), data from row 5, 合计 and two notes."""
    return lambda path: write_xlsx(path, rows, **options) and None


def registry_csv(rows: list[list], encoding: str = "utf-8", **options) -> Writer:
    """Title, unit row, two header lines, data from line 5, 合计 and a note."""
    return lambda path: write_csv(path, rows, encoding, **options) and None


def csv_text(rows: list[list], headers: list = FLAT) -> str:
    """A bare table: header on line 1, data from line 2."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(headers)
    writer.writerows(rows)
    return out.getvalue()


def text_file(text: str, encoding: str = "utf-8", bom: bytes = b"") -> Writer:
    return lambda path: path.write_bytes(bom + text.encode(encoding))


def raw_bytes(content: bytes | Callable[[], bytes]) -> Writer:
    return lambda path: path.write_bytes(content() if callable(content) else content)


def sheets_xlsx(
    sheets: dict[str, list[list]],
    hidden_sheets=(),
    hidden_rows: dict[str, tuple[int, ...]] | None = None,
    merges: dict[str, list[tuple[int, int, int, int, object]]] | None = None,
) -> Writer:
    """Free-form sheets, row 1 first; cells may be Formula. Rows and merge corners are 0-based."""

    def write(path: Path) -> None:
        book = xlsxwriter.Workbook(str(path))
        dates = book.add_format({"num_format": "yyyy-mm-dd"})
        for name, rows in sheets.items():
            sheet = book.add_worksheet(name)
            for r, row in enumerate(rows):
                for c, value in enumerate(row):
                    _write_cell(sheet, r, c, value, dates)
            for r in (hidden_rows or {}).get(name, ()):
                sheet.set_row(r, None, None, {"hidden": True})
            for r0, c0, r1, c1, value in (merges or {}).get(name, []):
                sheet.merge_range(r0, c0, r1, c1, value)
            if name in hidden_sheets:
                sheet.hide()
        book.close()

    return write


def _write_cell(sheet, r: int, c: int, value, dates) -> None:
    import datetime

    if isinstance(value, Formula):
        sheet.write_formula(r, c, value.text, None, value.cached if value.cached is not None else 0)
    elif isinstance(value, datetime.datetime):
        sheet.write_datetime(r, c, value, dates)
    elif value is None or value == "":
        return
    else:
        sheet.write(r, c, value)


def openpyxl_xlsx(rows: list[list], sheet: str = "花名册") -> Writer:
    """Written by openpyxl, which saves formulas without a cached value and error cells as errors."""

    def write(path: Path) -> None:
        import openpyxl

        book = openpyxl.Workbook()
        ws = book.active
        ws.title = sheet
        for row in rows:
            ws.append([v.text if isinstance(v, Formula) else v for v in row])
        book.save(path)

    return write


def openpyxl_sheets(sheets: dict[str, list[list]], states: dict[str, str] | None = None) -> Writer:
    """Sheets written by openpyxl, each with its state: visible, hidden or veryHidden (a sheet only
    a macro can show)."""

    def write(path: Path) -> None:
        import openpyxl

        book = openpyxl.Workbook()
        book.remove(book.active)
        for name, rows in sheets.items():
            ws = book.create_sheet(name)
            for row in rows:
                ws.append(row)
            ws.sheet_state = (states or {}).get(name, "visible")
        book.save(path)

    return write


def xls_file(rows: list[list]) -> Writer:
    """A legacy BIFF workbook (what WPS saves as .et, too): title, unit row, two-row header, data, 合计."""
    from tests.builders import write_xls

    return lambda path: write_xls(path, rows) and None


def ledger(rows: list[list], unit_row: str = "单位：万元", headers=FUND_HEADERS, sheet: str = "台账") -> Writer:
    """Title, unit row, two-row header (rows 3-4), rows from row 5."""
    return lambda path: write_table(path, headers, rows, "帮扶资金台账", unit_row, sheet=sheet) and None


def project_list(rows: list[list], headers=PROJECT_HEADERS) -> Writer:
    """Title, unit row, header on row 3, rows from row 4."""
    return lambda path: write_table(path, headers, rows, "扶贫项目库", "单位：万元", sheet="项目库") and None


def village_list(rows: list[list], headers=VILLAGE_HEADERS) -> Writer:
    """Title, unit row, header on row 3, rows from row 4."""
    return lambda path: write_table(path, headers, rows, "行政村基本情况表", "单位：人、万元", sheet="村") and None


def encrypted(inner: Writer, password: str = "123456") -> Writer:
    """The inner workbook encrypted the way Excel does (ECMA-376 agile): an OLE2 container."""

    def write(path: Path) -> None:
        from msoffcrypto.format.ooxml import OOXMLFile

        plain = path.with_name(path.name + ".plain")
        inner(plain)
        try:
            with plain.open("rb") as source, path.open("wb") as target:
                OOXMLFile(source).encrypt(password, target)
        finally:
            plain.unlink()

    return write


def zip_bomb(inner: Writer, padding_mb: int = 100) -> Writer:
    """The inner workbook with its sheet XML padded by blanks: a few hundred KB that inflate ~1000-fold."""

    def write(path: Path) -> None:
        plain = path.with_name(path.name + ".plain")
        inner(plain)
        try:
            with zipfile.ZipFile(plain) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as target:
                for item in source.infolist():
                    data = source.read(item.filename)
                    if item.filename == "xl/worksheets/sheet1.xml":
                        data = data.replace(b"</sheetData>", b"</sheetData>" + b" " * (padding_mb << 20), 1)
                    target.writestr(item, data, compress_type=zipfile.ZIP_DEFLATED)
        finally:
            plain.unlink()

    return write


def truncated(inner: Writer, keep: float = 0.5) -> Writer:
    def write(path: Path) -> None:
        inner(path)
        data = path.read_bytes()
        path.write_bytes(data[: int(len(data) * keep)])

    return write


def zip_of(members: dict[str, bytes]) -> Writer:
    def write(path: Path) -> None:
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
            for name, data in members.items():
                archive.writestr(name, data)

    return write


def docx() -> Writer:
    def write(path: Path) -> None:
        import docx as python_docx

        document = python_docx.Document()
        document.add_paragraph("紫云县建档立卡贫困户信息表（见附件）")
        table = document.add_table(rows=1, cols=3)
        for cell, text in zip(table.rows[0].cells, ("县", "乡镇", "行政村")):
            cell.text = text
        document.save(str(path))

    return write


def png() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00\x00")) + chunk(b"IEND", b"")


def html_table(headers: list, rows: list[list]) -> str:
    body = "".join("<tr>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>" for row in [headers, *rows])
    return f'<html><head><meta charset="utf-8"><title>花名册</title></head><body><table border="1">{body}</table></body></html>'
