"""Files that are not what they claim: empty, cut short, another format, encrypted, inflated."""

from __future__ import annotations

from tests.builders import write_xls
from tests.corpus.case import CLEAN, REJECTED, UNREADABLE, Case, P
from tests.corpus.rows import hh, hh_bad_id, households
from tests.corpus.writers import (
    FLAT,
    csv_text,
    docx,
    encrypted,
    html_table,
    png,
    raw_bytes,
    registry_csv,
    registry_xlsx,
    sheets_xlsx,
    text_file,
    truncated,
    zip_bomb,
    zip_of,
)


def _nul_after(text: str, start: int) -> str:
    return text[:start] + text[start:].replace("王小明", "王\x00明")


def _nul_twins() -> str:
    """Sixty households of three (past the 4 KB sniff), one damaged 4, twenty of four."""
    rows = [hh(k, 家庭人口数="3") for k in range(1, 61)] + [hh(61, 家庭人口数="4\x00x")] + [hh(k, 家庭人口数="4") for k in range(62, 82)]
    return csv_text(rows)


def _appended_in_another_encoding(first: str, then: str):
    """A CSV of one household in ``first``, with two more households appended, header left off, in ``then``."""
    appended = csv_text(households(2, start=5))[len(",".join(FLAT)) + 2 :]
    return lambda path: path.write_bytes(csv_text(households(1)).encode(first) + appended.encode(then))


def _xls_renamed(path) -> None:
    write_xls(path, households(2))


