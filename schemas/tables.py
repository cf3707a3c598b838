"""Warehouse tables: staging, dimensions, facts, marts and the audit trail.

Money is in yuan, counts are integers, years are integers, regions are referred to by code.
"""

from __future__ import annotations

from dataclasses import replace

from schemas.fields import (
    AUDITED_FILE,
    AUDITED_SHEET,
    COUNTY_CODE,
    HOUSEHOLD_KEY,
    INCOME_PER_PERSON_YUAN,
    PROVENANCE,
    REGION_CODE,
    REGION_LEVEL_COLUMN,
    RUN_ID,
    SOURCE,
    SOURCE_ROW,
    TOWNSHIP_CODE,
    VILLAGE_CODE,
)
from schemas.names import with_names
from schemas.person_sources import REGISTRY_PERSON
from schemas.registry import (
    ANY_LEVEL,
    CATALOG,
    CODE,
    FLAG,
    HOUSEHOLDS,
    INTEGER,
    NUMBER,
    PERSONS,
    STRING,
    TIMESTAMP,
    YEAR,
    Field,
    Table,
    dated,
)
from schemas.sources import REGISTRY_HOUSEHOLD
from schemas.sql import column_sql
from schemas.vocabularies import REGION_LEVEL, SEX

_src = REGISTRY_HOUSEHOLD.field

REGION_LEVELS = tuple(REGION_LEVEL.codes)

_HOUSEHOLD_FACTS = (
    HOUSEHOLD_KEY,
    replace(COUNTY_CODE, en="county-level region code (2023 codes; renamed counties followed)"),
    TOWNSHIP_CODE,
    VILLAGE_CODE,
    _src("household_size"),
    _src("attribute_code"),
    _src("main_cause_code"),
    # A per-person export gives no 识别年度 (nor 脱贫年度): its households count from the year the
    # export is as of (as_of_year), see the README.
    replace(
        _src("identification_year"),
        required=False,
        en="year the household was identified as poor (empty for a snapshot that does not say: see as_of_year)",
    ),
    _src("exit_year"),
    _src("status_code"),
    _src("returned_year"),
    INCOME_PER_PERSON_YUAN,
    _src("housing_secure"),
    _src("water_secure"),
    _src("schooling_secure"),
    _src("medical_secure"),
    Field(
        "as_of_year",
        YEAR,
        "快照年度",
        "for a registry without 识别年度 (the national per-person export): the year its status is as of, from its title, its file name or --as-of; the household counts as registered, and as exited or returned when its status says so, from that year on",
    ),
    Field(
        "stated_household_size",
        INTEGER,
        "文件所填人数",
        "per-person export: 人数 as written (household_size counts the members listed; check household_size_matches_members lists where they differ)",
        unit=PERSONS,
    ),
)

STG_HOUSEHOLD = CATALOG.add(
    Table(
        name="stg_household",
        zh="建档立卡户（已校验暂存）",
        en="Validated, pseudonymised registry households, one row per accepted source row",
        layer="staging",
        source="registry files after validation",
        fields=(
            *_HOUSEHOLD_FACTS,
            Field("county_name_as_written", STRING, "文件中的县名", "county name as the file writes it"),
            Field("township_name", STRING, "乡镇名称", "township name"),
            Field("village_name", STRING, "行政村名称", "village name"),
            *PROVENANCE,
        ),
    )
)

FACT_HOUSEHOLD = CATALOG.add(
    with_names(
        Table(
            name="fact_household",
            zh="建档立卡户事实表",
            en="One row per registered poor household; no names, ID numbers or phones",
            layer="warehouse",
            primary_key=("household_key",),
            inputs=(STG_HOUSEHOLD.name,),
            fields=(*dated(*_HOUSEHOLD_FACTS), *PROVENANCE),
        )
    )
)

