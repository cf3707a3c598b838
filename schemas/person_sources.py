"""The national registry system's per-person export ("贫困户信息列表") as read: one row per household
member, a household running from its head's row (与户主关系 户主 or 本人) to the next head's.

It is a layout of the registry source: the same column map, other required columns. Its rows hold
personal data (names, ID numbers, phones, bank cards) like a household registry's; the ID numbers
feed the pseudonymous keys and every personal field is then dropped.
"""

from __future__ import annotations

from dataclasses import replace

from schemas.registry import CATALOG, COMPACT, ID_NUMBER, INTEGER, STRING, Field, Rule, Table
from schemas.sources import REGISTRY_HOUSEHOLD, coded, flag, repeats_earlier_row
from schemas.vocabularies import LABOUR_SKILL, SEX

_household = REGISTRY_HOUSEHOLD.field
HEAD_RELATIONS = ("户主", "本人")

PERSON_REPEATED = repeats_earlier_row(
    "person_in_two_households",
    "同一证件号码在本文件中出现两次：一人不能属于两户",
    "the same ID number appears twice in the file: one person cannot belong to two households",
    "id_number",
)


# What a per-person export says of the member on its row, in the words of its household's columns:
# the same in the registry's export and in the monitoring system's.
def member_name(head_name: Field) -> Field:
    return replace(head_name, zh="姓名（本行成员）", en="name of the member on the row")


def member_id_number(id_number: Field, en: str) -> Field:
    return replace(id_number, required=True, zh="证件号码（本行成员）", en=en, form=ID_NUMBER)


def stated_household_size(household_size: Field) -> Field:
    return replace(
        household_size,
        required=False,
        zh="人数（户主行或每行）",
        en="persons in the household as written (on the head's row or on every row)",
    )


RELATION = Field(
    "relation",
    STRING,
    "与户主关系",
    "relation to the household head (户主/本人 on the head's row)",
    required=True,
    form=COMPACT,
)


def _text(name: str, zh: str, en: str) -> Field:
    return Field(name, STRING, zh, en, form=COMPACT)


REGISTRY_PERSON = CATALOG.add(
    Table(
        name="src_registry_person",
        zh="贫困户家庭成员（全国系统导出，源记录）",
        en="Household member as read from the national system's per-person registry export",
        layer="source",
        source="data/raw/registry/*.xls|xlsx (贫困户信息列表)",
        fields=(
            _household("county_name"),
            _household("township_name"),
            _household("village_name"),
            member_name(_household("head_name")),
            coded("sex", SEX, "性别", "sex as written (else from the ID number)"),
            member_id_number(_household("id_number"), "ID number of the member on the row (15-digit numbers upgraded to 18)"),
            stated_household_size(_household("household_size")),
            RELATION,
            _text("ethnicity", "民族", "ethnic group"),
            _text("education", "文化程度", "education"),
            _text("schooling", "在校生状况", "schooling (非在校生 or the stage attended)"),
            # Sensitive: read so that it can be masked wherever it turns up, never staged or kept per person.
            Field("health", STRING, "健康状况", "health status (sensitive: never kept)", personal=True, form=COMPACT),
            coded("labour_skill", LABOUR_SKILL, "劳动能力（劳动技能）", "labour capacity and skill"),
            _text("work_status", "务工状况", "work status"),
            Field(
                "work_months",
                INTEGER,
                "务工时间（月）",
                "months worked away from the farm in the year",
                unit="月 / months",
                rules=(
                    Rule(
                        "work_months_range",
                        "in_range",
                        {"min_value": 0, "max_value": 12},
                        "务工时间应在0至12个月之间",
                        "months worked must be 0-12",
                    ),
                ),
            ),
            flag("rural_medical_insured", "是否参加新型农村合作医疗", "in the new rural cooperative medical scheme (新农合)"),
            flag("rural_pension_insured", "是否参加新型农村社会养老保险", "in the rural social pension scheme"),
            flag("employee_pension_insured", "是否参加城镇职工基本养老保险", "in the urban employees' basic pension scheme"),
            flag("serious_illness_insured", "是否参加大病保险", "in the serious illness insurance"),
            replace(_household("status_code"), required=False),
            replace(_household("attribute_code"), required=False),
            replace(_household("main_cause_code"), required=False),
            replace(_household("income_per_person"), required=False),
            _household("phone"),
            Field("bank_name", STRING, "开户银行名称", "bank of the member's account", personal=True, form=COMPACT),
            Field("bank_card", STRING, "银行卡号", "bank card number", personal=True, form=COMPACT),
        ),
        frame_rules=(PERSON_REPEATED,),
    )
)

# Rules of the households formed from the rows, and of a member against the snapshot's year. A
# household's rows are quarantined together: a household cannot be loaded without some of its members.
NO_HEAD = Rule(
    "household_without_head",
    "household",
    {},
    "该户没有户主行（与户主关系为“户主”或“本人”的行），整户未装载",
    "the household has no head's row (与户主关系 户主 or 本人); the whole household was not loaded",
)
TWO_HEADS = Rule(
    "household_with_two_heads",
    "household",
    {},
    "人数表明这些行是一户，但其中有两个户主行，整户未装载",
    "人数 (household size) makes these rows one household, but two of them are marked as its head; the whole household was not loaded",
)
MEMBER_REJECTED = Rule(
    "household_member_rejected",
    "household",
    {},
    "同户另一成员的行被隔离，整户未装载",
    "another member's row of this household was rejected; the whole household was not loaded",
)
SCHOOLING_AGE = Rule(
    "schooling_contradicts_age",
    "schooling_age",
    {},
    "在校生状况与证件号码所示年龄不符",
    "the schooling stage contradicts the age the ID number gives",
)
PERSON_RULES = (NO_HEAD, TWO_HEADS, MEMBER_REJECTED, SCHOOLING_AGE)
