"""Warehouse tables of money, projects and villages."""

from __future__ import annotations

from dataclasses import replace

from schemas.fields import (
    AUDITED_SHEET,
    COUNTY_CODE,
    PROVENANCE,
    REGION_CODE,
    REGION_LEVEL_COLUMN,
    SOURCE_FILE,
    SOURCE_ROW,
    TOWNSHIP_CODE,
    VILLAGE_CODE,
)
from schemas.investment_sources import FUND_MOVEMENT, PROJECT, VILLAGE
from schemas.names import with_names
from schemas.registry import CATALOG, CODE, HOUSEHOLDS, INTEGER, MONEY, NUMBER, PERSONS, STRING, YEAR, YUAN, Field, Table, dated
from schemas.vocabularies import DONOR_TYPE, FUND_CATEGORY

_PLACE_CODES = (
    COUNTY_CODE,
    replace(TOWNSHIP_CODE, en="township code (empty when the row names none)", required=False),
    replace(VILLAGE_CODE, en="village code (empty when the row names none)", required=False),
)

STG_FUND_MOVEMENT = CATALOG.add(
    Table(
        name="stg_fund_movement",
        zh="帮扶资金流水（已校验暂存）",
        en="Validated fund movements, one row per accepted ledger row",
        layer="staging",
        source="fund ledgers after validation",
        fields=(
            FUND_MOVEMENT.field("fund_date"),
            Field(
                "donor_key", STRING, "帮扶方主键", "donor key: hash of type, parent and name (keyed hash for individuals)", required=True
            ),
            Field("donor_name", STRING, "帮扶单位", "donor name; empty for individuals (personal data)"),
            FUND_MOVEMENT.field("donor_type"),
            FUND_MOVEMENT.field("donor_parent"),
            *_PLACE_CODES,
            FUND_MOVEMENT.field("project_code"),
            FUND_MOVEMENT.field("category"),
            FUND_MOVEMENT.field("fund_source"),
            Field("amount_yuan", MONEY, "金额", "amount", unit=YUAN, required=True),
            *PROVENANCE,
        ),
    )
)

STG_PROJECT = CATALOG.add(
    Table(
        name="stg_project",
        zh="扶贫项目（已校验暂存）",
        en="Validated projects, one row per accepted project-list row",
        layer="staging",
        source="project lists after validation",
        fields=(
            PROJECT.field("project_code"),
            PROJECT.field("project_name"),
            PROJECT.field("project_type"),
            *_PLACE_CODES,
            PROJECT.field("start_date"),
            PROJECT.field("end_date"),
            Field("planned_investment_yuan", MONEY, "计划投资", "planned investment", unit=YUAN),
            PROJECT.field("status"),
            PROJECT.field("households_benefited"),
            PROJECT.field("persons_benefited"),
            Field("scale_text", STRING, "建设规模（原文）", "construction scale as written"),
            Field(
                "scale_value",
                NUMBER,
                "建设规模数值",
                "construction scale, number part (万 applied), in scale_unit, which differs between projects",
                additive=False,
            ),
            Field("scale_unit", STRING, "建设规模单位", "construction scale unit (亩, 盏, 公里, …)"),
            *PROVENANCE,
        ),
    )
)

STG_VILLAGE = CATALOG.add(
    Table(
        name="stg_village",
        zh="行政村名单（已校验暂存）",
        en="Validated village-list rows",
        layer="staging",
        source="village lists after validation",
        fields=(
            replace(VILLAGE_CODE, en="village code (local, see README)", region=None),
            replace(TOWNSHIP_CODE, en="township code", region=None),
            replace(COUNTY_CODE, en="county code", region=None),
            Field("township_name", STRING, "乡镇名称", "township name"),
            Field("village_name", STRING, "行政村名称", "village name"),
            VILLAGE.field("is_poor_village"),
            VILLAGE.field("exit_year"),
            VILLAGE.field("registered_population"),
            VILLAGE.field("agricultural_population"),
            Field("collective_income_yuan", MONEY, "村集体经济收入", "village collective income", unit=YUAN),
            *PROVENANCE,
        ),
    )
)

STG_LEDGER_TOTAL = CATALOG.add(
    Table(
        name="stg_ledger_total",
        zh="台账合计/小计行核对",
        en="Each 合计/小计 row of a ledger against the sum of the rows it totals",
        layer="staging",
        source="fund ledgers: the skipped total rows",
        fields=(
            replace(SOURCE_FILE, en="ledger file"),
            AUDITED_SHEET,
            replace(SOURCE_ROW, zh="行号", en="row of the total as Excel shows it", additive=True),
            Field(
                "label",
                STRING,
                "合计类型",
                "the label as written: 合计/总计 (whole sheet), 小计 (its group), 本页小计 (its page), 本月合计 (its month), 累计 (every row above it)",
                required=True,
            ),
            Field("stated_yuan", MONEY, "表内合计", "the total the sheet states", unit=YUAN),
            Field("computed_yuan", MONEY, "逐行加总", "sum of the rows it covers, as written (rejected rows included)", unit=YUAN),
            Field("difference_yuan", MONEY, "差额", "stated − computed", unit=YUAN),
            Field("rows_covered", INTEGER, "覆盖行数", "data rows the total covers"),
            Field(
                "unit",
                STRING,
                "金额单位",
                "the money unit the sheet (or its column) states the amounts in: 元, 千元, 万元 or 亿元; the figures above are converted to yuan",
            ),
        ),
    )
)


