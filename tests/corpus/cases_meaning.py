"""Read as the sender meant: units stated in many words, every kind of total row, sheets hidden or
with their table far down, and the file types a run and `validate` both read."""

from __future__ import annotations

import csv
import io

from tests.builders import FUND_HEADERS
from tests.corpus.case import CLEAN, REJECTED, Case, P
from tests.corpus.rows import fund, hh, hh_bad_id, households
from tests.corpus.writers import (
    FLAT,
    FUND_FLAT,
    ledger,
    openpyxl_sheets,
    sheets_xlsx,
    text_file,
    xls_file,
)

AMOUNT = FUND_FLAT.index("金额")
DATE = FUND_FLAT.index("日期")


def _total(label: str, amount) -> list:
    """A total row as ledgers write it: its label in the first column, its amount under 金额."""
    row = [""] * len(FUND_FLAT)
    row[0], row[AMOUNT] = label, amount
    return row


def _fund(k: int, amount, date: str = "2019年5月27日") -> list:
    return fund(k, 金额=amount, 日期=date)


def _amount_header(header: str) -> list:
    return [header if h == "金额" else h for h in FUND_HEADERS]


def _tsv(rows: list[list]) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter="\t", lineterminator="\r\n").writerows([FLAT, *rows])
    return out.getvalue()


def _unit_case(name: str, filename: str, unit_row: str, yuan: float, what: str, **more) -> Case:
    return Case(
        name,
        "funds",
        filename,
        ledger([_fund(1, 12.5)], unit_row=unit_row),
        what,
        CLEAN,
        rows=(1, 0),
        staged={"amount_yuan": [yuan]},
        **more,
    )


UNITS = [
    _unit_case(
        "unit_row_rmb_wan", "单位人民币万元.xlsx", "单位：人民币万元", 125000.0, "单位：人民币万元 above a ledger: 12.5 is 125 000 yuan"
    ),
    _unit_case("unit_row_bracketed", "单位括号万元.xlsx", "单位（万元）", 125000.0, "单位（万元）, the unit in brackets without a colon"),
    _unit_case("unit_row_amount_unit", "金额单位万元.xlsx", "金额单位：万元", 125000.0, "金额单位：万元"),
    _unit_case(
        "unit_row_per_person", "单位万元每人.xlsx", "单位:万元/人", 125000.0, "单位:万元/人, a half-width colon and a per-person unit"
    ),
    _unit_case("unit_row_yuan_and_percent", "单位元和百分比.xlsx", "单位：元、%", 12.5, "单位：元、%: yuan and shares"),
    Case(
        "unit_in_header_yi",
        "funds",
        "金额亿元.xlsx",
        ledger([_fund(1, 0.5)], unit_row="填报单位：扶贫办", headers=_amount_header("金额（亿元）")),
        "金额（亿元） as the amount's header",
        CLEAN,
        rows=(1, 0),
        staged={"amount_yuan": [50_000_000.0]},
    ),
    Case(
        "unit_in_header_qian",
        "funds",
        "金额千元.xlsx",
        ledger([_fund(1, 12.5)], unit_row="填报单位：扶贫办", headers=_amount_header("金额（千元）")),
        "金额（千元） as the amount's header",
        CLEAN,
        rows=(1, 0),
        staged={"amount_yuan": [12500.0]},
    ),
    _unit_case(
        "unit_row_unknown_currency",
        "单位美元.xlsx",
        "单位：美元",
        12.5,
        "单位：美元: a currency the pipeline does not convert",
        warns=("美元", "read as 元"),
    ),
    Case(
        "unit_lines_disagree",
        "funds",
        "单位前后不一.xlsx",
        sheets_xlsx({"台账": [["帮扶资金台账（单位：元）"], ["单位：万元"], FUND_FLAT, _fund(1, 12.5)]}),
        "the title says 元 and the unit row 万元",
        CLEAN,
        rows=(1, 0),
        staged={"amount_yuan": [12.5]},
        warns=("different money units", "read as 元"),
    ),
    _unit_case(
        "unit_row_ambiguous",
        "单位万元和元.xlsx",
        "单位：万元、元",
        12.5,
        "单位：万元、元: two money units, no saying which column",
        warns=("several money units", "read as 元"),
    ),
]

