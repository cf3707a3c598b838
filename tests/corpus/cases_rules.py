"""Well-formed files whose rows break the rules: each rejected row named with its rule."""

from __future__ import annotations

from tests.builders import VALID_IDS
from tests.corpus.case import CLEAN, REJECTED, Case, P, bare_registry_case
from tests.corpus.rows import INCOME, fund, hh, hh_bad_id, project, village
from tests.corpus.writers import FUND_FLAT, csv_text, ledger, project_list, sheets_xlsx, text_file, village_list


def _fifteen(k: int) -> str:
    """A 15-digit (pre-1999) number of the same person as hh(k)'s 18-digit one."""
    eighteen = hh(k)[5]
    return eighteen[:6] + eighteen[8:17]


_ID = "证件号码"
_SUBTOTAL = ["小计", "", "", "", "", "", "", "", "", "", "", 20, ""]

CASES = [
    bare_registry_case(
        "id_bad_check_digit",
        "校验位错误.csv",
        [hh(1), hh_bad_id(2)],
        "an ID number whose GB 11643 check digit is wrong",
        (P(3, "id_check_digit", _ID),),
        1,
    ),
    bare_registry_case(
        "id_wrong_length",
        "证件号位数.csv",
        [hh(1, 证件号码=hh(1)[5][:16]), hh(2, 证件号码=hh(2)[5] + "1")],
        "16- and 19-character ID numbers",
        (P(2, "id_number_format", _ID), P(3, "id_number_format", _ID)),
        0,
    ),
    bare_registry_case(
        "id_fifteen_digits",
        "15位身份证.csv",
        [hh(1, 证件号码=_fifteen(1)), hh(2)],
        "a 15-digit ID number (issued before 1999): upgraded, not rejected",
        (),
        2,
    ),
    bare_registry_case(
        "id_fifteen_and_eighteen_same_head",
        "新旧号码同一人.csv",
        [hh(1), hh(2, 证件号码=_fifteen(1))],
        "one head registered twice, once with the old 15-digit number",
        (P(3, "duplicate_household", "户编号"),),
        1,
    ),
    bare_registry_case(
        "id_lowercase_x_and_spaces",
        "小写x.csv",
        [hh(1, 证件号码=VALID_IDS[0].lower()), hh(2, 证件号码=" ".join([hh(2)[5][:6], hh(2)[5][6:14], hh(2)[5][14:]]))],
        "a lower-case x check character, an ID with spaces",
        (),
        2,
    ),
    bare_registry_case(
        "future_years",
        "未来年份.csv",
        [hh(1, 识别年度="2031", 脱贫年度="", 脱贫状态="未脱贫"), hh(2, 脱贫年度="2040"), hh(3, 脱贫状态="返贫", 返贫年度="2036"), hh(4)],
        "identification in 2031, exit in 2040, return in 2036",
        (P(2, "identification_year_range", "识别年度"), P(3, "exit_year_range", "脱贫年度"), P(4, "returned_year_range", "返贫年度")),
        1,
    ),
    bare_registry_case(
        "identified_before_the_programme",
        "2012年识别.csv",
        [hh(1, 识别年度="2012")],
        "identified in 2012, before the registry existed",
        (P(2, "identification_year_range", "识别年度"),),
        0,
    ),
    bare_registry_case(
        "exit_before_identification",
        "先脱贫后识别.csv",
        [hh(1, 识别年度="2018", 脱贫年度="2016"), hh(2)],
        "exit year 2016 for a household identified in 2018",
        (P(2, "exit_before_identification", "脱贫年度"),),
        1,
    ),
    bare_registry_case(
        "returned_before_exit",
        "先返贫后脱贫.csv",
        [hh(1, 脱贫状态="返贫", 脱贫年度="2018", 返贫年度="2017")],
        "returned to poverty before it exited",
        (P(2, "returned_before_exit", "返贫年度"),),
        0,
    ),
    bare_registry_case(
        "status_inconsistent",
        "状态不符.csv",
        [hh(1, 脱贫状态="未脱贫"), hh(2, 脱贫状态="返贫")],
        "未脱贫 with an exit year; 返贫 without a returned year",
        (P(2, "status_inconsistent", "脱贫状态"), P(3, "status_inconsistent", "脱贫状态")),
        0,
    ),
    bare_registry_case(
        "unknown_county", "未知县.csv", [hh(1, 县="火星县"), hh(2)], "a county no code list has", (P(2, "unknown_region", "县"),), 1
    ),
    bare_registry_case(
        "retired_county_name",
        "那曲县.csv",
        [hh(1, 县="那曲县"), hh(2, 县="紫云苗族布依族自治县")],
        "a county by its retired name (那曲县 → 色尼区) and by its full name",
        (),
        2,
    ),
    bare_registry_case(
        "household_size_out_of_range",
        "人口数异常.csv",
        [hh(1, 家庭人口数="0"), hh(2, 家庭人口数="25"), hh(3)],
        "households of 0 and 25 persons",
        (P(2, "household_size_range", "家庭人口数"), P(3, "household_size_range", "家庭人口数")),
        1,
    ),
    bare_registry_case(
        "income_out_of_range",
        "收入异常.csv",
        [hh(1, **{INCOME: "-1"}), hh(2, **{INCOME: "100000"}), hh(3, **{INCOME: "0"})],
        "income per person of -1 and 100 000 yuan (0 is allowed)",
        (P(2, "income_range", INCOME), P(3, "income_range", INCOME)),
        1,
    ),
    bare_registry_case(
        "unknown_codes",
        "代码不在表内.csv",
        [hh(1, 主要致贫原因="因懒"), hh(2, 贫困户属性="富裕户"), hh(3, 脱贫状态="9")],
        "a cause, an attribute and a status outside the national lists",
        (P(2, "unknown_code", "主要致贫原因"), P(3, "unknown_code", "贫困户属性"), P(4, "unknown_code", "脱贫状态")),
        0,
    ),
    bare_registry_case(
        "duplicate_household_in_file",
        "重复户.csv",
        [hh(1), hh(2), hh(3, 户编号=hh(1)[3])],
        "the same household number twice",
        (P(4, "duplicate_household", "户编号"),),
        2,
    ),
    bare_registry_case(
        "required_values_missing",
        "必填为空.csv",
        [hh(1, 证件号码=""), hh(2, 县=""), hh(3, 家庭人口数=" "), hh(4)],
        "no ID number, no county, a blank household size",
        (P(2, "required_missing", _ID), P(3, "required_missing", "县"), P(4, "required_missing", "家庭人口数")),
        1,
    ),
    Case(
        "ledger_unknown_county_and_codes",
        "funds",
        "台账代码错误.csv",
        text_file(
            csv_text(
                [fund(1, 县="火星县"), fund(2, 资金类别="吃喝"), fund(3, 资金来源="不明"), fund(4, 单位类型="外星人"), fund(5)], FUND_FLAT
            )
        ),
        "an unknown county, category, fund source and donor type",
        REJECTED,
        problems=(
            P(2, "unknown_region", "县"),
            P(3, "unknown_code", "资金类别"),
            P(4, "unknown_code", "资金来源"),
            P(5, "unknown_code", "单位类型"),
        ),
        rows=(1, 4),
    ),
    Case(
        "ledger_subtotal_disagrees",
        "funds",
        "小计不符.xlsx",
        ledger([fund(1, 金额=12.5), fund(2, 金额=3), _SUBTOTAL, fund(3, 金额=1)]),
        "a 小计 of 20万 over rows adding up to 15.5万: the rows load, the total is reported",
        REJECTED,
        problems=(P(7, "total_mismatch"),),
        rows=(3, 0),
    ),
    Case(
        "ledger_required_missing",
        "funds",
        "台账缺金额.csv",
        text_file(csv_text([fund(1, 金额=""), fund(2, 日期=""), fund(3)], FUND_FLAT)),
        "a movement without an amount, one without a date",
        REJECTED,
        problems=(P(2, "required_missing", "金额"), P(3, "required_missing", "日期")),
        rows=(1, 2),
    ),
    Case(
        "project_rules",
        "projects",
        "项目库错误.xlsx",
        project_list(
            [
                project("CORPUS-001"),
                project("CORPUS-002", 开工日期="2019.6.1", 完工日期="2019.1.1"),
                project("CORPUS-001"),
                project("CORPUS-003", **{"计划投资（万元）": 0}),
                project("CORPUS-004", 带动贫困户数=-3),
            ]
        ),
        "completion before start, a repeated code, a zero plan, negative households benefited",
        REJECTED,
        problems=(
            P(5, "end_before_start", "完工日期"),
            P(6, "duplicate_project", "项目编号"),
            P(7, "planned_investment_not_positive", "计划投资（万元）"),
            P(8, "benefited_negative", "带动贫困户数"),
        ),
        rows=(1, 4),
    ),
    Case(
        "village_rules",
        "villages",
        "村表错误.xlsx",
        village_list(
            [
                village("大河村"),
                village("小河村", 农业人口=2000),
                village("石头村", 是否贫困村="否"),
                village("大河村"),
                village("新寨村", 出列年度="2040"),
            ]
        ),
        "agricultural above registered population, an exit for a non-poor village, a village listed twice, exit in 2040",
        REJECTED,
        problems=(
            P(5, "agricultural_above_registered", "农业人口"),
            P(6, "exit_year_without_poor_flag", "出列年度"),
            P(7, "duplicate_village", "行政村"),
            P(8, "exit_year_range", "出列年度"),
        ),
        rows=(1, 4),
    ),
    Case(
        "village_list_only_required_columns",
        "villages",
        "村表最少列.xlsx",
        sheets_xlsx(
            {"村": [["县", "乡镇", "行政村", "是否贫困村"], ["紫云县", "猫营镇", "大河村", "是"], ["紫云县", "猫营镇", "小河村", "否"]]}
        ),
        "a village list with the four required columns only",
        CLEAN,
        rows=(2, 0),
    ),
]
