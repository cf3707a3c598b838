"""Layouts the provincial and national systems export: numbered, starred and three-row headers,
template placeholder rows, the county only in the title, one sheet per township, section rows, and
wide fund tables with one amount column per fund source in 万元 and a 合计 column."""

from __future__ import annotations

from tests.corpus.case import CLEAN, REJECTED, UNREADABLE, Case, P
from tests.corpus.rows import hh, households
from tests.corpus.writers import FLAT, sheets_xlsx, text_file

# Two unmapped sub-header rows under a group (收入构成 → 其中 → 种植业/务工), as in the Jiangsu income
# template: a block of three rows, the registry's own headers merged down over all three.
_GROUP = ["收入构成", "", ""]
_MIDDLE = ["1.全年纯收入", "其中", ""]
_LEAVES = ["", "种植业收入", "务工收入"]
_NUMBERED = [f"{i + 1}.{h}" if i % 2 == 0 else f"{i + 1}、{h}" for i, h in enumerate(FLAT)]


def _three_rows_xlsx(rows: list[list]):
    width = len(_NUMBERED)
    merges = [(0, c, 2, c, _NUMBERED[c]) for c in range(width)]
    merges += [(0, width, 0, width + 2, _GROUP[0]), (1, width, 2, width, _MIDDLE[0]), (1, width + 1, 1, width + 2, "其中")]
    sheet = [_NUMBERED + _GROUP, [""] * width + _MIDDLE, [""] * width + _LEAVES, *[row + ["9000", "5000", "4000"] for row in rows]]
    return sheets_xlsx({"年收入": sheet}, merges={"年收入": merges})


def _csv(rows: list[list]) -> str:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def _without(column: str, rows: list[list]) -> tuple[list[str], list[list]]:
    at = FLAT.index(column)
    return FLAT[:at] + FLAT[at + 1 :], [row[:at] + row[at + 1 :] for row in rows]


_NO_COUNTY_HEADER, _NO_COUNTY_ROWS = _without("县", households(3))
_NO_TOWNSHIP_HEADER, _NO_TOWNSHIP_ROWS = _without("乡镇", households(4))
_STARRED = [f"{h}*" if i % 3 == 0 else " ".join(h) if len(h) == 2 else h for i, h in enumerate(FLAT)]

# A wide ledger: one amount column per fund source under 资金来源（万元）, with its 合计 column; no
# date column, the year in the title; no county column, the county in the title.
_WIDE_HEADER = ["序号", "乡镇", "村", "帮扶单位", "资金类别", "资金来源（万元）", "", "", ""]
_WIDE_LEAVES = ["", "", "", "", "", "合计", "财政专项", "信贷", "单位自筹"]


def _wide_ledger(rows: list[list], title: str = "紫云县2019年帮扶资金台账", total: list | None = None):
    width = len(_WIDE_HEADER)
    merges = [(1, c, 2, c, _WIDE_HEADER[c]) for c in range(5)] + [(1, 5, 1, 8, _WIDE_HEADER[5]), (0, 0, 0, width - 1, title)]
    sheet = [[title], _WIDE_HEADER, _WIDE_LEAVES, *rows]
    if total is not None:
        sheet.append(total)
    return sheets_xlsx({"台账": sheet}, merges={"台账": merges})


def _wide(k: int, total, fiscal, credit, own, township="猫营镇", village="大河村") -> list:
    return [k, township, village, "经开区财政局", "产业", total, fiscal, credit, own]


