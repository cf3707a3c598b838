"""What a cell holds: formulas, errors, dates, units, extreme numbers, invisible and exotic characters."""

from __future__ import annotations

import datetime

from tests.corpus.case import CLEAN, REJECTED, Case, P, bare_registry_case
from tests.corpus.rows import INCOME, fund, hh, households
from tests.corpus.writers import (
    FLAT,
    FUND_FLAT,
    Formula,
    csv_text,
    ledger,
    openpyxl_xlsx,
    registry_csv,
    sheets_xlsx,
    text_file,
)

FUND_NUMBER = FUND_FLAT.index("金额")
FUND_DATE = FUND_FLAT.index("日期")


def _fund_with(k: int, column: int, value) -> list:
    row = fund(k)
    row[column] = value
    return row


def _dated_ledger(dates: list) -> list[list]:
    return [FUND_FLAT, *[_fund_with(k, FUND_DATE, d) for k, d in enumerate(dates, start=1)]]


def _ledger_amounts(amounts: list, unit_row: str = "单位：万元"):
    return ledger([fund(k, 金额=a) for k, a in enumerate(amounts, start=1)], unit_row=unit_row)


CASES = [
    Case(
        "formulas_with_cached_values",
        "registry",
        "公式有缓存.xlsx",
        sheets_xlsx({"花名册": [FLAT, hh(1, 家庭人口数=Formula("=2+2", 4), **{INCOME: Formula("=4000+567.5", 4567.5)})]}),
        "formulas saved by Excel with their results",
        CLEAN,
        rows=(1, 0),
        staged={"household_size": [4], "income_per_person_yuan": [4567.5]},
    ),
    Case(
        "formulas_without_cached_values",
        "registry",
        "公式无缓存.xlsx",
        openpyxl_xlsx([FLAT, hh(1, 家庭人口数=Formula("=2+2")), hh(2)]),
        "a formula saved without its result (written by a tool, not Excel)",
        REJECTED,
        problems=(P(2, "required_missing", "家庭人口数"),),
        rows=(1, 1),
    ),
    Case(
        "error_cells",
        "registry",
        "错误值.xlsx",
        openpyxl_xlsx([FLAT, hh(1, **{INCOME: "#DIV/0!"}), hh(2, 返贫年度="#REF!"), hh(3)]),
        "#DIV/0! in 人均纯收入, #REF! in 返贫年度",
        REJECTED,
        problems=(P(2, "not_a_number", INCOME), P(3, "not_a_year", "返贫年度")),
        rows=(1, 2),
    ),
    Case(
        "dates_as_cells_serials_and_text",
        "funds",
        "日期各式.xlsx",
        sheets_xlsx(
            {
                "台账": _dated_ledger(
                    [
                        datetime.datetime(2019, 5, 27),
                        43617,
                        "43617",
                        "2019/6/1",
                        "2019.6.1",
                        "20190601",
                        "2019年6月",
                        "2019年6月1日",
                        "２０１９年６月１日",
                        "2019-06-01 08:30:00",
                    ]
                )
            }
        ),
        "dates as date cells, serial numbers, serial text and seven written forms",
        CLEAN,
        rows=(10, 0),
        staged={"fund_date": ["2019-05-27"] + ["2019-06-01"] * 9},
    ),
    Case(
        "dates_unreadable",
        "funds",
        "日期无法识别.xlsx",
        sheets_xlsx({"台账": _dated_ledger(["2019年13月1日", "5/27/2019", "2019-02-30", "去年", "2019年6月1日"])}),
        "dates no calendar has, and ambiguous or vague ones",
        REJECTED,
        problems=(P(2, "not_a_date", "日期"), P(3, "not_a_date", "日期"), P(4, "not_a_date", "日期"), P(5, "not_a_date", "日期")),
        rows=(1, 4),
    ),
    Case(
        "dates_out_of_programme",
        "funds",
        "日期超范围.xlsx",
        sheets_xlsx({"台账": _dated_ledger(["2030年1月1日", "2012.12.31", "2013.1.1"])}),
        "a movement dated 2030 and one before 2013",
        REJECTED,
        problems=(P(2, "date_out_of_range", "日期"), P(3, "date_out_of_range", "日期")),
        rows=(1, 2),
    ),
    Case(
        "numbers_with_units",
        "registry",
        "数字带单位.csv",
        text_file(
            csv_text(
                [
                    hh(1, 家庭人口数="4人", 识别年度="2014年度", 脱贫年度="2016年", **{INCOME: "4,567.5元"}),
                    hh(2, 家庭人口数="４", 识别年度="２０１５", **{INCOME: "３５００"}),
                ]
            )
        ),
        "4人, 2014年度, 4,567.5元 and full-width digits",
        CLEAN,
        rows=(2, 0),
        staged={"household_size": [4, 4], "identification_year": [2014, 2015], "income_per_person_yuan": [4567.5, 3500.0]},
    ),
    bare_registry_case(
        "numbers_with_foreign_units",
        "数字带其他单位.csv",
        [hh(1, 家庭人口数="4口人"), hh(2, **{INCOME: "4567.5美元"}), hh(3, 识别年度="2014财年")],
        "units the parsers do not know (口人, 美元, 财年)",
        (P(2, "not_an_integer", "家庭人口数"), P(3, "not_a_number", INCOME), P(4, "not_a_year", "识别年度")),
        0,
    ),
    Case(
        "id_number_stored_as_number",
        "registry",
        "身份证存为数字.xlsx",
        sheets_xlsx({"花名册": [FLAT, hh(1, 证件号码=520425198001010014)]}),
        "an ID number typed as a number: Excel keeps 15 significant digits",
        REJECTED,
        problems=(P(2, "id_check_digit", "证件号码"),),
        rows=(0, 1),
    ),
    Case(
        "amounts_with_their_own_unit",
        "funds",
        "金额自带单位.xlsx",
        _ledger_amounts(["1.5万", "3000元", 12.5]),
        "under 单位：万元, cells that say 1.5万 and 3000元 themselves",
        CLEAN,
        rows=(3, 0),
        staged={"amount_yuan": [15000.0, 3000.0, 125000.0]},
    ),
    Case(
        "amounts_with_separators",
        "funds",
        "金额千分位.xlsx",
        _ledger_amounts(["１２，５００.００", "1,250,000", " 3 000 ", "0.3"], unit_row="单位：元"),
        "thousands separators, full-width digits and spaces in yuan",
        CLEAN,
        rows=(4, 0),
        staged={"amount_yuan": [12500.0, 1250000.0, 3000.0, 0.3]},
    ),
    Case(
        "negative_and_zero_amounts",
        "funds",
        "负数和零.xlsx",
        _ledger_amounts([-5, 0, "-1,000", 2]),
        "a refund written as a negative amount, a zero, a negative with separators",
        REJECTED,
        problems=(P(5, "amount_not_positive", "金额"), P(6, "amount_not_positive", "金额"), P(7, "amount_not_positive", "金额")),
        rows=(1, 3),
    ),
    Case(
        "huge_amounts",
        "funds",
        "天文数字.xlsx",
        _ledger_amounts(["1e308", 1e308, "1" + "0" * 308, "9" * 400, 2]),
        "1e308 as text and as a number cell, 10^308 and 400 nines written out",
        REJECTED,
        problems=tuple(P(r, "not_a_number", "金额") for r in (5, 6, 7, 8)),
        rows=(1, 4),
    ),
    Case(
        "nan_and_infinity",
        "registry",
        "NaN和无穷.csv",
        text_file(
            csv_text(
                [
                    hh(1, **{INCOME: "NaN"}),
                    hh(2, **{INCOME: "inf"}),
                    hh(3, **{INCOME: "-Infinity"}),
                    hh(4, 家庭人口数="nan"),
                    hh(5, 识别年度="NaN"),
                ]
            )
        ),
        "NaN, inf and -Infinity where numbers belong",
        REJECTED,
        problems=(
            P(2, "not_a_number", INCOME),
            P(3, "not_a_number", INCOME),
            P(4, "not_a_number", INCOME),
            P(5, "not_an_integer", "家庭人口数"),
            P(6, "not_a_year", "识别年度"),
        ),
        rows=(0, 5),
    ),
    bare_registry_case(
        "ten_thousand_characters_in_a_number",
        "超长单元格.csv",
        [hh(1, 家庭人口数="4" * 10_000), hh(2)],
        "a 10 000-character household size",
        (P(2, "not_an_integer", "家庭人口数"),),
        1,
    ),
    Case(
        "ten_thousand_characters_in_a_note",
        "funds",
        "超长备注.xlsx",
        sheets_xlsx({"台账": [FUND_FLAT, fund(1, 备注="说明" * 5_000), fund(2)]}),
        "a 10 000-character note in a ledger",
        CLEAN,
        rows=(2, 0),
    ),
    bare_registry_case(
        "control_characters",
        "控制字符.csv",
        [hh(1, 县="紫云县\x01"), hh(2, 行政村="大河\x07村"), hh(3, 家庭人口数="4\x0b")],
        "SOH, BEL and vertical tab inside cells",
        (),
        3,
        staged={"village_name": ["大河村"] * 3},
    ),
    bare_registry_case(
        "direction_and_zero_width_marks",
        "不可见字符.csv",
        [hh(1, 县="\u200f紫云县\u200e"), hh(2, 乡镇="猫营\u200b镇"), hh(3, 行政村="\u202a大河村\u202c")],
        "right-to-left, left-to-right, zero-width space and embedding marks",
        (),
        3,
        staged={"township_name": ["猫营镇"] * 3, "village_name": ["大河村"] * 3},
    ),
    Case(
        "bom_in_the_middle",
        "registry",
        "中间BOM.csv",
        text_file(csv_text(households(3)).replace("\r\n紫云县", "\r\n\ufeff紫云县", 2)),
        "a byte-order mark at the start of data lines (files pasted together)",
        CLEAN,
        rows=(3, 0),
    ),
    Case(
        "emoji",
        "registry",
        "表情符号.csv",
        registry_csv([hh(1, 户主姓名="王小明😀"), hh(2, 户主姓名="👨‍👩‍👧李四")], "gb18030"),
        "emoji (four-byte in GB18030, a ZWJ sequence) in names",
        CLEAN,
        rows=(2, 0),
    ),
    bare_registry_case(
        "full_width_and_spaced_text",
        "全角空格.csv",
        [hh(1, 乡镇=" 猫营 镇 ", 行政村="大河村　", 贫困户属性="０１", 主要致贫原因=" 因 病 ")],
        "full-width digits, ideographic and inner spaces in names and codes",
        (),
        1,
        staged={"township_name": ["猫营镇"], "village_name": ["大河村"]},
    ),
]
