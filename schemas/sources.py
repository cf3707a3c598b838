"""Source records as they come out of the readers, before anything reaches the warehouse.

A source record still holds personal data (names, ID numbers, phones): it is validated here, the ID
number feeds the pseudonymous key, and then the personal fields are dropped.
"""

from __future__ import annotations

from dataclasses import replace

from etl_project.core.amounts import yuan_text
from schemas.fields import COUNTY_NAME, TOWNSHIP_NAME, VILLAGE_NAME
from schemas.registry import (
    CATALOG,
    CODE,
    COMPACT,
    DATE,
    FLAG,
    ID_NUMBER,
    INTEGER,
    MONEY,
    NUMBER,
    PERSONS,
    REQUIRED_RULE,
    STRING,
    YEAR,
    YUAN,
    Field,
    Rule,
    Table,
)
from schemas.vocabularies import EXIT_STATUS, HOUSEHOLD_ATTRIBUTE, POVERTY_CAUSE

FIRST_PROGRAMME_YEAR, LAST_IDENTIFICATION_YEAR = 2013, 2020
# The last year a household (or a poor village) can be recorded as exiting or returning.
LAST_EXIT_YEAR = 2035
INCOME_CEILING_YUAN = 100_000


def unknown_code(vocabulary) -> Rule:
    """Numbered vocabularies are quoted as "01 因病"; worded ones (产业, 企业, …) by name alone."""
    if vocabulary.code_width:
        allowed_zh = "、".join(f"{code} {name}" for code, name in vocabulary.codes.items())
        allowed_en = ", ".join(sorted(vocabulary.codes))
    else:
        allowed_zh = "、".join(vocabulary.codes.values())
        allowed_en = ", ".join(f"{name} ({code})" for code, name in vocabulary.codes.items())
    return Rule(
        "unknown_code",
        "isin",
        {"allowed_values": sorted(vocabulary.codes)},
        f"不在代码表内，应为：{allowed_zh}",
        f"not in the {vocabulary.name} list: {allowed_en}",
    )


def coded(name: str, vocabulary, zh: str, en: str, *, required: bool = False) -> Field:
    """A code of the vocabulary, checked against it."""
    return Field(name, CODE, zh, en, required=required, vocabulary=vocabulary.name, rules=(unknown_code(vocabulary),))


def _within(field: Field, least: int, most: int, zh: str, en: str) -> Field:
    """The field with the rule that it lies from ``least`` to ``most``, told to a steward as ``zh`` and ``en``."""
    return replace(field, rules=(Rule(f"{field.name}_range", "in_range", {"min_value": least, "max_value": most}, zh, en),))


def year_in_range(name: str, zh: str, en: str, first: int, last: int, *, required: bool = False) -> Field:
    """A year, checked to fall from ``first`` to ``last``; the rule says so in the field's words."""
    words = name.replace("_", " ")
    return _within(
        Field(name, YEAR, zh, en, required=required), first, last, f"{zh}应在{first}至{last}年之间", f"{words} must be {first}-{last}"
    )


def persons_in_range(name: str, zh: str, en: str, least: int, most: int, *, required: bool = False) -> Field:
    """A count of persons, checked to lie from ``least`` to ``most``; the rule says so in the field's words."""
    words = name.replace("_", " ")
    return _within(
        Field(name, INTEGER, zh, en, unit=PERSONS, required=required),
        least,
        most,
        f"{zh}应在{least}至{most}之间",
        f"{words} must be between {least} and {most}",
    )


def repeats_earlier_row(rule_id: str, zh: str, en: str, *keys: str) -> Rule:
    """A row whose value in any of ``keys`` an earlier row of the file has; reported against the first key."""
    return Rule(rule_id, "first_occurrence", {"keys": keys}, zh, en, columns=(keys[0],))


def flag(name: str, zh: str, en: str) -> Field:
    return Field(name, FLAG, zh, en)


