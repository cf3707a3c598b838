"""Tables of narrative reports: every figure as a claim, and each claim against the warehouse."""

from __future__ import annotations

from dataclasses import replace

from schemas.fields import REGION_CODE, SOURCE_FILE
from schemas.names import with_names
from schemas.registry import ANY_LEVEL, CATALOG, DATE, FLAG, INTEGER, NUMBER, STRING, YEAR, Field, Table
from schemas.vocabularies import RECONCILIATION_STATUS, REPORT_METRIC

_REPORT = (
    Field("report_id", STRING, "报告编号", "report id: first 16 hex digits of the SHA-256 of the file", required=True),
    replace(SOURCE_FILE, en="report file, relative to the raw data folder"),
)
# A place a report names, of whatever level it is.
_PLACE_CODE = replace(REGION_CODE, required=False, region=ANY_LEVEL)

REPORT_CLAIM = CATALOG.add(
    Table(
        name="report_claim",
        zh="报告数字声明",
        en="Each figure a report states, normalised to base units, with its sentence and position",
        layer="warehouse",
        primary_key=("report_id", "claim_index"),
        source="data/raw/reports/* (txt, md, html, docx, pdf)",
        fields=(
            *_REPORT,
            Field("report_date", DATE, "报告日期", "date the report states"),
            Field("claim_index", INTEGER, "序号", "position of the claim in the report (0-based)", required=True, additive=False),
            Field(
                "value",
                NUMBER,
                "数值",
                "the figure in base units (万元 → yuan, 万人 → persons; percentages as written)",
                required=True,
                additive=False,
            ),
            Field("range_high", NUMBER, "区间上限", "upper end when the report gives a range", additive=False),
            Field("unit", STRING, "单位", "yuan, household, person, village, county, project, percent, …", required=True),
            Field("approx", FLAG, "约数", "the report qualifies the figure (余, 多, 约, 近, 左右, 超过, 以上, 逾, 不足)"),
            Field("qualifier", STRING, "修饰", "more_than (余, 多, 超过, 以上, 逾), about (约, 左右) or nearly (近, 不足)"),
            Field("figure_text", STRING, "数字原文", "the figure as written, e.g. 2386万余元"),
            Field(
                "metric",
                STRING,
                "指标",
                "what the figure measures (investment_amount, households_exited, …, other)",
                required=True,
                vocabulary=REPORT_METRIC.name,
            ),
            Field("period", STRING, "时期", "year or range the figure speaks of (2017, 2014-2016)"),
            Field("period_start", YEAR, "起始年", "first year of the period"),
            Field("period_end", YEAR, "截止年", "last year of the period"),
            Field("region", STRING, "地区（原文）", "the place as the report writes it"),
            replace(_PLACE_CODE, en="the place's code, when it resolves"),
            Field(
                "context_code",
                STRING,
                "所在区划代码",
                "for a township: the code of the county (or larger place) the report puts it in; the reconciliation finds the township's own code under it",
                region=ANY_LEVEL,
            ),
            Field("sentence", STRING, "原句", "the sentence the figure stands in"),
            Field("start_offset", INTEGER, "起始位置", "character offset of the figure in the report body", additive=False),
            Field("end_offset", INTEGER, "结束位置", "character offset after the figure", additive=False),
        ),
    )
)

REPORT_FINDING = CATALOG.add(
    Table(
        name="report_finding",
        zh="报告自相矛盾之处",
        en="Figures of one report that cannot all be true (exits above the registered poor, parts above their total, …)",
        layer="warehouse",
        primary_key=("report_id", "finding_index"),
        source="report_claim",
        fields=(
            *_REPORT,
            Field("finding_index", INTEGER, "序号", "position of the finding in the report (0-based)", required=True),
            Field("rule", STRING, "规则", "which consistency rule the figures break", required=True),
            Field("message_zh", STRING, "说明（中文）", "what is inconsistent"),
            Field("message_en", STRING, "说明（英文）", "what is inconsistent"),
            Field(
                "claim_indexes",
                STRING,
                "涉及声明",
                "claim_index values involved, comma-separated, to read; join through report_finding_claim",
            ),
        ),
    )
)

REPORT_FINDING_CLAIM = CATALOG.add(
    Table(
        name="report_finding_claim",
        zh="报告矛盾与所涉声明对照",
        en="Which claims each finding involves, one row per finding and claim: join report_finding to report_claim through it",
        layer="warehouse",
        primary_key=("report_id", "finding_index", "claim_index"),
        source="report_claim",
        fields=(
            *_REPORT,
            Field("finding_index", INTEGER, "矛盾序号", "the finding (report_finding.finding_index)", required=True),
            Field("claim_index", INTEGER, "声明序号", "a claim it involves (report_claim.claim_index)", required=True),
        ),
    )
)

RECONCILIATION = CATALOG.add(
    with_names(
        Table(
            name="reconciliation",
            zh="报告数字与仓库核对",
            en="Each claim whose metric, region and period the warehouse can answer, against the warehouse figure",
            layer="warehouse",
            primary_key=("report_id", "claim_index"),
            inputs=(
                "report_claim",
                "mart_investment",
                "mart_poverty_exit",
                "mart_monitoring",
                "mart_monitoring_category",
                "dim_project",
                "dim_region",
            ),
            fields=(
                *_REPORT,
                Field("report_date", DATE, "报告日期", "date the report states"),
                Field("claim_index", INTEGER, "序号", "the claim (report_claim)", required=True, additive=False),
                Field("metric", STRING, "指标", "metric", required=True, vocabulary=REPORT_METRIC.name),
                replace(_PLACE_CODE, en="region the claim speaks of (a township: the local code found for its name)"),
                Field("period", STRING, "时期", "period the claim speaks of"),
                Field("figure_text", STRING, "数字原文", "the figure as the report writes it, e.g. 2386万余元"),
                Field("claimed_value", NUMBER, "报告数值", "the report's figure, base units (each metric its own unit)", additive=False),
                Field("warehouse_value", NUMBER, "仓库数值", "the same figure computed from the warehouse", additive=False),
                Field("difference", NUMBER, "差额", "claimed − warehouse", additive=False),
                Field(
                    "status",
                    STRING,
                    "核对结果",
                    "match, within_tolerance, mismatch, ambiguous (a township name found in several places of the one the report names) or no_data",
                    required=True,
                    vocabulary=RECONCILIATION_STATUS.name,
                ),
                Field("basis", STRING, "口径", "how the warehouse figure was computed, or why there is none"),
                Field("sentence", STRING, "原句", "the sentence the figure stands in"),
            ),
        )
    )
)