DIM_REGION = CATALOG.add(
    Table(
        name="dim_region",
        zh="行政区划维表",
        en="Regions from province to village, with the 832-county flag and exit year",
        layer="warehouse",
        # 东莞市, 中山市 and 儋州市 are cities without counties: their code is both a city and a county.
        primary_key=("region_level", "region_code"),
        source="data/reference (2023 statistical division codes, code history, 832-county list) and the townships/villages of the registries, village lists and monitoring lists",
        inputs=(STG_HOUSEHOLD.name, "stg_village", "stg_monitoring"),
        fields=(
            Field(
                "region_code",
                STRING,
                "区划代码",
                "region code: 6-digit statistical code, or a project-local code below county level",
                required=True,
            ),
            Field("region_name", STRING, "区划名称", "region name", required=True),
            Field("short_name", STRING, "简称", "short name (e.g. 紫云县 for 紫云苗族布依族自治县)"),
            replace(REGION_LEVEL_COLUMN, en="level: province, city, county, township or village"),
            Field("parent_code", STRING, "上级区划代码", "code of the parent region", region=ANY_LEVEL),
            Field("province_code", STRING, "省级代码", "province code", region="province"),
            Field("city_code", STRING, "地级代码", "prefecture-level code", region="city"),
            replace(COUNTY_CODE, zh="县级代码", en="county-level code", required=False),
            replace(TOWNSHIP_CODE, en="township code", required=False),
            Field("is_local_code", FLAG, "是否本地编码", "true when the code is assigned by this warehouse (townships, villages)"),
            Field("is_poverty_county", FLAG, "是否国家级贫困县", "one of the 832 national poverty counties"),
            Field("county_exit_year", YEAR, "贫困县摘帽年度", "year the poverty county exited (摘帽)"),
            Field("is_poor_village", FLAG, "是否贫困村", "registered poor village (village list)"),
            Field("village_exit_year", YEAR, "贫困村出列年度", "year the poor village exited (出列)"),
            Field("registered_population", INTEGER, "户籍人口", "registered population (village list)", unit=PERSONS),
            Field("agricultural_population", INTEGER, "农业人口", "agricultural population (village list)", unit=PERSONS),
        ),
    )
)

DIM_CODE = CATALOG.add(
    Table(
        name="dim_code",
        zh="代码名称对照表",
        en=(
            "Every vocabulary of codes the warehouse holds (household attribute, cause, status, category, fund source, "
            "donor type, project status, region level, report metric, reconciliation status, …), each code with its Chinese "
            "and English name: join a code column to it on vocabulary and code"
        ),
        layer="warehouse",
        primary_key=("vocabulary", "code"),
        source="schemas/vocabularies.py",
        fields=(
            Field("vocabulary", STRING, "代码集", "vocabulary name, e.g. poverty_cause", required=True),
            Field("vocabulary_zh", STRING, "代码集名称", "what the vocabulary classifies, in Chinese"),
            Field("vocabulary_en", STRING, "代码集英文名", "what the vocabulary classifies, in English"),
            Field("code", STRING, "代码", "the code as stored in the warehouse's tables", required=True),
            Field("name_zh", STRING, "名称", "the code's Chinese name", required=True),
            Field("name_en", STRING, "英文名称", "the code's English name", required=True),
            Field(
                "sort_order", INTEGER, "排序", "order of the code within its vocabulary, as the national system lists them", required=True
            ),
            Field("used_in", STRING, "使用字段", "the analytics columns holding the vocabulary's codes (table.column, comma-separated)"),
        ),
    )
)

# What the exit mart counts from: each household's years of identification, exit and return, and
# its members.
_EVENT_YEARS = FACT_HOUSEHOLD.column_refs("identification_year", "exit_year", "returned_year")
_COUNTED = (*_EVENT_YEARS, *FACT_HOUSEHOLD.column_refs("household_size"))

