"""The monitoring system's lists of monitored households (防止返贫监测对象), as read and as staged.

Each export is a snapshot of a county's monitored households as of a date (its title "截至2023年6月
30日", its file name "监测对象_2023年06月.xlsx" or a column). It comes per household, or per person
like the registry's national export (a household running from its head's row to the next). Its rows
name the head, the ID numbers and a phone: the ID number feeds the household's pseudonymous key and
every personal field is then dropped. Health status, which a per-person export may carry, is sensitive
and never kept per person.
"""

from __future__ import annotations

from dataclasses import replace

from schemas.fields import (
    COUNTY_CODE,
    HOUSEHOLD_KEY,
    INCOME_PER_PERSON_YUAN,
    PROVENANCE,
    TOWNSHIP_CODE,
    TOWNSHIP_NAME,
    VILLAGE_CODE,
    VILLAGE_NAME,
)
from schemas.person_sources import (
    MEMBER_REJECTED,
    NO_HEAD,
    PERSON_REPEATED,
    RELATION,
    TWO_HEADS,
    member_id_number,
    member_name,
    stated_household_size,
)
from schemas.registry import CATALOG, COMPACT, DATE, FLAG, INTEGER, PERSONS, STRING, Field, Rule, Table
from schemas.sources import REGISTRY_HOUSEHOLD, coded, persons_in_range, repeats_earlier_row
from schemas.vocabularies import ELIMINATION_METHOD, HELP_MEASURE, LABOUR_SKILL, MONITORING_CATEGORY, RISK_TYPE

# The mechanism was set up in 2020; a date before it is a typing slip (or a registry date).
FIRST_MONITORING_DATE, LAST_MONITORING_DATE = "2020-01-01", "2035-12-31"
# What separates the several risks or measures of one cell: 因病、因学 / 因病，因学 / 因病/因学.
MULTI_VALUE_SEPARATORS = "、，,/；;"

_registry = REGISTRY_HOUSEHOLD.field


def _monitoring_date(name: str, zh: str, en: str, *, required: bool = False) -> Field:
    return Field(
        name,
        DATE,
        zh,
        en,
        required=required,
        rules=(
            Rule(
                "date_out_of_range",
                "date_in_range",
                {"first": FIRST_MONITORING_DATE, "last": LAST_MONITORING_DATE},
                "日期应在2020年1月1日（监测机制建立）至2035年12月31日之间",
                "date must fall between 2020-01-01 (when monitoring began) and 2035-12-31",
            ),
        ),
    )


def _code_list(name: str, vocabulary, zh: str, en: str, *, required: bool = False) -> Field:
    # Typed as text: look-up splits the cell and checks each part against the vocabulary
    # (unknown_code_in_list); the staged column is the sorted codes, not a code of its own.
    return Field(name, STRING, zh, f"{en}; codes of {vocabulary.name}", required=required)


MONITORING_HOUSEHOLD = CATALOG.add(
    Table(
        name="src_monitoring_household",
        zh="防止返贫监测对象（源记录，每户一行）",
        en="Monitored household as read from a county's monitoring list, one row per household",
        layer="source",
        source="data/raw/monitoring/*.xlsx|xls|csv",
        fields=(
            _registry("county_name"),
            TOWNSHIP_NAME,
            VILLAGE_NAME,
            replace(
                _registry("household_id"),
                required=False,
                en="household number in the monitoring system (else the head's ID number identifies it)",
            ),
            _registry("head_name"),
            replace(_registry("id_number"), required=False),
            replace(_registry("household_size"), zh="人数", en="persons in the household"),
            persons_in_range("labour_count", "劳动力人数", "members able to work", 0, 20),
            coded("category_code", MONITORING_CATEGORY, "监测对象类别", "category of monitored household", required=True),
            _monitoring_date("taken_in_date", "纳入监测时间", "date the household was taken into monitoring", required=True),
            _code_list("risk_types", RISK_TYPE, "风险类型", "risk types (one or several, joined with 、)", required=True),
            replace(_registry("income_per_person"), required=False, zh="家庭年人均纯收入"),
            _code_list("measures", HELP_MEASURE, "帮扶措施", "help measures (one or several, joined with 、)"),
            Field("risk_eliminated", FLAG, "是否风险消除", "risk eliminated"),
            _monitoring_date("eliminated_date", "风险消除时间", "date the risk was eliminated"),
            coded("elimination_method_code", ELIMINATION_METHOD, "风险消除方式", "how the risk was eliminated"),
            _monitoring_date("snapshot_date", "统计时间", "date the list is as of, where a column gives it"),
            _registry("phone"),
        ),
        frame_rules=(
            repeats_earlier_row(
                "duplicate_household",
                "重复户：户主证件号码与前面某行相同",
                "duplicate household: the head's ID number repeats an earlier row",
                "id_number",
            ),
        ),
    )
)

_household = MONITORING_HOUSEHOLD.field

