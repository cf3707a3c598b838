"""Readers on broken input, beyond what a corpus case shows: limits, boundaries and variants."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter

from etl_project.core.encoding import UndecodableText, decode_bytes
from etl_project.core.settings import Reading
from etl_project.ingest.readers import grid as grid_module
from etl_project.ingest.readers import values
from etl_project.ingest.readers.column_map import load_column_map
from etl_project.ingest.readers.extract import SourceFileError, extract
from etl_project.ingest.readers.grid import UnreadableFile, read_grids, sniff_delimiter, sniff_format
from tests.builders import HEADERS_A, VALID_IDS, _header_rows, household, write_xlsx

COLUMN_MAP = load_column_map("registry")
SAMPLE = Path(__file__).resolve().parents[2] / "data" / "raw"


def _rows(n: int) -> list[list]:
    return [household(**{"户编号": f"52042500{k:05d}", "证件号码": VALID_IDS[k % len(VALID_IDS)]}) for k in range(n)]


# -- inflated workbooks ---------------------------------------------------------------------------


def test_the_shipped_workbooks_are_within_the_default_limits():
    workbooks = [p for p in SAMPLE.rglob("*.xls*") if sniff_format(p) == "xlsx"]
    assert workbooks
    for path in workbooks:
        grid_module._check_inflated_size(path, Reading())


def test_a_million_row_sheet_is_within_the_default_limits(tmp_path: Path):
    """A 20 000-row registry sheet, as Excel-like tools write it (inline strings, the larger form),
    scaled to Excel's 1 048 576 rows: its XML and its ratio stay under the defaults."""
    path = tmp_path / "big.xlsx"
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet()
    flat = [h if isinstance(h, str) else h[1] for h in HEADERS_A]
    sheet.write_row(0, 0, flat)
    for k in range(1, 20_001):
        sheet.write_row(k, 0, household(**{"户编号": f"5204{k:09d}", "证件号码": f"5204251970{k:08d}", "户主姓名": f"户主{k}"}))
    book.close()
    with zipfile.ZipFile(path) as archive:
        part = archive.getinfo("xl/worksheets/sheet1.xml")
    scaled = part.file_size * (1_048_576 / 20_000)
    assert scaled < grid_module.DEFAULT_MAX_UNCOMPRESSED_MB * (1 << 20)
    assert part.file_size / part.compress_size < grid_module.DEFAULT_MAX_COMPRESSION_RATIO / 2


def test_the_limits_come_from_the_settings(tmp_path: Path):
    path = tmp_path / "登记表.xlsx"
    write_xlsx(path, _rows(50))
    assert read_grids(path)
    with pytest.raises(UnreadableFile) as refused:
        read_grids(path, Reading(max_uncompressed_mb="0.01"))
    message = str(refused.value)
    assert message.startswith("登记表.xlsx: ") and "uncompressed" in message and "ETL_MAX_UNCOMPRESSED_MB" in message
    with pytest.raises(UnreadableFile, match=r"^登记表\.xlsx: .*ETL_MAX_UNCOMPRESSED_MB='not a number' is not a positive number"):
        read_grids(path, Reading(max_uncompressed_mb="not a number"))


def test_the_ratio_is_checked_per_part_before_anything_is_inflated(tmp_path: Path, monkeypatch):
    path = tmp_path / "膨胀.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b" " * (8 << 20))

    class Parsed(Exception):
        pass

    def parse(*args):
        raise Parsed

    monkeypatch.setattr(grid_module, "_read_excel", parse)
    with pytest.raises(UnreadableFile, match=r"xl/worksheets/sheet1\.xml inflates [\d,]+-fold.*ETL_MAX_COMPRESSION_RATIO"):
        read_grids(path)
    with pytest.raises(Parsed):
        read_grids(path, Reading(max_compression_ratio="100000"))


# -- files that are not what their name says ------------------------------------------------------


@pytest.mark.parametrize(
    "content",
    [
        "<!DOCTYPE html><html><body><table><tr><td>县</td></tr></table></body></html>".encode(),
        '\ufeff  <html xmlns:x="urn:schemas-microsoft-com:office:excel"><table></table></html>'.encode(),
        "<html><body><table></table></body></html>".encode("utf-16"),
        b"<table><tr><td>1</td></tr></table>",
        b'<?xml version="1.0"?>\r\n<?mso-application progid="Excel.Sheet"?>\r\n<Workbook></Workbook>',
        b'MIME-Version: 1.0\r\nContent-Type: multipart/related; boundary="----=_NextPart"\r\n',
    ],
    ids=["doctype", "bom_and_office_namespace", "utf16", "bare_table", "xml_spreadsheet_2003", "mhtml"],
)
def test_web_pages_and_office_markup_are_named_as_such(tmp_path: Path, content: bytes):
    path = tmp_path / "导出.xls"
    path.write_bytes(content)
    assert sniff_format(path) == "html"
    with pytest.raises(UnreadableFile, match=r"^导出\.xls: a web page \(HTML\).*\.xlsx"):
        read_grids(path)