def _dim_donor_select(db) -> str:
    # One row per donor key; the name, type and parent are the same for every row of a key by
    # construction (the key hashes them), MIN just picks that value.
    return (
        "SELECT donor_key, MIN(donor_name), MIN(donor_type), MIN(donor_parent), COUNT(*), SUM(amount_yuan) "
        f"FROM {db.name(STG_FUND_MOVEMENT)} GROUP BY donor_key"
    )


DIM_DONOR = CATALOG.add(
    with_names(
        Table(
            name="dim_donor",
            zh="帮扶方维表",
            en="Donors: departments, enterprises, social organisations and (pseudonymised) individuals",
            layer="warehouse",
            primary_key=("donor_key",),
            inputs=(STG_FUND_MOVEMENT.name,),
            select=_dim_donor_select,
            fields=(
                Field("donor_key", STRING, "帮扶方主键", "donor key", required=True),
                Field("donor_name", STRING, "帮扶单位", "donor name; empty for individuals"),
                Field("donor_type", CODE, "单位类型", "department, enterprise, social_org or individual", vocabulary=DONOR_TYPE.name),
                Field("donor_parent", STRING, "所属单位", "the donor's parent"),
                Field("movements", INTEGER, "资金笔数", "fund movements recorded"),
                Field("amount_yuan", MONEY, "帮扶金额", "total amount given", unit=YUAN),
            ),
        )
    )
)


def _dim_project_select(db) -> str:
    columns = ", ".join("COALESCE(b.booked, 0)" if c == "booked_yuan" else f"p.{db.quote(c)}" for c in DIM_PROJECT.base_column_names)
    return (
        f"SELECT {columns} FROM {db.name(STG_PROJECT)} p "
        f"LEFT JOIN (SELECT project_code, SUM(amount_yuan) AS booked FROM {db.name(STG_FUND_MOVEMENT)} "
        "WHERE project_code IS NOT NULL GROUP BY project_code) b ON b.project_code = p.project_code"
    )


DIM_PROJECT = CATALOG.add(
    with_names(
        Table(
            name="dim_project",
            zh="项目维表",
            en="Projects from the project lists, with the money booked on them",
            layer="warehouse",
            primary_key=("project_code",),
            inputs=(STG_PROJECT.name, STG_FUND_MOVEMENT.name),
            fields=(
                *[f for f in STG_PROJECT.fields if f not in PROVENANCE],
                Field("booked_yuan", MONEY, "已拨付资金", "money booked on the project in the ledgers", unit=YUAN),
                *PROVENANCE,
            ),
            select=_dim_project_select,
        )
    )
)


_movement = STG_FUND_MOVEMENT.field


def _fact_investment_select(db) -> str:
    year = "CAST(EXTRACT(YEAR FROM fund_date) AS INTEGER)"
    columns = ", ".join(year if c == "year" else db.quote(c) for c in FACT_INVESTMENT.base_column_names)
    return f"SELECT {columns} FROM {db.name(STG_FUND_MOVEMENT)}"


FACT_INVESTMENT = CATALOG.add(
    with_names(
        Table(
            name="fact_investment",
            zh="帮扶资金事实表",
            en="One row per fund movement: date, donor, recipient region, project, category, fund source, amount in yuan",
            layer="warehouse",
            inputs=(STG_FUND_MOVEMENT.name,),
            select=_fact_investment_select,
            # The staged movement's columns, the donor by its key alone.
            fields=(
                _movement("fund_date"),
                Field("year", YEAR, "年度", "year of the fund date", required=True),
                replace(_movement("donor_key"), en="donor (dim_donor)"),
                *(
                    _movement(name)
                    for name in (
                        "donor_type",
                        *(f.name for f in _PLACE_CODES),
                        "project_code",
                        "category",
                        "fund_source",
                        "amount_yuan",
                    )
                ),
                *PROVENANCE,
            ),
        )
    )
)


def _category_key(zh: str, en: str, derived_from: tuple[str, ...]) -> Field:
    """The category a money mart's rows are keyed by, on which the reach views join the two marts."""
    return Field("category", CODE, zh, en, required=True, vocabulary=FUND_CATEGORY.name, derived_from=derived_from)


