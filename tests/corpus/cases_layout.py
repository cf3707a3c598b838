"""Where the table sits: empty sheets, shifted headers, merged and hidden cells, several tables."""

from __future__ import annotations

from tests.corpus.case import CLEAN, REJECTED, UNREADABLE, Case, P
from tests.corpus.rows import hh, hh_bad_id, households
from tests.corpus.writers import FLAT, csv_text, registry_xlsx, sheets_xlsx, text_file


def _blank_places(row: list) -> list:
    return row[:1] + ["", ""] + row[3:]


CASES = [
    Case(
        "only_headers_xlsx",
        "registry",
        "只有表头.xlsx",
        registry_xlsx([], total=False, notes=()),
        "title, unit row and header, no households",
        CLEAN,
        rows=(0, 0),
    ),
    Case(
        "only_headers_csv",
        "registry",
        "只有表头.csv",
        text_file(",".join(FLAT) + "\r\n"),
        "a CSV with its header line only",
        CLEAN,
        rows=(0, 0),
    ),
    Case(
        "empty_sheet_beside_data",
        "registry",
        "含空表.xlsx",
        sheets_xlsx({"Sheet1": [], "花名册": [FLAT, hh(1)]}),
        "an empty first sheet, the registry on the second",
        CLEAN,
        rows=(1, 0),
    ),
    Case(
        "instructions_sheet_first",
        "registry",
        "含说明页.xlsx",
        sheets_xlsx({"填表说明": [["填表说明"], ["1. 证件号码填写18位身份证号"]], "花名册": [FLAT, hh(1), hh_bad_id(2)]}),
        "an instructions sheet before the data sheet",
        REJECTED,
        problems=(P(3, "id_check_digit", "证件号码", "花名册"),),
        rows=(1, 1),
        sheets=(("填表说明", False, 2), ("花名册", True, 2)),
    ),
    Case(
        "header_shifted_down",
        "registry",
        "表头下移.xlsx",
        sheets_xlsx({"花名册": [[], [], FLAT, hh(1), hh_bad_id(2)]}),
        "two empty rows above the header: Excel row numbers must still be right",
        REJECTED,
        problems=(P(5, "id_check_digit", "证件号码"),),
        rows=(1, 1),
    ),
    Case(
        "table_starts_in_column_c",
        "registry",
        "表格右移.xlsx",
        sheets_xlsx({"花名册": [["", "", *FLAT], ["", "", *hh(1)], ["", "", *hh_bad_id(2)]]}),
        "the table starts in column C",
        REJECTED,
        problems=(P(3, "id_check_digit", "证件号码"),),
        rows=(1, 1),
    ),
    Case(
        "blank_row_under_header",
        "registry",
        "表头下空行.xlsx",
        sheets_xlsx({"花名册": [FLAT, [], hh(1), hh_bad_id(2)]}),
        "a blank row between header and data",
        REJECTED,
        problems=(P(4, "id_check_digit", "证件号码"),),
        rows=(1, 1),
    ),
    Case(
        "three_title_rows",
        "registry",
        "三行标题.xlsx",
        sheets_xlsx(
            {
                "花名册": [
                    ["紫云县建档立卡贫困户信息表"],
                    ["（2020年动态调整后）"],
                    ["填报单位：扶贫办", "", "", "", "单位：人、元"],
                    FLAT,
                    hh(1),
                    hh_bad_id(2),
                ]
            }
        ),
        "title, subtitle and unit row above the header",
        REJECTED,
        problems=(P(6, "id_check_digit", "证件号码"),),
        rows=(1, 1),
    ),
    Case(
        "header_under_forty_lines",
        "registry",
        "表头太靠下.csv",
        text_file("".join(f"说明第{i}行\r\n" for i in range(1, 41)) + csv_text(households(1))),
        "forty lines of explanations before the header: read, and said so",
        CLEAN,
        rows=(1, 0),
        warns=("row 41",),
    ),
    Case(
        "duplicate_header_same_values",
        "registry",
        "重复表头.xlsx",
        sheets_xlsx({"花名册": [FLAT + ["证件号码"], hh(1) + [hh(1)[5]], hh_bad_id(2) + [hh_bad_id(2)[5]]]}),
        "the ID column appears twice with the same values",
        REJECTED,
        problems=(P(3, "id_check_digit", "证件号码"),),
        rows=(1, 1),
    ),
    Case(
        "duplicate_header_conflicting",
        "registry",
        "重复表头冲突.xlsx",
        sheets_xlsx({"花名册": [FLAT + ["家庭人口数"], hh(1) + ["6"], hh(2) + ["4"]]}),
        "家庭人口数 twice, the copies disagreeing (4 against 6)",
        UNREADABLE,
        says=("家庭人口数",),
    ),
    Case(
        "missing_required_column",
        "registry",
        "缺证件号码.xlsx",
        sheets_xlsx({"花名册": [FLAT[:5] + FLAT[6:], hh(1)[:5] + hh(1)[6:]]}),
        "the ID-number column is missing",
        UNREADABLE,
        says=("证件号码", "id_number", "missing"),
    ),
    Case(
        "unknown_layout",
        "registry",
        "物资清单.xlsx",
        sheets_xlsx({"清单": [["品名", "规格", "数量", "单价"], ["化肥", "50kg", "20", "150"]]}),
        "a sheet of something else entirely: its header is named, and that it is no source's",
        UNREADABLE,
        says=("header row 1 found", "品名, 规格, 数量, 单价", "none of these is a column of any source"),
    ),
    Case(
        "merged_places_over_data_rows",
        "registry",
        "合并单元格.xlsx",
        sheets_xlsx(
            {"花名册": [FLAT, *[_blank_places(r) for r in households(3)]]},
            merges={"花名册": [(1, 1, 3, 1, "猫营镇"), (1, 2, 3, 2, "大河村")]},
        ),
        "乡镇 and 行政村 merged down over three households",
        CLEAN,
        rows=(3, 0),
        staged={"township_name": ["猫营镇"] * 3, "village_name": ["大河村"] * 3},
    ),
    Case(
        "merged_total_in_the_middle",
        "registry",
        "中间合计.xlsx",
        sheets_xlsx(
            {"花名册": [FLAT, hh(1), hh(2), ["合计", "", "", "2户"], hh(3), hh_bad_id(4)]}, merges={"花名册": [(3, 0, 3, 2, "合计")]}
        ),
        "a merged 合计 row between data rows",
        REJECTED,
        problems=(P(6, "id_check_digit", "证件号码"),),
        rows=(3, 1),
    ),
    Case(
        "subtotals_per_township",
        "registry",
        "小计.csv",
        text_file(
            csv_text([hh(1), hh(2), ["小计", "", "", "2户"], hh(3, 乡镇="板当镇"), ["小计", "", "", "1户"], ["总计", "", "", "3户"]])
        ),
        "小计 after each township and a 总计",
        CLEAN,
        rows=(3, 0),
    ),
    Case(
        "two_tables_same_header",
        "registry",
        "两张表.xlsx",
        sheets_xlsx(
            {"花名册": [["猫营镇建档立卡户"], FLAT, hh(1), hh(2), [], ["板当镇建档立卡户"], FLAT, hh(3, 乡镇="板当镇"), hh_bad_id(4)]}
        ),
        "two townships' tables one under the other, each with title and header",
        REJECTED,
        problems=(P(9, "id_check_digit", "证件号码"),),
        rows=(3, 1),
    ),
    Case(
        "concatenated_exports",
        "registry",
        "两次导出拼接.csv",
        text_file(csv_text(households(2)) + "\ufeff" + csv_text(households(2, start=3))),
        "two UTF-8 exports pasted into one file: the second BOM and header mid-file",
        CLEAN,
        rows=(4, 0),
    ),
    Case(
        "summary_table_below",
        "registry",
        "下方汇总表.xlsx",
        sheets_xlsx({"花名册": [FLAT, hh(1), hh(2), [], ["乡镇", "贫困户数", "贫困人口数"], ["猫营镇", "2", "8"]]}),
        "a township summary table under the registry: its rows are not households",
        REJECTED,
        problems=(P(5, "required_missing"), P(5, "unknown_region"), P(6, "required_missing"), P(6, "unknown_region")),
        rows=(2, 2),
    ),
    Case(
        "hidden_sheet_old_copy",
        "registry",
        "隐藏旧表.xlsx",
        sheets_xlsx({"花名册": [FLAT, hh(1), hh(2)], "旧版": [FLAT, hh_bad_id(1), hh_bad_id(2)]}, hidden_sheets=("旧版",)),
        "a hidden sheet holding last year's broken copy: read like any sheet, its rows caught as repeats, and said so",
        REJECTED,
        problems=(
            P(2, "id_check_digit", "证件号码", "旧版"),
            P(3, "id_check_digit", "证件号码", "旧版"),
            P(2, "duplicate_household", sheet="旧版"),
            P(3, "duplicate_household", sheet="旧版"),
        ),
        rows=(2, 2),
        warns=("旧版", "hidden"),
        sheets=(("花名册", True, 2), ("旧版", True, 2)),
    ),
    Case(
        "hidden_rows",
        "registry",
        "隐藏行.xlsx",
        sheets_xlsx({"花名册": [FLAT, *households(4)]}, hidden_rows={"花名册": (2, 3)}),
        "two households in hidden rows: still households",
        CLEAN,
        rows=(4, 0),
    ),
    Case(
        "two_township_sheets",
        "registry",
        "分乡镇.xlsx",
        sheets_xlsx(
            {
                "猫营镇": [FLAT, hh(1), hh_bad_id(2)],
                "板当镇": [FLAT, hh(3, 乡镇="板当镇"), hh(4, 乡镇="板当镇"), hh_bad_id(5, 乡镇="板当镇")],
            }
        ),
        "one sheet per township: problems name their sheet",
        REJECTED,
        problems=(P(3, "id_check_digit", "证件号码", "猫营镇"), P(4, "id_check_digit", "证件号码", "板当镇")),
        rows=(3, 2),
    ),
]