MART_POVERTY_EXIT = CATALOG.add(
    with_names(
        Table(
            name="mart_poverty_exit",
            zh="脱贫进度集市表",
            en="Poverty exit by region and year, at province, city, county, township and village level",
            layer="marts",
            primary_key=("region_level", "region_code", "year"),
            inputs=(FACT_HOUSEHOLD.name, DIM_REGION.name),
            fields=(
                replace(REGION_CODE, derived_from=FACT_HOUSEHOLD.column_refs("county_code", "township_code", "village_code")),
                REGION_LEVEL_COLUMN,
                *dated(
                    Field(
                        "year",
                        YEAR,
                        "年度",
                        "calendar year (2014-2020 and any later year present)",
                        required=True,
                        derived_from=_EVENT_YEARS,
                    )
                ),
                Field(
                    "registered_households",
                    INTEGER,
                    "累计识别户数（存量，不可跨年加总）",
                    "households identified in or before the year (a snapshot without 识别年度: its households from the year it is as of); a stock, not additive over years",
                    unit=HOUSEHOLDS,
                    additive=False,
                    derived_from=_COUNTED,
                ),
                Field(
                    "registered_persons",
                    INTEGER,
                    "累计识别人数（存量，不可跨年加总）",
                    "persons in households identified in or before the year (a snapshot: from its year; a per-person export counts its members); a stock, not additive over years",
                    unit=PERSONS,
                    additive=False,
                    derived_from=_COUNTED,
                ),
                Field(
                    "exited_households",
                    INTEGER,
                    "当年脱贫户数",
                    "households whose exit year is the year (a snapshot's exits, whose year it does not give, are in no year's figure but in the cumulative ones)",
                    unit=HOUSEHOLDS,
                    derived_from=_COUNTED,
                ),
                Field(
                    "exited_persons",
                    INTEGER,
                    "当年脱贫人数",
                    "persons in households whose exit year is the year",
                    unit=PERSONS,
                    derived_from=_COUNTED,
                ),
                Field(
                    "cumulative_exited_households",
                    INTEGER,
                    "累计脱贫户数（存量，不可跨年加总）",
                    "households whose exit year is the year or earlier, including those that later returned, and a snapshot's exited households from the year it is as of; a stock, not additive over years",
                    unit=HOUSEHOLDS,
                    additive=False,
                    derived_from=_COUNTED,
                ),
                Field(
                    "cumulative_exited_persons",
                    INTEGER,
                    "累计脱贫人数（存量，不可跨年加总）",
                    "persons in households that exited in or before the year, including those that later returned; a stock, not additive over years",
                    unit=PERSONS,
                    additive=False,
                    derived_from=_COUNTED,
                ),
                Field(
                    "remaining_households",
                    INTEGER,
                    "剩余贫困户数（存量，不可跨年加总）",
                    "registered − cumulative exited + returned to poverty in or before the year: households poor at year end; a stock, not additive over years",
                    unit=HOUSEHOLDS,
                    additive=False,
                    derived_from=_COUNTED,
                ),
                Field(
                    "remaining_persons",
                    INTEGER,
                    "剩余贫困人数（存量，不可跨年加总）",
                    "persons in households poor at year end (counts those that returned); a stock, not additive over years",
                    unit=PERSONS,
                    additive=False,
                    derived_from=_COUNTED,
                ),
                Field(
                    "returned_households",
                    INTEGER,
                    "当年返贫户数",
                    "households whose returned-to-poverty year is the year (a snapshot's returns, of no given year, count in remaining from its year)",
                    unit=HOUSEHOLDS,
                    derived_from=_COUNTED,
                ),
                Field(
                    "villages_exited",
                    INTEGER,
                    "当年出列贫困村数",
                    "poor villages (village list) in the region whose exit year is the year",
                    unit="个 / villages",
                    derived_from=DIM_REGION.column_refs("is_poor_village", "village_exit_year"),
                ),
                Field(
                    "poverty_incidence",
                    NUMBER,
                    "贫困发生率（比值，不可加总）",
                    "100 × remaining persons ÷ agricultural population of the listed villages that hold registered households; empty when unknown; a ratio, never summed or averaged",
                    unit="% / percent",
                    additive=False,
                    derived_from=(
                        *DIM_REGION.column_refs("agricultural_population"),
                        *FACT_HOUSEHOLD.column_refs("household_size", "exit_year", "returned_year"),
                    ),
                ),
                Field(
                    "agricultural_population",
                    INTEGER,
                    "农业人口（贫困发生率分母；存量，不可跨年加总）",
                    "agricultural population of the listed villages that hold registered households: the denominator of "
                    "poverty_incidence (empty when none is known); for the incidence of several regions of one level in one "
                    "year, 100 × SUM(remaining_persons) ÷ SUM(agricultural_population); a stock, not additive over years",
                    unit=PERSONS,
                    additive=False,
                    derived_from=(*DIM_REGION.column_refs("agricultural_population"), *FACT_HOUSEHOLD.column_refs("village_code")),
                ),
            ),
        )
    )
)