MART_INVESTMENT = CATALOG.add(
    with_names(
        Table(
            name="mart_investment",
            zh="帮扶投入集市表",
            en="Money by region, year, category and donor type, with the projects and poor people it reached",
            layer="marts",
            primary_key=("region_level", "region_code", "year", "category", "donor_type"),
            inputs=(FACT_INVESTMENT.name, DIM_PROJECT.name),
            fields=(
                replace(REGION_CODE, derived_from=FACT_INVESTMENT.column_refs("county_code", "township_code", "village_code")),
                replace(REGION_LEVEL_COLUMN, en="province, city, county; township and village where the ledger names them"),
                *dated(
                    Field("year", YEAR, "年度", "year of the fund date", required=True, derived_from=FACT_INVESTMENT.column_refs("year"))
                ),
                _category_key("资金类别", "category of assistance", FACT_INVESTMENT.column_refs("category")),
                Field(
                    "donor_type",
                    CODE,
                    "单位类型",
                    "donor type",
                    vocabulary=DONOR_TYPE.name,
                    derived_from=FACT_INVESTMENT.column_refs("donor_type"),
                ),
                Field("amount_yuan", MONEY, "投入金额", "money put in", unit=YUAN, derived_from=FACT_INVESTMENT.column_refs("amount_yuan")),
                Field(
                    "project_count",
                    INTEGER,
                    "项目数（不可加总：同一项目在其拨款的每个年度、单位类型各计一次，请用 mart_project_reach）",
                    "distinct projects the money was booked on; not additive: a project funded in two years or by two donor "
                    "types counts in each of those rows (sum mart_project_reach instead)",
                    additive=False,
                    derived_from=FACT_INVESTMENT.column_refs("project_code"),
                ),
                Field(
                    "households_benefited",
                    INTEGER,
                    "带动贫困户数（不可加总，理由同项目数）",
                    "poor households those projects benefit (per project list); not additive, as project_count",
                    unit=HOUSEHOLDS,
                    additive=False,
                    derived_from=DIM_PROJECT.column_refs("households_benefited"),
                ),
                Field(
                    "persons_benefited",
                    INTEGER,
                    "带动贫困人口数（不可加总，理由同项目数）",
                    "poor persons those projects benefit; not additive, as project_count",
                    unit=PERSONS,
                    additive=False,
                    derived_from=DIM_PROJECT.column_refs("persons_benefited"),
                ),
                Field(
                    "yuan_per_household_benefited",
                    MONEY,
                    "户均投入（比值，不可加总或平均）",
                    "amount ÷ households benefited (empty when none); a ratio: never summed or averaged, divide summed amounts "
                    "by households summed from mart_project_reach",
                    unit=YUAN,
                    additive=False,
                    derived_from=(*FACT_INVESTMENT.column_refs("amount_yuan"), *DIM_PROJECT.column_refs("households_benefited")),
                ),
            ),
        )
    )
)

MART_PROJECT_REACH = CATALOG.add(
    with_names(
        Table(
            name="mart_project_reach",
            zh="项目带动集市表（各列均可加总）",
            en=(
                "Projects funded and the poor people they reach, by region, year and project type: each project counted once, "
                "where its project list puts it, in the year of its first fund movement; every figure adds up over the regions "
                "of one level, over years and over types"
            ),
            layer="marts",
            primary_key=("region_level", "region_code", "year", "category"),
            inputs=(FACT_INVESTMENT.name, DIM_PROJECT.name),
            fields=(
                replace(
                    REGION_CODE,
                    en="region code of the project's place (project list)",
                    derived_from=DIM_PROJECT.column_refs("county_code", "township_code", "village_code"),
                ),
                replace(REGION_LEVEL_COLUMN, en="province, city, county; township and village where the project list names them"),
                *dated(
                    Field(
                        "year",
                        YEAR,
                        "首次拨款年度",
                        "year of the project's first fund movement",
                        required=True,
                        derived_from=FACT_INVESTMENT.column_refs("year", "project_code"),
                    )
                ),
                _category_key("项目类型", "project type (the fund categories' vocabulary)", DIM_PROJECT.column_refs("project_type")),
                Field(
                    "projects",
                    INTEGER,
                    "新获资助项目数",
                    "projects first funded in the year",
                    unit="个 / projects",
                    derived_from=(*FACT_INVESTMENT.column_refs("project_code"), *DIM_PROJECT.column_refs("project_code")),
                ),
                Field(
                    "households_benefited",
                    INTEGER,
                    "带动贫困户数",
                    "poor households those projects benefit (per project list)",
                    unit=HOUSEHOLDS,
                    derived_from=DIM_PROJECT.column_refs("households_benefited"),
                ),
                Field(
                    "persons_benefited",
                    INTEGER,
                    "带动贫困人口数",
                    "poor persons those projects benefit",
                    unit=PERSONS,
                    derived_from=DIM_PROJECT.column_refs("persons_benefited"),
                ),
                Field(
                    "booked_yuan",
                    MONEY,
                    "项目拨付资金",
                    "all money booked on those projects, in whatever year",
                    unit=YUAN,
                    derived_from=FACT_INVESTMENT.column_refs("amount_yuan", "project_code"),
                ),
            ),
        )
    )
)
