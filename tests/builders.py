"""Writers of source files for tests: the same rows as a messy xlsx, xls or CSV, the way counties send them.

The header lists are the ones the sample-data generator writes (``sample_data``), so that a layout
is spelled in one place; a column under a merged group header is given as (group, leaf).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import xlsxwriter

from sample_data import fund_ledgers, layouts, person_export, project_list, village_list


def _grouped(names, group: str | None = None, columns: range = range(0)) -> list:
    return [(group, name) if c in columns else name for c, name in enumerate(names)]


def registry_headers(layout: str) -> list:
    """The headers of the generator's registry layout ``layout`` (A to D), 两不愁三保障 over its four columns."""
    return _grouped(layouts.LAYOUTS[layout].headers, layouts.GROUP, layouts.GROUP_COLUMNS)


def _table_headers(header) -> list:
    if header.group is None:
        return list(header.names)
    group, first, last = header.group
    return _grouped(header.names, group, range(first, last + 1))


HEADERS_A = registry_headers("A")
FUND_HEADERS = _table_headers(fund_ledgers.HEADERS["A"])
PROJECT_HEADERS = _table_headers(project_list.HEADER)
VILLAGE_HEADERS = _table_headers(village_list.HEADER)
# The national system's per-person export ("贫困户信息列表"): its 27 named columns (the bank card's
# header is merged over an unnamed one to its right).
PERSON_HEADERS = [h for h in person_export.HEADERS if h]

# Valid GB 11643 numbers (check digits computed by hand from the standard's weights).
VALID_IDS = [
    "11010519491231002X",
    "520425198001010014",
    "520425197503150020",
    "520425196612240039",
    "520425198808080048",
    "520425199007070055",
]
# Where every default row lives.
PLACE = {"县": "紫云县", "乡镇": "猫营镇", "行政村": "大河村"}


def _in_order(headers, cells: dict, overrides: dict) -> list:
    """The row's cells in the order of ``headers``; a cell is named by its header's leaf, a
    multi-line header by its first line."""
    row = {**cells, **overrides}
    return [row[(h if isinstance(h, str) else h[1]).split("\n")[0]] for h in headers]


def household(**overrides) -> list:
    """One valid household row in layout A; keyword overrides by header name."""
    row = {
        **PLACE,
        "户编号": "5204250010001",
        "户主姓名": "王小明",
        "证件号码": VALID_IDS[1],
        "家庭人口数": "4",
        "贫困户属性": "一般贫困户",
        "主要致贫原因": "因病",
        "识别年度": "2014",
        "脱贫年度": "2016",
        "脱贫状态": "已脱贫（享受政策）",
        "返贫年度": "",
        "人均纯收入（元）": "4,567.50",
        "住房安全有保障": "是",
        "饮水安全有保障": "是",
        "义务教育有保障": "是",
        "基本医疗有保障": "是",
        "联系电话": "13812345678",
    }
    return _in_order(HEADERS_A, row, overrides)


def _header_rows(headers) -> tuple[list, list]:
    top, bottom = [], []
    for h in headers:
        if isinstance(h, tuple):
            top.append(h[0] if not top or top[-1] != h[0] or bottom[-1] == "" else "")
            bottom.append(h[1])
        else:
            top.append(h)
            bottom.append("")
    return top, bottom


def _two_row_header(ws, headers) -> None:
    """The header in the sheet's third and fourth rows: a group's name merged over its leaves, any
    other header merged down over both rows."""
    width = len(headers)
    top, bottom = _header_rows(headers)
    col = 0
    while col < width:
        if bottom[col] == "":
            ws.merge_range(2, col, 3, col, top[col])
            col += 1
            continue
        end = col
        while end + 1 < width and bottom[end + 1] != "" and top[end + 1] == "":
            end += 1
        if end > col:
            ws.merge_range(2, col, 2, end, top[col])
        else:
            ws.write(2, col, top[col])
        for c in range(col, end + 1):
            ws.write(3, c, bottom[c])
        col = end + 1