CASES = [
    Case("empty_file", "registry", "空文件.xlsx", raw_bytes(b""), "a 0-byte file", UNREADABLE, says=("empty",)),
    Case(
        "bom_only_csv",
        "registry",
        "只有BOM.csv",
        raw_bytes(b"\xef\xbb\xbf"),
        "a CSV holding nothing but a UTF-8 BOM",
        UNREADABLE,
        says=("empty",),
    ),
    Case("blank_lines_csv", "registry", "空行.csv", text_file("\r\n , , \r\n\r\n"), "a CSV of blank lines and commas", UNREADABLE),
    Case(
        "empty_sheet",
        "registry",
        "空工作表.xlsx",
        sheets_xlsx({"Sheet1": []}),
        "a workbook whose only sheet is empty",
        UNREADABLE,
        says=("empty",),
    ),
    Case(
        "truncated_xlsx",
        "registry",
        "截断.xlsx",
        truncated(registry_xlsx(households(3))),
        "an xlsx cut in half (interrupted copy)",
        UNREADABLE,
        says=("xlsx",),
    ),
    Case(
        "csv_named_xlsx",
        "registry",
        "其实是CSV.xlsx",
        text_file(csv_text(households(2))),
        "a UTF-8 CSV saved under .xlsx",
        CLEAN,
        rows=(2, 0),
    ),
    Case(
        "html_named_xls",
        "registry",
        "系统导出.xls",
        text_file(html_table(FLAT, households(2))),
        'an HTML table saved as .xls (a web system\'s "export to Excel")',
        UNREADABLE,
        says_any=("HTML", "html", "网页"),
    ),
    Case("xls_named_xlsx", "registry", "老格式改名.xlsx", _xls_renamed, "a BIFF .xls renamed .xlsx", CLEAN, rows=(2, 0)),
    Case("xlsx_named_xls", "registry", "新格式改名.xls", registry_xlsx(households(2)), "an xlsx renamed .xls", CLEAN, rows=(2, 0)),
    Case(
        "password_protected",
        "registry",
        "加密.xlsx",
        encrypted(registry_xlsx(households(2))),
        "an xlsx with an opening password (OLE2 container with an EncryptedPackage stream)",
        UNREADABLE,
        says=("password",),
    ),
    Case(
        "ole2_garbage",
        "registry",
        "坏的xls.xls",
        raw_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4096)),
        "an OLE2 signature followed by zeros",
        UNREADABLE,
        says=("xls",),
    ),
    Case(
        "png_named_xlsx",
        "registry",
        "截图.xlsx",
        raw_bytes(png),
        "a PNG image named .xlsx",
        UNREADABLE,
        says_any=("binary", "not a readable", "UTF-8"),
    ),
    Case(
        "zip_not_workbook",
        "registry",
        "压缩包.xlsx",
        zip_of({"说明.txt": "见附件".encode()}),
        "a zip archive of a text file",
        UNREADABLE,
        says=("xlsx",),
    ),
    Case("docx_named_xlsx", "registry", "文档.xlsx", docx(), "a Word document named .xlsx", UNREADABLE, says=("xlsx",)),
    Case(
        "zip_bomb",
        "registry",
        "膨胀.xlsx",
        zip_bomb(registry_xlsx(households(2))),
        "an xlsx whose sheet XML inflates about 1000-fold (100 MB from ~100 KB)",
        UNREADABLE,
        says_any=("ratio", "uncompressed", "inflate", "压缩"),
    ),
    Case(
        "gb18030_csv",
        "registry",
        "国标编码.csv",
        registry_csv(households(2), "gb18030"),
        "a CSV in GB18030 (Chinese Windows Excel)",
        CLEAN,
        rows=(2, 0),
    ),
    Case(
        "utf16_csv",
        "registry",
        "UTF16.csv",
        text_file(csv_text(households(2)), "utf-16"),
        "a comma CSV in UTF-16 with its BOM",
        CLEAN,
        rows=(2, 0),
    ),
    Case(
        "unicode_text_txt",
        "registry",
        "Unicode文本.txt",
        text_file(csv_text(households(2)).replace(",", "\t"), "utf-16"),
        'Excel\'s "Unicode text" export: tab-separated UTF-16 (.txt is an accepted suffix)',
        CLEAN,
        rows=(2, 0),
    ),
    Case(
        "utf16_without_bom",
        "registry",
        "无BOM的UTF16.csv",
        text_file(csv_text(households(2)), "utf-16-le"),
        "UTF-16 text without a byte-order mark",
        UNREADABLE,
        says_any=("UTF-8", "binary"),
    ),
    Case(
        "bom_declares_utf8_text_is_gb18030",
        "registry",
        "BOM与编码不符.csv",
        text_file(csv_text(households(2)), "gb18030", bom=b"\xef\xbb\xbf"),
        "a UTF-8 byte-order mark in front of GB18030 text",
        UNREADABLE,
        says=("byte-order mark",),
    ),
    Case(
        "gb18030_after_utf8_bom_and_title",
        "registry",
        "标题UTF8正文GBK.csv",
        lambda path: path.write_bytes(b"\xef\xbb\xbf" + "标题\r\n".encode() + csv_text(households(2)).encode("gb18030")),
        "a UTF-8 BOM and UTF-8 title line, then GB18030 lines: the bad byte is at offset 11 of the file",
        UNREADABLE,
        says_any=("byte 11", "offset 11", "line 2"),
    ),
    Case(
        "utf8_lines_then_gb18030_lines",
        "registry",
        "混合编码.csv",
        _appended_in_another_encoding("utf-8", "gb18030"),
        "the first lines in UTF-8, the rest appended in GB18030: the first bad UTF-8 byte starts line 3",
        UNREADABLE,
        says_any=("line 3",),
    ),
    Case(
        "gb18030_lines_then_utf8_lines",
        "registry",
        "混合编码2.csv",
        _appended_in_another_encoding("gb18030", "utf-8"),
        "the first lines in GB18030, the rest appended in UTF-8",
        UNREADABLE,
        says=("neither UTF-8 nor GB18030",),
    ),
    Case(
        "big5_csv",
        "registry",
        "繁体Big5.csv",
        raw_bytes(lambda: csv_text(households(2)).encode("big5", errors="replace")),
        "a CSV in Big5 (traditional-Chinese Windows): decodes as GB18030 into other characters",
        UNREADABLE,
        says=("no header row",),
    ),
    Case(
        "utf8_cut_inside_last_character",
        "registry",
        "下载中断.csv",
        lambda path: path.write_bytes(csv_text(households(3)).encode()[:-3] + "大".encode()[:2]),
        "a UTF-8 CSV whose download stopped inside the last character",
        UNREADABLE,
        says_any=("end of the file", "truncated", "line 4"),
    ),
    Case(
        "nul_inside_late_cell",
        "registry",
        "空字符.csv",
        raw_bytes(lambda: _nul_after(csv_text(households(80)), 4200).encode()),
        "NUL characters inside names, past the first 4 KB the binary sniff looks at",
        CLEAN,
        rows=(80, 0),
    ),
    Case(
        "nul_cell_and_its_twins",
        "registry",
        "空字符连累.csv",
        raw_bytes(lambda: _nul_twins().encode()),
        "one household size damaged by a NUL ('4\\x00x') among twenty clean 4s",
        REJECTED,
        problems=(P(62, "not_an_integer", "家庭人口数"),),
        rows=(80, 1),
    ),
    Case(
        "bad_id_in_quoted_multiline_record",
        "registry",
        "单元格换行.csv",
        text_file(csv_text([hh(1, 户主姓名="王\n小明"), hh_bad_id(2)])),
        "a quoted cell spanning two lines, then a bad row: line numbers follow the file",
        REJECTED,
        problems=(P(4, "id_check_digit", "证件号码"),),
        rows=(1, 1),
    ),
]
