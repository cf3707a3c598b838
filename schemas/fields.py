"""Fields that recur across tables, each declared once.

A table with one of these columns refers to it here. Where the column means a little more in one
table (a township code "as the spell's last snapshot gives it", optional where a ledger may name no
township), the table rewords or relaxes it with dataclasses.replace and keeps the rest: its name,
type, Chinese name and region level are said here only.
"""

from __future__ import annotations

from dataclasses import replace

from schemas.registry import COMPACT, INTEGER, MONEY, ROW_LEVEL, STRING, YUAN, Field, Rule
from schemas.vocabularies import REGION_LEVEL

# Where a row was read: what a steward opens to find it.
SOURCE_FILE = Field("source_file", STRING, "来源文件", "source file, relative to the raw data folder", required=True)
SOURCE_SHEET = Field("source_sheet", STRING, "来源工作表（CSV 为空值）", "source sheet (NULL for a CSV file, which has none)")
SOURCE_ROW = Field("source_row", INTEGER, "来源行号", "row number as Excel shows it (CSV: line number)", required=True, additive=False)
PROVENANCE = (SOURCE_FILE, SOURCE_SHEET, SOURCE_ROW)

# The audit trail's words for the same: the file and sheet a run read or rejected.
AUDITED_FILE = replace(SOURCE_FILE, en="file, relative to the raw data folder")
AUDITED_SHEET = replace(SOURCE_SHEET, zh="工作表（CSV 为空值）", en="sheet (NULL for a CSV file, which has none)")
RUN_ID = Field("run_id", STRING, "运行编号", "pipeline run", required=True)
SOURCE = Field("source", STRING, "数据源", "source kind, e.g. registry", required=True)

HOUSEHOLD_KEY = Field(
    "household_key",
    STRING,
    "户主键（假名化）",
    "pseudonymous household key: keyed hash (HMAC-SHA-256, base32) of the head's ID number",
    required=True,
)

# A household's income as staged and kept: a per-person figure, which sums mean nothing of.
INCOME_PER_PERSON_YUAN = Field(
    "income_per_person_yuan",
    MONEY,
    "人均纯收入",
    "net income per person (a per-person figure: weight it by household_size)",
    unit=YUAN,
    additive=False,
)

# Region codes of a row's place, each of one level (names in dim_region).
COUNTY_CODE = Field("county_code", STRING, "县级区划代码", "county-level region code", required=True, region="county")
TOWNSHIP_CODE = Field(
    "township_code", STRING, "乡镇代码", "township code (project-local code under the county)", required=True, region="township"
)
VILLAGE_CODE = Field(
    "village_code", STRING, "行政村代码", "village code (project-local code under the township)", required=True, region="village"
)

# A mart's region: a code whose level the row's region_level gives.
REGION_CODE = Field("region_code", STRING, "区划代码", "region code", required=True, region=ROW_LEVEL)
REGION_LEVEL_COLUMN = Field(
    "region_level", STRING, "层级", "province, city, county, township or village", required=True, vocabulary=REGION_LEVEL.name
)

# A place name that is an ID, phone or bank card number: a column shifted by one, and personal data.
PLACE_NOT_A_NUMBER = Rule(
    "personal_number_in_place_name",
    "no_personal_number",
    {},
    "地名栏中是身份证号、电话或银行卡号（列错位？），该值已脱敏，行未装载",
    "a place name holds an ID, phone or bank card number (a shifted column?); shown masked, row not loaded",
)

# Place names as a source file writes them, matched to codes while staging.
COUNTY_NAME = Field("county_name", STRING, "县（市、区）名称", "county name as written", required=True, form=COMPACT)
TOWNSHIP_NAME = Field("township_name", STRING, "乡（镇）名称", "township name", required=True, form=COMPACT, rules=(PLACE_NOT_A_NUMBER,))
VILLAGE_NAME = Field(
    "village_name", STRING, "行政村名称", "administrative village name", required=True, form=COMPACT, rules=(PLACE_NOT_A_NUMBER,)
)