def test_a_csv_that_mentions_html_is_still_a_csv(tmp_path: Path):
    path = tmp_path / "a.csv"
    path.write_text("备注,链接\r\n见网页,<html>\r\n", encoding="utf-8")
    assert sniff_format(path) == "csv"


# -- delimiters -------------------------------------------------------------------------------------


def _delimited(rows: list[list], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize("delimiter", [",", "\t", ";"])
def test_the_delimiter_is_found_under_title_rows(tmp_path: Path, delimiter: str):
    top, bottom = _header_rows(HEADERS_A)
    # Amounts with thousands separators unquoted, as a tab or semicolon file writes them.
    rows = [["紫云县建档立卡贫困户信息表"], ["单位：元"], top, bottom, *_rows(3)]
    text = _delimited(rows, delimiter)
    if delimiter != ",":
        text = text.replace('"4,567.50"', "4,567.50")
    assert sniff_delimiter(text) == delimiter
    path = tmp_path / "registry.txt"
    path.write_bytes(text.encode("utf-16"))
    extracted = extract(path, COLUMN_MAP)
    assert extracted.rows["income_per_person"].tolist() == ["4,567.50"] * 3
    assert extracted.rows["source_row"].tolist() == [5, 6, 7]


def test_tabs_inside_quoted_cells_do_not_make_a_tab_file():
    text = _delimited([["县", "备注"], ["紫云县", "a\tb"], ["紫云县", "c\td"]], ",")
    assert sniff_delimiter(text) == ","


# -- encodings ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw, expected",
    [
        (b"\xff\xfe" + "标题\r\n".encode("utf-16-le") + b"\x00\xdc\x41\x00", "line 2, byte 10"),
        (b"\xef\xbb\xbf" + "标题\r\n".encode() + "县".encode("gb18030"), "line 2, byte 11"),
        ("县,乡镇\r\n王".encode("gb18030")[:-1], "the GB18030 text ends inside a character (line 2"),
        ("县,乡镇\r\n".encode() + "王".encode("gb18030") + "县".encode(), "reads as UTF-8 up to line 2, byte 12"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff", "binary content"),
        ("县,乡镇,行政村\r\n1,2,3\r\n".encode("utf-16-be"), "UTF-16 text without a byte-order mark"),
    ],
    ids=["utf16_bom", "utf8_bom", "gb18030_cut", "utf8_then_gb18030", "binary", "utf16_without_bom"],
)
def test_undecodable_text_says_where_as_a_person_counts(raw: bytes, expected: str):
    with pytest.raises(UndecodableText) as refused:
        decode_bytes(raw, "f.csv")
    assert str(refused.value).startswith("f.csv: ") and expected in str(refused.value)


def test_a_bom_is_still_reported_as_its_encoding():
    assert decode_bytes(b"\xef\xbb\xbfa,b", "x")[1] == "utf-8-sig"
    assert decode_bytes("a,b".encode("utf-16"), "x") == ("a,b", "utf-16")


# -- error cells, merged cells and where the table starts ---------------------------------------------


def _sheet_xml_workbook(path: Path, sheet_data: bytes, merges: bytes = b"") -> None:
    """A minimal xlsx written by hand, to control the sheet XML byte for byte."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rel = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    parts = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            b'<Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            b"</Types>"
        ),
        "_rels/.rels": (
            b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            b"</Relationships>"
        ),
        "xl/workbook.xml": f'<?xml version="1.0" encoding="UTF-8"?><workbook {ns} {rel}><sheets><sheet name="花名册" sheetId="1" r:id="rId1"/></sheets></workbook>'.encode(),
        "xl/_rels/workbook.xml.rels": (
            b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            b"</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>'.encode()
        + sheet_data
        + b"</sheetData>"
        + (b"<mergeCells>" + merges + b"</mergeCells>" if merges else b"")
        + b"</worksheet>",
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)


def _inline(ref: str, text: str) -> bytes:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def test_error_cells_are_found_across_the_chunks_the_sheet_xml_is_scanned_in(tmp_path: Path):
    """The sheet XML is scanned a megabyte at a time: put a chunk boundary inside an error cell's
    opening tag, inside its t="e", inside its formula and inside its </c>."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    prefix = f'<?xml version="1.0" encoding="UTF-8"?><worksheet {ns}><sheetData>'.encode()
    parts, expected, offset, r = [], {}, len(prefix), 0

    def error_cell(row: int) -> bytes:
        # Attributes before the type longer than the margin kept for the merged-cell scan.
        attributes = f'r="B{row}" s="3" cm="1" vm="1" ph="1" ' + " ".join(f'x{i}="{i}"' for i in range(20))
        return f'<c {attributes} t="e"><f>{"+".join(["A1"] * 300)}</f><v>#DIV/0!</v></c>'.encode()

    def add(data: bytes) -> None:
        nonlocal offset
        parts.append(data)
        offset += len(data)

    for boundary, split in [(1 << 20, 3), (2 << 20, len(error_cell(0).split(b'"e"')[0]) - 1), (3 << 20, 200), (4 << 20, -2)]:
        while offset + 4000 < boundary:
            r += 1
            add(f'<row r="{r}">'.encode() + _inline(f"A{r}", f"第{r}行{r * 7919 % 100003}") + f'<c r="B{r}"><v>{r}</v></c></row>'.encode())
        r += 1
        cell = error_cell(r)
        opening, filler = f'<row r="{r}">'.encode(), len(_inline(f"A{r}", ""))
        pad = boundary - (split % len(cell)) - offset - len(opening) - filler
        add(opening + _inline(f"A{r}", "x" * pad) + cell + b"</row>")
        assert offset - len(cell) - len(b"</row>") < boundary < offset - len(b"</row>")
        expected[r - 1] = "#DIV/0!"
    r += 1
    add(f'<row r="{r}"><c r="B{r}" t="e"/></row>'.encode())  # an error type without a value: nothing to show
    path = tmp_path / "errors.xlsx"
    _sheet_xml_workbook(path, b"".join(parts))
    (sheet,) = read_grids(path)
    column = sheet.columns[1].to_pylist()
    assert {row: value for row, value in enumerate(column) if value and value.startswith("#")} == expected


def test_error_merges_and_headers_follow_a_table_that_starts_in_column_c(tmp_path: Path):
    flat = [h if isinstance(h, str) else h[1] for h in HEADERS_A]
    letters = [chr(ord("C") + i) for i in range(len(flat))]
    header = b"".join(_inline(f"{c}1", h) for c, h in zip(letters, flat))
    body = []
    for r, row in enumerate(_rows(3), start=2):
        if r > 2:
            row[1:3] = ["", ""]  # 乡镇 and 行政村 under the merges D2:D4 and E2:E4
        cells = b"".join(_inline(f"{c}{r}", v) for c, v in zip(letters, row) if v != "")
        if r == 3:  # 返贫年度 (empty in these households) holds #REF!
            cells += f'<c r="{letters[12]}{r}" t="e"><v>#REF!</v></c>'.encode()
        body.append(f'<row r="{r}">'.encode() + cells + b"</row>")
    merges = b'<mergeCell ref="D2:D4"/><mergeCell ref="E2:E4"/>'
    path = tmp_path / "右移.xlsx"
    _sheet_xml_workbook(path, b'<row r="1">' + header + b"</row>" + b"".join(body), merges)
    extracted = extract(path, COLUMN_MAP)
    assert extracted.rows["township_name"].tolist() == ["猫营镇"] * 3
    assert extracted.rows["village_name"].tolist() == ["大河村"] * 3
    assert extracted.rows["returned_year"].tolist() == [None, "#REF!", None]


def test_a_note_merged_across_the_columns_stays_a_note(tmp_path: Path):
    path = tmp_path / "注.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("花名册")
    flat = [h if isinstance(h, str) else h[1] for h in HEADERS_A]
    sheet.write_row(0, 0, flat)
    sheet.write_row(1, 0, household())
    sheet.merge_range(2, 0, 3, len(flat) - 1, "注：以下为补录户。")
    sheet.write_row(4, 0, household(户编号="5204250010002", 证件号码=VALID_IDS[2]))
    book.close()
    extracted = extract(path, COLUMN_MAP)
    assert extracted.rows["source_row"].tolist() == [2, 5]
    assert [(row, reason) for _, row, reason in extracted.skipped_rows] == [(3, "note"), (4, "note")]


# -- header copies and duplicate headers ----------------------------------------------------------


def test_a_two_row_header_repeated_at_each_printed_page_is_skipped(tmp_path: Path):
    top, bottom = _header_rows(HEADERS_A)
    rows = [top, bottom, *_rows(2), top, bottom, *_rows(2)[::-1]]
    rows[-1][3] = "5204250019999"  # the two pages hold different households
    rows[-2][3] = "5204250019998"
    path = tmp_path / "分页.csv"
    path.write_text(_delimited(rows, ","), encoding="utf-8")
    extracted = extract(path, COLUMN_MAP)
    assert extracted.rows["source_row"].tolist() == [3, 4, 7, 8]
    assert [(row, reason) for _, row, reason in extracted.skipped_rows] == [(5, "note"), (6, "note")]


def test_conflicting_copies_of_a_column_are_named_by_their_letters(tmp_path: Path):
    flat = [h if isinstance(h, str) else h[1] for h in HEADERS_A]
    rows = [
        ["", "", *flat, "人口数"],
        ["", "", *household(), "4"],
        ["", "", *household(户编号="5204250010002", 证件号码=VALID_IDS[2]), "5"],
    ]
    path = tmp_path / "两列人口.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("花名册")
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value != "":
                sheet.write(r, c, value)
    book.close()
    with pytest.raises(SourceFileError) as refused:
        extract(path, COLUMN_MAP, "registry/两列人口.xlsx")
    message = str(refused.value)
    assert message.startswith("registry/两列人口.xlsx: sheet '花名册', header at row 1: ")
    assert "家庭人口数 and 人口数 (household_size) heads two columns, I and V" in message
    assert "differ in 1 row(s), first at row 3" in message


# -- values ---------------------------------------------------------------------------------------


def test_invisible_characters_go_from_plain_ascii_cells_too():
    # ASCII cells take a faster path than the others; both lose the same characters.
    cells = pd.Series(["4\x01", "\x7f2019", "12\u200b", "猫营\u2060镇", "\u200e", None], dtype=object)
    assert values.squeeze(cells).tolist() == ["4", "2019", "12", "猫营镇", pd.NA, pd.NA]
    assert values.parse_integer(cells)[0].tolist()[:1] == [4]


def test_emoji_keep_their_joiners_and_text_its_lines():
    cells = pd.Series(["👨\u200d👩\u200d👧李四", "❤\ufe0f\u200d🔥", "王\u200d小明", " 大河\n村 "], dtype=object)
    assert values.normalise(cells).tolist() == ["👨\u200d👩\u200d👧李四", "❤\ufe0f\u200d🔥", "王小明", "大河\n村"]


def test_a_cell_writing_its_own_unit_ignores_the_sheets():
    cells = pd.Series(["1.5万", "3000元", "12.5", "2亿元", "1,000.5万元"] * 3, dtype=object)
    scale = pd.Series([1e4] * 5 + [1.0] * 5 + [1e3] * 5)
    amounts, bad = values.parse_money(cells, multiplier=scale)
    assert amounts.tolist() == [15000.0, 3000.0, 125000.0, 2e8, 10005000.0] + [15000.0, 3000.0, 12.5, 2e8, 10005000.0] + [
        15000.0,
        3000.0,
        12500.0,
        2e8,
        10005000.0,
    ]
    assert not bad.any()


def _conflicting_workbook(path: Path, good_sheet_first: bool) -> None:
    flat = [h if isinstance(h, str) else h[1] for h in HEADERS_A]
    good = [flat, household(户编号="5204250010003", 证件号码=VALID_IDS[3])]
    conflicting = [[*flat, "人口数"], [*household(), "7"]]  # the household has 4 people in the other column
    book = xlsxwriter.Workbook(str(path))
    sheets = [("一组", good), ("二组", conflicting)] if good_sheet_first else [("说明", [["填表说明：每户一行。"]]), ("二组", conflicting)]
    for name, rows in sheets:
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            sheet.write_row(r, 0, row)
    book.close()


def test_a_sheet_with_conflicting_copies_is_refused_beside_a_good_one_not_skipped(tmp_path: Path):
    # Skipped like an instructions sheet, its households would be lost without a word.
    path = tmp_path / "两组.xlsx"
    _conflicting_workbook(path, good_sheet_first=True)
    with pytest.raises(SourceFileError) as refused:
        extract(path, COLUMN_MAP, "registry/两组.xlsx")
    assert str(refused.value).startswith("registry/两组.xlsx: sheet '二组', header at row 1: ")
    assert "家庭人口数 and 人口数 (household_size) heads two columns" in str(refused.value)


def test_the_steward_is_told_of_the_conflicting_copies_without_naming_the_source(tmp_path: Path):
    from etl_project.ingest.steward import validate_file

    path = tmp_path / "带说明.xlsx"
    _conflicting_workbook(path, good_sheet_first=False)
    verdict = validate_file(path)
    assert verdict.status == "unreadable" and verdict.source == "registry"
    assert "sheet '二组'" in verdict.message and "heads two columns" in verdict.message
    assert "说明" not in verdict.message.split("sheet '二组'")[1]