QUARANTINE = CATALOG.add(
    Table(
        name="quarantine",
        zh="隔离区（被拒绝的行，每个问题一行：一行源数据违反几条规则即有几行）",
        en=(
            "One row per problem of a rejected source row (a row breaking two rules has two): file, sheet, row, column, "
            "rule and reason; personal data masked. Rejected source rows are counted in load_audit.rows_quarantined"
        ),
        layer="audit",
        source="validation of every source file",
        fields=(
            replace(RUN_ID, en="pipeline run that rejected the row"),
            SOURCE,
            AUDITED_FILE,
            AUDITED_SHEET,
            replace(SOURCE_ROW, zh="行号", required=False, additive=True),
            Field("column_name", STRING, "字段", "warehouse field the rule concerns"),
            Field("source_header", STRING, "表头", "the column header as written in the file"),
            Field("rule", STRING, "规则", "rule identifier", required=True),
            Field("message_zh", STRING, "说明（中文）", "what is wrong and what was expected, in Chinese"),
            Field("message_en", STRING, "说明（英文）", "what is wrong and what was expected, in English"),
            Field("value_masked", STRING, "问题值（已脱敏）", "offending value, personal data masked"),
        ),
    )
)

LOAD_AUDIT = CATALOG.add(
    Table(
        name="load_audit",
        zh="装载审计",
        en="Per run and file: content hash and row accounting (read = loaded + quarantined + skipped)",
        layer="audit",
        source="every source file of every run",
        fields=(
            RUN_ID,
            SOURCE,
            AUDITED_FILE,
            Field("content_sha256", STRING, "内容哈希", "SHA-256 of the file's bytes"),
            Field("rules_version", STRING, "规则版本", "fingerprint of the column map and rules the file was checked against"),
            Field("file_bytes", INTEGER, "文件大小", "file size", unit="字节 / bytes"),
            Field(
                "file_mtime_ns",
                INTEGER,
                "文件修改时间",
                "file modification time when hashed (ns since 1970): a file of the same size and time is not hashed again",
            ),
            Field(
                "status",
                STRING,
                "状态",
                "loaded, unchanged (same content and rules as its last load: not read again), failed or removed",
                required=True,
            ),
            Field("rows_read", INTEGER, "读取行数", "rows below the header (data, blank, total and note rows)"),
            Field("rows_loaded", INTEGER, "装载行数", "rows accepted into staging"),
            Field(
                "rows_quarantined", INTEGER, "隔离行数", "source rows rejected into quarantine (each has one quarantine row per problem)"
            ),
            Field("rows_skipped", INTEGER, "跳过行数", "blank, 合计/小计/总计, note and section rows"),
            Field("skipped_blank", INTEGER, "空行", "blank rows"),
            Field("skipped_total", INTEGER, "合计行", "合计/小计/总计 rows"),
            Field("skipped_note", INTEGER, "注释行", "notes under the table, header copies and template placeholder rows (N, {.pid})"),
            Field("skipped_section", INTEGER, "分段行", "section rows (一、秧河镇) that name the township of the rows below them"),
            Field(
                "personal_data_masked",
                INTEGER,
                "遮蔽的个人信息",
                "ID, phone and bank card numbers and person names found outside the personal columns (sheet names, place cells, notes) and masked",
            ),
            Field(
                "message",
                STRING,
                "说明",
                "why a file failed: the sheet, columns and what was expected (the file is source_file, named once)",
            ),
            Field(
                "warnings",
                STRING,
                "提示",
                "what a person should check although the file loaded: a unit that cannot be read, a hidden sheet read, a header far down (one per line)",
            ),
            Field(
                "sheets",
                STRING,
                "工作表",
                "JSON: every sheet of the file, read or not, with its visibility, row count and why it was or was not read",
            ),
            Field("loaded_at", TIMESTAMP, "装载时间", "when the file was processed (UTC)"),
        ),
    )
)