CASES = [
    Case(
        "numbered_three_row_header",
        "registry",
        "三行表头.xlsx",
        _three_rows_xlsx(households(2)),
        "numbered headers (1.县, 2、乡镇) merged down over three rows, two of them sub-headers no column map knows",
        CLEAN,
        rows=(2, 0),
    ),
    Case(
        "numbered_three_row_header_csv",
        "registry",
        "三行表头.csv",
        text_file(
            _csv(
                [
                    _NUMBERED + _GROUP,
                    [""] * len(FLAT) + _MIDDLE,
                    [""] * len(FLAT) + _LEAVES,
                    *[r + ["9000", "5000", "4000"] for r in households(2)],
                ]
            )
        ),
        "the same three-row header in a CSV, without merged cells",
        CLEAN,
        rows=(2, 0),
    ),
    Case(
        "placeholder_rows",
        "registry",
        "模板占位行.xlsx",
        sheets_xlsx({"花名册": [FLAT, ["N"] * len(FLAT), ["{.pid}", "{.district}", "{.township}"], hh(1), hh(2)]}),
        "a template's N row and {.pid} row under the header",
        CLEAN,
        rows=(2, 0),
    ),
    Case(
        "starred_and_spaced_headers",
        "registry",
        "必填标记.xlsx",
        sheets_xlsx({"花名册": [_STARRED, hh(1)]}),
        "required columns marked with *, two-character headers spaced out (乡 镇)",
        CLEAN,
        rows=(1, 0),
    ),
    Case(
        "county_only_in_title",
        "registry",
        "花名册标题县.xlsx",
        sheets_xlsx({"花名册": [["紫云县建档立卡贫困户信息表"], _NO_COUNTY_HEADER, *_NO_COUNTY_ROWS]}),
        "no county column: the county is in the title row",
        CLEAN,
        rows=(3, 0),
        staged={"county_code": ["520425"] * 3},
    ),
    Case(
        "title_contradicts_county_column",
        "registry",
        "标题与县列不符.xlsx",
        sheets_xlsx({"花名册": [["紫云县建档立卡贫困户信息表"], FLAT, hh(1), hh(2, 县="望谟县"), hh(3)]}),
        "the title says 紫云县, one row's county column 望谟县",
        REJECTED,
        problems=(P(4, "context_conflict", "县"),),
        rows=(2, 1),
    ),
    Case(
        "title_and_file_name_disagree",
        "registry",
        "望谟县花名册.xlsx",
        sheets_xlsx({"花名册": [["紫云县建档立卡贫困户信息表"], _NO_COUNTY_HEADER, *_NO_COUNTY_ROWS[:2]]}),
        "no county column, and the title and the file name name different counties",
        REJECTED,
        problems=(P(3, "context_conflict"), P(4, "context_conflict")),
        rows=(0, 2),
    ),
    Case(
        "section_rows_set_the_township",
        "registry",
        "分段行.xlsx",
        sheets_xlsx({"花名册": [_NO_TOWNSHIP_HEADER, ["一、猫营镇"], *_NO_TOWNSHIP_ROWS[:2], ["二、板当镇"], *_NO_TOWNSHIP_ROWS[2:]]}),
        "no township column: section rows 一、猫营镇 and 二、板当镇 name the township of the rows below",
        CLEAN,
        rows=(4, 0),
    ),
    Case(
        "one_sheet_per_township_no_column",
        "registry",
        "分乡镇无乡镇列.xlsx",
        sheets_xlsx({"猫营镇": [_NO_TOWNSHIP_HEADER, *_NO_TOWNSHIP_ROWS[:2]], "板当镇": [_NO_TOWNSHIP_HEADER, *_NO_TOWNSHIP_ROWS[2:]]}),
        "one sheet per township, named after it, without a township column",
        CLEAN,
        rows=(4, 0),
    ),
    Case(
        "section_row_contradicts_sheet",
        "registry",
        "分段行与表名不符.xlsx",
        sheets_xlsx({"猫营镇": [_NO_TOWNSHIP_HEADER, ["一、板当镇"], *_NO_TOWNSHIP_ROWS[:1]]}),
        "the sheet is named 猫营镇, its section row says 板当镇",
        REJECTED,
        problems=(P(3, "context_conflict"),),
        rows=(0, 1),
    ),
    Case(
        "no_township_anywhere",
        "registry",
        "无乡镇.xlsx",
        sheets_xlsx({"花名册": [_NO_TOWNSHIP_HEADER, *_NO_TOWNSHIP_ROWS[:1]]}),
        "no township column, no township sheet name, no section rows",
        UNREADABLE,
        says=("township_name", "missing"),
    ),
    Case(
        "wide_ledger_in_wan",
        "funds",
        "紫云县宽表台账.xlsx",
        _wide_ledger(
            [_wide(1, 18, 10, 5, 3), _wide(2, 2.5, 2.5, "", ""), _wide(3, 7, "", "", 7, "板当镇", "新村")],
            total=["合计", "", "", "", "", 27.5, 12.5, 5, 10],
        ),
        "a wide ledger in 万元: one column per fund source and a 合计 column; county and year only in the title",
        CLEAN,
        rows=(3, 0),
        staged={
            "amount_yuan": [100000.0, 50000.0, 30000.0, 25000.0, 70000.0],
            "fund_source": ["fiscal", "credit", "own_funds", "fiscal", "own_funds"],
            "county_code": ["520425"] * 5,
            "fund_date": ["2019-12-31"] * 5,
        },
        warns=("2019-12-31",),
    ),
    Case(
        "wide_ledger_total_column_wrong",
        "funds",
        "紫云县宽表合计列不符.xlsx",
        _wide_ledger([_wide(1, 18, 10, 5, 3), _wide(2, 3, 2.5, "", "")]),
        "a wide ledger whose 合计 column says 3 万元 where its parts make 2.5",
        REJECTED,
        problems=(P(5, "total_mismatch"),),
        rows=(2, 0),
    ),
    Case(
        "wide_ledger_bad_cell_rejects_its_row",
        "funds",
        "紫云县宽表负数.xlsx",
        _wide_ledger([_wide(1, 18, 10, 5, 3), _wide(2, 2.5, 5, -2.5, "")]),
        "a negative amount in one fund-source column: the whole row is rejected, its other cells with it",
        REJECTED,
        problems=(P(5, "amount_not_positive"),),
        rows=(1, 1),
    ),
]