TOTALS = [
    Case(
        "page_subtotals",
        "funds",
        "本页小计.xlsx",
        ledger([_fund(1, 12.5), _fund(2, 7.5), _total("本页小计", 20), _fund(3, 10), _total("本页小计", 10), _total("合计", 30)]),
        "a 本页小计 at the foot of each printed page, then the 合计 of the sheet",
        CLEAN,
        rows=(3, 0),
        staged={"amount_yuan": [125000.0, 75000.0, 100000.0]},
    ),
    Case(
        "page_subtotal_wrong",
        "funds",
        "本页小计有误.xlsx",
        ledger([_fund(1, 12.5), _fund(2, 7.5), _total("本页小计", 25), _fund(3, 10), _total("本页小计", 10), _total("合计", 30)]),
        "a 本页小计 that disagrees with its page; the 合计 of the sheet is right",
        REJECTED,
        problems=(P(7, "total_mismatch"),),
        rows=(3, 0),
    ),
    Case(
        "month_totals_and_running_total",
        "funds",
        "本月合计累计.xlsx",
        ledger(
            [
                _fund(1, 10, "2019年1月5日"),
                _fund(2, 5, "2019年1月20日"),
                _total("本月合计", 15),
                _total("累计", 15),
                _fund(3, 20, "2019年2月3日"),
                _total("本月合计", 20),
                _total("累计", 35),
            ]
        ),
        "a 本月合计 and a 累计 after each month, as account books keep them",
        CLEAN,
        rows=(3, 0),
    ),
    Case(
        "spaced_total_labels",
        "funds",
        "合计带空格.xlsx",
        ledger([_fund(1, 10), _fund(2, 5), _total("小 计", 15), _fund(3, 20), _total("小\u3000计", 20), _total("合 计", 35)]),
        "小 计 and 合 计 written with spaces (and an ideographic space) inside",
        CLEAN,
        rows=(3, 0),
    ),
    Case(
        "grand_total_over_subtotals",
        "funds",
        "总计.xlsx",
        ledger([_fund(1, 10), _fund(2, 5), _total("小计", 15), _fund(3, 20), _total("小计", 20), _total("总计", 35)]),
        "小计 per group and a 总计 of the sheet's rows (the 小计 rows not added in)",
        CLEAN,
        rows=(3, 0),
    ),
    Case(
        "breakdown_rows",
        "funds",
        "其中.xlsx",
        ledger([_fund(1, 10), _fund(2, 20), _total("合计", 30), _total("其中：财政专项资金", 20), _total("其中：社会帮扶资金", 10)]),
        "其中 rows breaking the 合计 down by fund source: parts of the total, not movements",
        CLEAN,
        rows=(2, 0),
        staged={"amount_yuan": [100000.0, 200000.0]},
    ),
]

SHEETS = [
    Case(
        "very_hidden_sheet",
        "registry",
        "深度隐藏.xlsx",
        openpyxl_sheets({"花名册": [FLAT, hh(1), hh(2)], "补录": [FLAT, hh(3)]}, {"补录": "veryHidden"}),
        "a sheet of households only a macro can show: read, and said so",
        CLEAN,
        rows=(3, 0),
        warns=("补录", "veryhidden"),
        sheets=(("花名册", True, 2), ("补录", True, 1)),
    ),
    Case(
        "hidden_dropdown_lists",
        "registry",
        "隐藏下拉选项.xlsx",
        sheets_xlsx(
            {
                "花名册": [FLAT, hh(1)],
                "下拉选项": [["县", "乡镇", "行政村"], ["紫云县", "猫营镇", "大河村"], ["紫云县", "板当镇", "新寨村"]],
            },
            hidden_sheets=("下拉选项",),
        ),
        "a hidden sheet of the lists a template's drop-downs offer: not a registry, not read, and said so",
        CLEAN,
        rows=(1, 0),
        warns=("下拉选项", "not read"),
        sheets=(("花名册", True, 1), ("下拉选项", False, 3)),
    ),
    Case(
        "second_sheet_header_far_down",
        "registry",
        "表头在第200行.xlsx",
        sheets_xlsx(
            {"花名册": [FLAT, hh(1)], "补充名单": [["以下为补录户，请核对"]] + [[] for _ in range(198)] + [FLAT, hh(2), hh_bad_id(3)]}
        ),
        "a second sheet whose header is at row 200",
        REJECTED,
        problems=(P(202, "id_check_digit", "证件号码", "补充名单"),),
        rows=(2, 1),
        warns=("row 200",),
        sheets=(("花名册", True, 1), ("补充名单", True, 2)),
    ),
    Case(
        "sheet_with_no_table_named",
        "registry",
        "说明页有行数.xlsx",
        sheets_xlsx({"填表说明": [["填表说明"], ["1. 证件号码填写18位身份证号"], ["2. 脱贫年度填写四位年份"]], "花名册": [FLAT, hh(1)]}),
        "an instructions sheet: not read, and named with its rows",
        CLEAN,
        rows=(1, 0),
        sheets=(("填表说明", False, 3), ("花名册", True, 1)),
    ),
    Case(
        "tab_separated_tsv",
        "registry",
        "制表符分隔.tsv",
        text_file(_tsv(households(2))),
        "Excel's Unicode-text export saved as .tsv",
        CLEAN,
        rows=(2, 0),
    ),
    Case("wps_et_workbook", "registry", "WPS表格.et", xls_file(households(2)), "a WPS .et workbook (BIFF, like .xls)", CLEAN, rows=(2, 0)),
]

CASES = [*UNITS, *TOTALS, *SHEETS]