PERSON_FINGERPRINT = CATALOG.add(
    Table(
        name="person_fingerprint",
        zh="已知人员指纹（键控哈希）",
        en="The persons each file names (household heads, individual donors), as keyed 64-bit fingerprints of their "
        "names: what lets the personal-data guard find a name in a report or a file name without storing any name",
        layer="audit",
        source="registries and fund ledgers, by the personal-data guard",
        fields=(
            AUDITED_FILE,
            Field(
                "name_fingerprint",
                INTEGER,
                "姓名指纹",
                "keyed BLAKE2b fingerprint of a name (64 bits); useless without the key",
                required=True,
            ),
            Field(
                "learnt_at",
                TIMESTAMP,
                "首次得知时间",
                "when this file first named the person (UTC): a file loaded again keeps the time of the persons it named before, "
                "so the guard knows whether names were learnt since it last found a table clean",
            ),
        ),
    )
)


_person = REGISTRY_PERSON.field

_PERSON_FACTS = (
    Field(
        "person_key",
        STRING,
        "成员主键（假名化）",
        "pseudonymous person key: keyed hash (HMAC-SHA-256, base32) of the member's ID number",
        required=True,
    ),
    replace(HOUSEHOLD_KEY, en="the household's key: keyed hash of its head's ID number, as in fact_household"),
    replace(COUNTY_CODE, en="county-level region code of the household"),
    replace(VILLAGE_CODE, en="village code of the household (project-local code)"),
    Field("is_head", FLAG, "是否户主", "the household's head (与户主关系 户主 or 本人)", required=True),
    replace(_person("relation"), en="relation to the household head, as written"),
    Field("sex", CODE, "性别", "male or female: as written, else from the ID number", vocabulary=SEX.name),
    Field("birth_year", YEAR, "出生年份", "from the ID number"),
    Field("age_band", STRING, "年龄段", "age in the as-of year, from the ID number: 0-5, 6-15, 16-59 or 60+"),
    _person("ethnicity"),
    _person("education"),
    _person("schooling"),
    _person("labour_skill"),
    _person("work_status"),
    _person("work_months"),
    _person("rural_medical_insured"),
    _person("rural_pension_insured"),
    _person("employee_pension_insured"),
    _person("serious_illness_insured"),
    Field("as_of_year", YEAR, "快照年度", "the year the export is as of (its title, file name or --as-of)", required=True),
)

STG_PERSON = CATALOG.add(
    Table(
        name="stg_person",
        zh="建档立卡户家庭成员（已校验暂存）",
        en="Validated, pseudonymised members of the households of per-person registry exports, one row per accepted source row",
        layer="staging",
        source="registry files in the per-person layout, after validation",
        fields=(*_PERSON_FACTS, *PROVENANCE),
    )
)


def _fact_person_select(db) -> str:
    columns = ", ".join(column_sql(f, db.quote) for f in FACT_PERSON.fields if f.labels is None)
    return f"SELECT {columns} FROM {db.name(STG_PERSON)}"


FACT_PERSON = CATALOG.add(
    with_names(
        Table(
            name="fact_person",
            zh="建档立卡户家庭成员事实表",
            en="One row per member of a registered household where a per-person export gives them; no names, ID numbers, phones, banks or card numbers",
            layer="warehouse",
            inputs=(STG_PERSON.name,),
            # A birth year is a trait of the person, not a time of the record: no date beside it.
            fields=(*dated(*_PERSON_FACTS, skip=("birth_year",)), *PROVENANCE),
            select=_fact_person_select,
        )
    )
)