MONITORING_PERSON = CATALOG.add(
    Table(
        name="src_monitoring_person",
        zh="防止返贫监测对象家庭成员（源记录，每人一行）",
        en="Member of a monitored household as read from a per-person monitoring list",
        layer="source",
        source="data/raw/monitoring/*.xlsx|xls|csv (per person)",
        fields=(
            *(_household(n) for n in ("county_name", "township_name", "village_name", "household_id")),
            member_name(_household("head_name")),
            member_id_number(_household("id_number"), "ID number of the member on the row"),
            stated_household_size(_household("household_size")),
            RELATION,
            # Sensitive: read so that it can be masked wherever it turns up, never staged.
            Field("health", STRING, "健康状况", "health status (sensitive: never kept)", personal=True, form=COMPACT),
            coded("labour_skill", LABOUR_SKILL, "劳动能力", "labour capacity"),
            *(replace(_household(n), required=False) for n in ("category_code", "taken_in_date", "risk_types")),
            *(
                _household(n)
                for n in (
                    "income_per_person",
                    "measures",
                    "risk_eliminated",
                    "eliminated_date",
                    "elimination_method_code",
                    "snapshot_date",
                    "phone",
                )
            ),
        ),
        frame_rules=(PERSON_REPEATED,),
    )
)

# Rules of a row against its snapshot and against itself, found once the snapshot date is known.
UNKNOWN_CODE_IN_LIST = Rule(
    "unknown_code_in_list",
    "lookup",
    {},
    "其中有不在代码表内的项（多项请用、分隔）",
    "one of the values is not in the list (separate several with 、)",
)
TAKEN_IN_AFTER_SNAPSHOT = Rule(
    "taken_in_after_snapshot",
    "lookup",
    {},
    "纳入监测时间晚于本表的统计时间",
    "taken into monitoring after the date the list is as of",
)
ELIMINATED_BEFORE_TAKEN_IN = Rule(
    "eliminated_before_taken_in",
    "lookup",
    {},
    "风险消除时间早于纳入监测时间",
    "risk eliminated before the household was taken into monitoring",
)
ELIMINATED_AFTER_SNAPSHOT = Rule(
    "eliminated_after_snapshot",
    "lookup",
    {},
    "风险消除时间晚于本表的统计时间",
    "risk eliminated after the date the list is as of",
)
ELIMINATED_WITHOUT_DATE = Rule(
    "eliminated_without_date",
    "lookup",
    {},
    "是否风险消除为“是”，但没有风险消除时间",
    "marked risk eliminated (是否风险消除 是) but no date of elimination",
)
DATE_WITHOUT_ELIMINATION = Rule(
    "elimination_date_but_not_eliminated",
    "lookup",
    {},
    "是否风险消除为“否”，却填有风险消除时间或方式",
    "marked not eliminated (否) but a date or way of elimination is given",
)
HOUSEHOLD_UNIDENTIFIED = Rule(
    "household_unidentified",
    "lookup",
    {},
    "既无户编号也无户主证件号码，无法识别该户",
    "neither a household number nor the head's ID number: the household cannot be identified",
)
MONITORING_RULES = (
    UNKNOWN_CODE_IN_LIST,
    TAKEN_IN_AFTER_SNAPSHOT,
    ELIMINATED_BEFORE_TAKEN_IN,
    ELIMINATED_AFTER_SNAPSHOT,
    ELIMINATED_WITHOUT_DATE,
    DATE_WITHOUT_ELIMINATION,
    HOUSEHOLD_UNIDENTIFIED,
)
PERSON_LAYOUT_RULES = (NO_HEAD, TWO_HEADS, MEMBER_REJECTED)

STG_MONITORING = CATALOG.add(
    Table(
        name="stg_monitoring",
        zh="防止返贫监测对象（已校验暂存，每户每期一行）",
        en="Validated, pseudonymised monitored households, one row per household per snapshot (a per-person list folded to its households)",
        layer="staging",
        source="monitoring lists after validation",
        fields=(
            replace(
                HOUSEHOLD_KEY,
                en="pseudonymous household key: keyed hash of the head's ID number as in fact_household, else of county code and 户编号",
            ),
            COUNTY_CODE,
            TOWNSHIP_CODE,
            VILLAGE_CODE,
            Field("township_name", STRING, "乡镇名称", "township name, as the list writes it (dim_region learns the place from it)"),
            Field("village_name", STRING, "行政村名称", "village name, as the list writes it (dim_region learns the place from it)"),
            Field("snapshot_date", DATE, "统计时间", "the date the list is as of (its title, file name or column)", required=True),
            Field(
                "household_size",
                INTEGER,
                "人数",
                "persons in the household (a per-person list: its members listed)",
                unit=PERSONS,
                required=True,
            ),
            Field(
                "labour_count",
                INTEGER,
                "劳动力人数",
                "members able to work (a per-person list: members of ordinary, skilled or weak labour); NULL when the list does not say",
                unit=PERSONS,
            ),
            _household("category_code"),
            _household("taken_in_date"),
            Field(
                "risk_type_codes", STRING, "风险类型代码", "risk type codes (vocabulary risk_type), sorted, joined with ','", required=True
            ),
            Field(
                "measure_codes",
                STRING,
                "帮扶措施代码",
                "help measure codes (vocabulary help_measure), sorted, joined with ','; NULL when none",
            ),
            replace(INCOME_PER_PERSON_YUAN, zh="家庭年人均纯收入"),
            Field("risk_eliminated", FLAG, "是否风险消除", "risk eliminated by the snapshot date", required=True),
            _household("eliminated_date"),
            _household("elimination_method_code"),
            *PROVENANCE,
        ),
    )
)