def write_xlsx(
    path: Path,
    rows: list[list],
    headers=HEADERS_A,
    sheet="花名册",
    title="紫云县建档立卡贫困户信息表",
    total=True,
    notes=("注：本表由乡镇填报。", "填表人："),
    blank_after: tuple[int, ...] = (),
) -> dict:
    """Title (merged), unit row, two-row merged header, data, 合计, notes. Returns the Excel row
    number of each data row (by position in ``rows``)."""
    workbook = xlsxwriter.Workbook(str(path))
    ws = workbook.add_worksheet(sheet)
    width = len(headers)
    ws.merge_range(0, 0, 0, width - 1, title)
    ws.write(1, 0, "填报单位：扶贫开发办公室    统计时间：2020年12月31日    单位：人、元")
    _two_row_header(ws, headers)
    excel_rows = {}
    r = 4
    for i, row in enumerate(rows):
        ws.write_row(r, 0, row)
        excel_rows[i] = r + 1
        r += 1
        if i in blank_after:
            r += 1
    if total:
        ws.write_row(r, 0, ["合计", "", "", f"{len(rows)}户"])
        r += 1
    for note in notes:
        ws.write(r, 0, note)
        r += 1
    workbook.close()
    return excel_rows


def write_csv(path: Path, rows: list[list], encoding: str, headers=HEADERS_A, total=True, notes=("注：本表由乡镇填报。",)) -> dict:
    width = len(headers)
    top, bottom = _header_rows(headers)
    lines = [["紫云县建档立卡贫困户信息表"] + [""] * (width - 1), ["单位：人、元"] + [""] * (width - 1), top, bottom]
    excel_rows = {}
    for i, row in enumerate(rows):
        lines.append(row)
        excel_rows[i] = len(lines)
    if total:
        lines.append(["合计", "", "", f"{len(rows)}户"] + [""] * (width - 4))
    for note in notes:
        lines.append([note] + [""] * (width - 1))
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(lines)
    return excel_rows


def write_xls(path: Path, rows: list[list], headers=HEADERS_A) -> dict:
    import xlwt

    book = xlwt.Workbook(encoding="utf-8")
    ws = book.add_sheet("Sheet1")
    width = len(headers)
    ws.write_merge(0, 0, 0, width - 1, "紫云县建档立卡贫困户信息表")
    ws.write(1, 0, "单位：人、元")
    top, bottom = _header_rows(headers)
    for c in range(width):
        if bottom[c] == "":
            ws.write_merge(2, 3, c, c, top[c])
        else:
            if top[c]:
                ws.write(2, c, top[c])
            ws.write(3, c, bottom[c])
    excel_rows = {}
    for i, row in enumerate(rows):
        for c, value in enumerate(row):
            ws.write(4 + i, c, value)
        excel_rows[i] = 5 + i
    ws.write(4 + len(rows), 0, "合计")
    book.save(str(path))
    return excel_rows


def write_table(path: Path, headers, rows: list[list], title: str, unit_row: str, sheet: str = "Sheet1") -> dict:
    """Any source table as xlsx (title, unit row, one- or two-row merged header, rows as given,
    合计/小计 rows included by the caller). Returns the Excel row of each given row."""
    workbook = xlsxwriter.Workbook(str(path))
    ws = workbook.add_worksheet(sheet)
    width = len(headers)
    ws.merge_range(0, 0, 0, width - 1, title)
    ws.write(1, 0, unit_row)
    two_rows = any(isinstance(h, tuple) for h in headers)
    if two_rows:
        _two_row_header(ws, headers)
    else:
        ws.write_row(2, 0, _header_rows(headers)[0])
    first = 4 if two_rows else 3
    excel_rows = {}
    for i, row in enumerate(rows):
        ws.write_row(first + i, 0, row)
        excel_rows[i] = first + i + 1
    workbook.close()
    return excel_rows


