"""Source records of fund ledgers, project lists and village lists, as the readers deliver them."""

from __future__ import annotations

from dataclasses import replace

from schemas.fields import COUNTY_NAME, TOWNSHIP_NAME, VILLAGE_NAME
from schemas.registry import CATALOG, COMPACT, DATE, FLAG, HOUSEHOLDS, INTEGER, MONEY, PERSONS, STRING, YUAN, Field, Rule, Table
from schemas.sources import FIRST_PROGRAMME_YEAR, LAST_EXIT_YEAR, coded, repeats_earlier_row, year_in_range
from schemas.vocabularies import DONOR_TYPE, FUND_CATEGORY, FUND_SOURCE, PROJECT_STATUS

FIRST_FUND_DATE, LAST_FUND_DATE = "2013-01-01", "2021-12-31"


def _date_rule() -> Rule:
    return Rule(
        "date_out_of_range",
        "date_in_range",
        {"first": FIRST_FUND_DATE, "last": LAST_FUND_DATE},
        "日期应在2013年1月1日至2021年12月31日之间",
        "date must fall between 2013-01-01 and 2021-12-31",
    )


def _positive_yuan(name: str, zh: str, en: str) -> Field:
    """A required amount of money, scaled to yuan, checked to be above zero."""
    return Field(
        name,
        MONEY,
        zh,
        en,
        unit=YUAN,
        required=True,
        rules=(
            Rule(f"{name}_not_positive", "gt", {"min_value": 0}, f"{zh}应大于0", f"{name.replace('_', ' ')} must be greater than zero"),
        ),
    )


def _not_negative(name: str, zh: str, en: str, unit: str, rule: Rule) -> Field:
    """A count of households or persons; ``rule`` is what a negative one breaks."""
    return Field(name, INTEGER, zh, en, unit=unit, rules=(rule,))


def _negative(rule_id: str, zh: str, en: str) -> Rule:
    return Rule(rule_id, "ge", {"min_value": 0}, zh, en)


_POPULATION_NEGATIVE = _negative("population_negative", "人口不能为负", "population cannot be negative")

_PLACE = (
    COUNTY_NAME,
    replace(TOWNSHIP_NAME, required=False),
    replace(VILLAGE_NAME, en="village name", required=False),
)

FUND_MOVEMENT = CATALOG.add(
    Table(
        name="src_fund_movement",
        zh="帮扶资金台账（源记录）",
        en="One fund movement as read from a ledger",
        layer="source",
        source="data/raw/funds/*",
        fields=(
            Field("fund_date", DATE, "日期", "date the money was allocated or arrived", required=True, rules=(_date_rule(),)),
            Field("donor_name", STRING, "帮扶单位", "donor (unit, enterprise, organisation or person)", required=True, form=COMPACT),
            coded("donor_type", DONOR_TYPE, "单位类型", "donor type"),
            Field("donor_parent", STRING, "所属单位", "the donor's parent (e.g. the development zone it belongs to)", form=COMPACT),
            *_PLACE,
            Field("project_code", STRING, "项目编号", "project code in the project list", form=COMPACT),
            coded("category", FUND_CATEGORY, "资金类别", "category of assistance", required=True),
            coded("fund_source", FUND_SOURCE, "资金来源", "source of the money", required=True),
            _positive_yuan("amount", "金额", "amount, scaled to yuan from the unit the file states"),
            Field("note", STRING, "备注", "note"),
        ),
    )
)

PROJECT = CATALOG.add(
    Table(
        name="src_project",
        zh="扶贫项目库（源记录）",
        en="One project as read from a project list",
        layer="source",
        source="data/raw/projects/*",
        fields=(
            *_PLACE,
            Field("project_code", STRING, "项目编号", "project code", required=True, form=COMPACT),
            Field("project_name", STRING, "项目名称", "project name", required=True),
            coded("project_type", FUND_CATEGORY, "项目类型", "project type", required=True),
            Field("start_date", DATE, "开工日期", "start date", rules=(_date_rule(),)),
            Field("end_date", DATE, "完工日期", "end date"),
            _positive_yuan("planned_investment", "计划投资", "planned investment, scaled to yuan"),
            coded("status", PROJECT_STATUS, "项目状态", "status"),
            _not_negative(
                "households_benefited",
                "带动贫困户数",
                "poor households benefited",
                HOUSEHOLDS,
                _negative("benefited_negative", "带动户数不能为负", "households benefited cannot be negative"),
            ),
            _not_negative(
                "persons_benefited",
                "带动贫困人口数",
                "poor persons benefited",
                PERSONS,
                _negative("benefited_negative", "带动人数不能为负", "persons benefited cannot be negative"),
            ),
            Field("scale", STRING, "建设规模", "construction scale as written (e.g. 200亩)"),
        ),
        frame_rules=(
            Rule(
                "end_before_start",
                "end_not_before_start",
                {},
                "完工日期早于开工日期",
                "end date is before the start date",
                columns=("end_date",),
            ),
            repeats_earlier_row("duplicate_project", "项目编号重复", "project code repeats an earlier row", "project_code"),
        ),
    )
)

VILLAGE = CATALOG.add(
    Table(
        name="src_village",
        zh="行政村名单（源记录）",
        en="One village as read from a village list",
        layer="source",
        source="data/raw/villages/*",
        fields=(
            COUNTY_NAME,
            TOWNSHIP_NAME,
            replace(VILLAGE_NAME, en="village name"),
            Field("is_poor_village", FLAG, "是否贫困村", "registered poor village", required=True),
            year_in_range("exit_year", "出列年度", "year the poor village exited (出列)", FIRST_PROGRAMME_YEAR, LAST_EXIT_YEAR),
            _not_negative("registered_population", "户籍人口", "registered population", PERSONS, _POPULATION_NEGATIVE),
            _not_negative("agricultural_population", "农业人口", "agricultural population", PERSONS, _POPULATION_NEGATIVE),
            Field("collective_income", MONEY, "村集体经济收入", "village collective income, scaled to yuan", unit=YUAN),
        ),
        frame_rules=(
            Rule(
                "exit_year_without_poor_flag",
                "exit_only_if_poor",
                {},
                "非贫困村不应有出列年度",
                "only a poor village has an exit year",
                columns=("exit_year",),
            ),
            Rule(
                "agricultural_above_registered",
                "agricultural_within_registered",
                {},
                "农业人口不应多于户籍人口",
                "agricultural population cannot exceed registered population",
                columns=("agricultural_population",),
            ),
            Rule(
                "duplicate_village",
                "first_occurrence_of_combination",
                {"keys": ("county_name", "township_name", "village_name")},
                "行政村重复",
                "village listed twice",
                columns=("village_name",),
            ),
        ),
    )
)

UNKNOWN_PROJECT = Rule(
    "unknown_project",
    "lookup",
    {},
    "项目编号不在项目库中",
    "project code is not in any project list",
)
