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


LAYOUTS = {
    "A": Layout(
        "A",
        (
            "县",
            "乡镇",
            "行政村",
            "户编号",
            "户主姓名",
            "证件号码",
            "家庭人口数",
            "贫困户属性",
            "主要致贫原因",
            "识别年度",
            "脱贫年度",
            "脱贫状态",
            "返贫年度",
            "人均纯收入（元）",
            "住房安全有保障",
            "饮水安全有保障",
            "义务教育有保障",
            "基本医疗有保障",
            "联系电话",
        ),
        attribute_as="name",
        cause_as="name",
        status_as="name",
        year_suffix=False,
        income_style="thousands",
        fullwidth_share=0.0,
        total_columns=("household_id", "household_size"),
    ),
    "B": Layout(
        "B",
        (
            "县（市、区）",
            "乡（镇）",
            "村",
            "户码",
            "户主",
            "身份证号",
            "人口数",
            "户属性",
            "致贫原因",
            "识别年份",
            "脱贫年份",
            "贫困户状态",
            "返贫年份",
            "家庭人均纯收入",
            "住房安全",
            "饮水安全",
            "义务教育",
            "基本医疗",
            "手机号码",
        ),
        attribute_as="code",
        cause_as="code",
        status_as="code",
        year_suffix=True,
        income_style="mixed",
        fullwidth_share=0.15,
        total_columns=("household_id",),
    ),
    "C": Layout(
        "C",
        (
            "县名称",
            "乡镇名称",
            "行政村名称",
            "户编号",
            "户主姓名",
            "身份证号码",
            "家庭人口",
            "贫困户属性",
            "主要致贫原因",
            "纳入年度",
            "脱贫年度",
            "脱贫状态",
            "返贫年度",
            "人均纯收入",
            "住房",
            "饮水",
            "教育",
            "医疗",
            "联系电话",
        ),
        attribute_as="name",
        cause_as="name",
        status_as="name",
        year_suffix=False,
        income_style="plain",
        fullwidth_share=0.0,
        total_columns=("household_size",),
    ),
    "D": Layout(
        "D",
        (
            "所属县",
            "乡镇",
            "行政村",
            "户编号",
            "户主",
            "证件号码",
            "家庭人数",
            "贫困户属性",
            "致贫原因",
            "识别年度",
            "脱贫年度",
            "脱贫状态",
            "返贫年度",
            "人均纯收入（元）",
            "住房安全有保障",
            "饮水安全有保障",
            "义务教育有保障",
            "基本医疗有保障",
            "联系电话",
        ),
        attribute_as="name",
        cause_as="name",
        status_as="code",
        year_suffix=False,
        income_style="plain",
        fullwidth_share=0.0,
        total_columns=("household_id", "household_size"),
    ),
}