REGISTRY_HOUSEHOLD = CATALOG.add(
    Table(
        name="src_registry_household",
        zh="建档立卡户登记表（源记录）",
        en="Registered poor household as read from a county registry file",
        layer="source",
        source="data/raw/registry/*.xlsx|xls|csv",
        fields=(
            COUNTY_NAME,
            TOWNSHIP_NAME,
            VILLAGE_NAME,
            Field("household_id", STRING, "户编号", "household number in the county registry", required=True, form=COMPACT),
            Field("head_name", STRING, "户主姓名", "name of the household head", personal=True, form=COMPACT),
            Field(
                "id_number",
                STRING,
                "户主证件号码",
                "ID number of the household head (15-digit numbers upgraded to 18)",
                required=True,
                personal=True,
                form=ID_NUMBER,
                rules=(
                    Rule(
                        "id_number_format",
                        "id_number_format",
                        {},
                        "证件号码应为15、18、20或22位（18位为17位数字加校验位）",
                        "ID number must have 15, 18, 20 or 22 characters (18 = 17 digits + check character)",
                    ),
                    Rule(
                        "id_check_digit",
                        "id_check_digit",
                        {},
                        "证件号码校验位错误（GB 11643-1999）",
                        "ID number check digit is wrong (GB 11643-1999)",
                    ),
                ),
            ),
            persons_in_range("household_size", "家庭人口数", "persons in the household", 1, 20, required=True),
            coded("attribute_code", HOUSEHOLD_ATTRIBUTE, "贫困户属性代码", "household attribute code", required=True),
            coded("main_cause_code", POVERTY_CAUSE, "主要致贫原因代码", "main cause of poverty code", required=True),
            year_in_range(
                "identification_year",
                "识别年度",
                "year the household was identified as poor",
                FIRST_PROGRAMME_YEAR,
                LAST_IDENTIFICATION_YEAR,
                required=True,
            ),
            year_in_range("exit_year", "脱贫年度", "year the household exited poverty", FIRST_PROGRAMME_YEAR, LAST_EXIT_YEAR),
            coded(
                "status_code",
                EXIT_STATUS,
                "脱贫状态代码",
                "exit status code (0 not exited, 1 exited with support, 3 returned, 4 exited, support ended)",
                required=True,
            ),
            year_in_range("returned_year", "返贫年度", "year the household returned to poverty", FIRST_PROGRAMME_YEAR + 1, LAST_EXIT_YEAR),
            Field(
                "income_per_person",
                MONEY,
                "人均纯收入",
                "net income per person",
                unit=YUAN,
                required=True,
                rules=(
                    Rule(
                        "income_range",
                        "in_range",
                        {"min_value": 0, "max_value": INCOME_CEILING_YUAN, "include_max": False},
                        f"人均纯收入应不小于0元且小于{yuan_text(INCOME_CEILING_YUAN)}",
                        f"income per person must be ≥ 0 and < {yuan_text(INCOME_CEILING_YUAN)}",
                    ),
                ),
            ),
            flag("housing_secure", "住房安全有保障", "safe housing assured"),
            flag("water_secure", "饮水安全有保障", "safe drinking water assured"),
            flag("schooling_secure", "义务教育有保障", "compulsory schooling assured"),
            flag("medical_secure", "基本医疗有保障", "basic medical care assured"),
            Field("phone", STRING, "联系电话", "contact phone", personal=True, form=COMPACT),
        ),
        frame_rules=(
            Rule(
                "exit_before_identification",
                "exit_not_before_identification",
                {},
                "脱贫年度早于识别年度",
                "exit year is before the identification year",
                columns=("exit_year",),
            ),
            Rule(
                "returned_before_exit",
                "returned_after_exit",
                {},
                "返贫年度应晚于脱贫年度",
                "returned year must be after the exit year",
                columns=("returned_year",),
            ),
            Rule(
                "status_inconsistent",
                "status_consistent",
                {},
                "脱贫状态与脱贫/返贫年度不符（未脱贫不应有脱贫年度；已脱贫须有脱贫年度；返贫须有脱贫和返贫年度）",
                "exit status disagrees with the exit/returned years (0: none; 1, 4: exit year; 3: exit and returned years)",
                columns=("status_code",),
            ),
            repeats_earlier_row(
                "duplicate_household",
                "重复户：户编号或户主证件号码与前面某行相同",
                "duplicate household: household number or head's ID number repeats an earlier row",
                "household_id",
                "id_number",
            ),
        ),
    )
)

# Parse failures are found before pandera runs (a value that is not a number cannot be typed).
PARSE_RULES = {
    INTEGER: Rule("not_an_integer", "parse", {}, "应为整数", "expected a whole number"),
    NUMBER: Rule("not_a_number", "parse", {}, "应为数字", "expected a number"),
    DATE: Rule(
        "not_a_date",
        "parse",
        {},
        "应为日期（如 2019年5月27日、2019.5.27、20190527）",
        "expected a date such as 2019年5月27日, 2019.5.27 or 20190527",
    ),
    YEAR: Rule("not_a_year", "parse", {}, "应为年份（如 2016 或 2016年）", "expected a year such as 2016 or 2016年"),
    MONEY: Rule("not_a_number", "parse", {}, "应为数字金额", "expected an amount of money"),
    FLAG: Rule("not_yes_no", "parse", {}, "应为“是”或“否”", "expected 是 (yes) or 否 (no)"),
}
UNKNOWN_REGION = Rule(
    "unknown_region",
    "lookup",
    {},
    "无法识别的县（市、区）名称，请使用统计用区划名称",
    "county not recognised; use the name in the statistical division codes",
)
# The title, file name, sheet name or section row name a place or year the row's own cell, or
# another of them, contradicts (staging.context).
CONTEXT_CONFLICT = Rule(
    "context_conflict",
    "lookup",
    {},
    "标题、文件名、工作表名或分段行所写的县、乡镇或年度与本行（或彼此）不一致",
    "the title, file name, sheet name or section row names another county, township or year than the row (or each other)",
)
ALL_SOURCE_RULES = {
    CONTEXT_CONFLICT.id: CONTEXT_CONFLICT,
    **REGISTRY_HOUSEHOLD.rules(),
    REQUIRED_RULE.id: REQUIRED_RULE,
    UNKNOWN_REGION.id: UNKNOWN_REGION,
    **{rule.id: rule for rule in PARSE_RULES.values()},
}