# One valid row of each investment source, by header; the builders below take overrides cell by cell.
FUND_CELLS = {
    "日期": "2019年5月27日",
    "帮扶单位": "经开区财政局",
    "单位类型": "部门",
    "所属单位": "贵阳经开区",
    "县": "紫云县",
    "乡镇": "猫营镇",
    "村": "大河村",
    "项目编号": "ZY-2019-001",
    "资金类别": "产业",
    "资金来源": "财政专项",
    "金额": 12.5,
    "备注": "",
}
PROJECT_CELLS = {
    **PLACE,
    "项目编号": "ZY-2019-001",
    "项目名称": "大河村精品水果种植项目",
    "项目类型": "产业扶贫",
    "开工日期": "2019年3月",
    "完工日期": "2019.11.30",
    "计划投资（万元）": 50,
    "项目状态": "已完工",
    "带动贫困户数": 32,
    "带动贫困人口数": 121,
    "建设规模": "200亩",
}
VILLAGE_CELLS = {
    **PLACE,
    "是否贫困村": "是",
    "出列年度": "2019年",
    "户籍人口": 1850,
    "农业人口": 1620,
    "村集体经济收入（万元）": 6.5,
}


def fund_row(number=1, **overrides) -> list:
    return _in_order(FUND_HEADERS, {"序号": number, **FUND_CELLS}, overrides)


def project_row(**overrides) -> list:
    return _in_order(PROJECT_HEADERS, PROJECT_CELLS, overrides)


def village_row(**overrides) -> list:
    return _in_order(VILLAGE_HEADERS, VILLAGE_CELLS, overrides)


def drop_first_household(path: Path, county: str = "望谟县") -> None:
    """One household fewer in a county's CSV registry (its first data row), as a county resending its file."""
    lines = path.read_text(encoding="utf-8-sig").splitlines(keepends=True)
    del lines[next(i for i, line in enumerate(lines) if line.startswith(f"{county},"))]
    path.write_text("".join(lines), encoding="utf-8-sig")


def assert_same_rows(url: str, other_url: str, tables: tuple[str, ...]) -> None:
    """The analytics tables hold the same rows in both warehouses (a warehouse and its read copy)."""
    import pandas as pd

    from etl_project.warehouse.engine import opened

    with opened(url) as db, opened(other_url) as other:
        for table in tables:
            ordered = f"SELECT * FROM analytics.{table} ORDER BY ALL"
            pd.testing.assert_frame_equal(db.query(ordered), other.query(ordered))


def cli_run(raw: Path, url: str, env: dict[str, str] | None = None, extra: list[str] | None = None) -> subprocess.Popen:
    """``etl-project run`` in a process of its own (no run history kept), output captured as text."""
    root = Path(__file__).resolve().parents[1]
    return subprocess.Popen(
        [sys.executable, "-m", "etl_project", "run", "--raw", str(raw), "--warehouse", url, "--ephemeral", *(extra or [])],
        cwd=root,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def member(**overrides) -> list:
    """One household head's row of the per-person export; keyword overrides by header name (the
    multi-line headers by their first line: 劳动能力, 是否参加新农合, 是否参加新型养老保险)."""
    row = {
        "省（自治区、直辖市）": "贵州省",
        "市（盟、州）": "安顺市",
        "县(市、区、旗)": "紫云苗族布依族自治县",
        "镇(乡)": "猫营镇",
        "行政村": "大河村",
        "姓名": "王小明",
        "性别": "男",
        "证件号码": VALID_IDS[1],
        "人数": "1",
        "与户主关系": "户主",
        "民族": "苗族",
        "文化程度": "小学",
        "在校生状况": "非在校生",
        "健康状况": "健康",
        "劳动能力": "普通劳动力",
        "务工状况": "乡（镇）内务工",
        "务工时间（月）": "6",
        "是否参加新农合": "是",
        "是否参加新型养老保险": "是",
        "是否参加城镇职工基本养老保险": "否",
        "脱贫属性": "未脱贫",
        "贫困户属性": "一般贫困户",
        "主要致贫原因": "因病",
        "人均纯收入": "3500",
        "联系电话": "13812345678",
        "开户银行名称": "农村信用社",
        "银行卡号": "6228480000000000000",
    }
    return _in_order(PERSON_HEADERS, row, overrides)
