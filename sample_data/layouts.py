"""The four table layouts county offices use: header spellings and how each column is written.

Every layout has the same nineteen columns in the same order; what differs is the header text and
the written form of codes, years, sizes and incomes, so that each reader path gets exercised.
"""

from __future__ import annotations

from dataclasses import dataclass

COLUMNS = (
    "county_name",
    "township_name",
    "village_name",
    "household_id",
    "head_name",
    "id_number",
    "household_size",
    "attribute_code",
    "main_cause_code",
    "identification_year",
    "exit_year",
    "status_code",
    "returned_year",
    "income_per_person",
    "housing_secure",
    "water_secure",
    "schooling_secure",
    "medical_secure",
    "phone",
)
COL = {name: i for i, name in enumerate(COLUMNS)}
GROUP = "两不愁三保障"
GROUP_COLUMNS = range(COL["housing_secure"], COL["medical_secure"] + 1)


@dataclass(frozen=True)
class Layout:
    letter: str
    headers: tuple[str, ...]
    attribute_as: str  # "code" or "name"
    cause_as: str
    status_as: str
    year_suffix: bool  # 2016年 rather than 2016
    income_style: str  # "thousands" (text 3,456.78), "mixed" (some full-width text) or "plain"
    fullwidth_share: float  # share of sizes, years and incomes written in full-width digits
    total_columns: tuple[str, ...]  # columns of the 合计 row that carry a figure

    def __post_init__(self) -> None:
        assert len(self.headers) == len(COLUMNS), self.letter

    def header(self, column: str) -> str:
        return self.headers[COL[column]]


# How layouts A, B and C head each column.
_SPELLINGS = {
    "county_name": ("县", "县（市、区）", "县名称"),
    "township_name": ("乡镇", "乡（镇）", "乡镇名称"),
    "village_name": ("行政村", "村", "行政村名称"),
    "household_id": ("户编号", "户码", "户编号"),
    "head_name": ("户主姓名", "户主", "户主姓名"),
    "id_number": ("证件号码", "身份证号", "身份证号码"),
    "household_size": ("家庭人口数", "人口数", "家庭人口"),
    "attribute_code": ("贫困户属性", "户属性", "贫困户属性"),
    "main_cause_code": ("主要致贫原因", "致贫原因", "主要致贫原因"),
    "identification_year": ("识别年度", "识别年份", "纳入年度"),
    "exit_year": ("脱贫年度", "脱贫年份", "脱贫年度"),
    "status_code": ("脱贫状态", "贫困户状态", "脱贫状态"),
    "returned_year": ("返贫年度", "返贫年份", "返贫年度"),
    "income_per_person": ("人均纯收入（元）", "家庭人均纯收入", "人均纯收入"),
    "housing_secure": ("住房安全有保障", "住房安全", "住房"),
    "water_secure": ("饮水安全有保障", "饮水安全", "饮水"),
    "schooling_secure": ("义务教育有保障", "义务教育", "教育"),
    "medical_secure": ("基本医疗有保障", "基本医疗", "医疗"),
    "phone": ("联系电话", "手机号码", "联系电话"),
}
assert tuple(_SPELLINGS) == COLUMNS
_HEADERS_A, _HEADERS_B, _HEADERS_C = zip(*_SPELLINGS.values(), strict=True)
# D is A's form with a few columns headed otherwise.
_D_OWN = {"county_name": "所属县", "head_name": "户主", "household_size": "家庭人数", "main_cause_code": "致贫原因"}
_HEADERS_D = tuple(_D_OWN.get(column, header) for column, header in zip(COLUMNS, _HEADERS_A, strict=True))

_BOTH_TOTALS = ("household_id", "household_size")
LAYOUTS = {
    layout.letter: layout
    for layout in (
        # letter, headers, attribute_as, cause_as, status_as, year_suffix, income_style, fullwidth_share, total_columns
        Layout("A", _HEADERS_A, "name", "name", "name", False, "thousands", 0.0, _BOTH_TOTALS),
        Layout("B", _HEADERS_B, "code", "code", "code", True, "mixed", 0.15, ("household_id",)),
        Layout("C", _HEADERS_C, "name", "name", "name", False, "plain", 0.0, ("household_size",)),
        Layout("D", _HEADERS_D, "name", "name", "code", False, "plain", 0.0, _BOTH_TOTALS),
    )
}
