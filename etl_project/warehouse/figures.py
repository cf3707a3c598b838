"""Small figures of the marts, as Markdown the Dagster UI renders beside a materialization.

Each figure is one query over a mart (regions named from dim_region) and a table of at most a
screenful of rows, with a bar of block characters beside the figure it draws, so that someone
opening the asset sees the shape of the numbers without querying the warehouse. Aggregates only:
no row of a person or household reaches a figure; the text is masked by value all the same, as
everything Dagster keeps in its event log.
"""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from etl_project.core import personal_data
from etl_project.warehouse.engine import Warehouse
from schemas.investment_tables import MART_INVESTMENT, MART_PROJECT_REACH
from schemas.report_tables import RECONCILIATION, REPORT_CLAIM
from schemas.tables import DIM_REGION, MART_POVERTY_EXIT
from schemas.vocabularies import FUND_CATEGORY

TOP_COUNTIES = 15
MISMATCHES_SHOWN = 20
BAR_WIDTH = 10
# The UI shows a Markdown value in place, in the asset's metadata and event, when it is shorter than
# this; a longer one only behind a "[Show Markdown]" link.
INLINE_LIMIT = 1000
_EIGHTHS = " ▏▎▍▌▋▊▉"
_FULL = "█"
_YUAN_PER_WAN = Decimal(10_000)
# A table wider than the UI's metadata column is squeezed to its narrowest: a cell breaks wherever
# it may, and Chinese between any two characters. A no-break space holds a header's two words, or
# a figure and its unit, together, so that a place name keeps a few characters a line.
NO_BREAK = "\u00a0"


def wan_yuan(yuan) -> str:
    """Yuan as 万元, the unit ledgers and reports write money in, to two decimals (100 yuan)."""
    return f"{Decimal(str(yuan)) / _YUAN_PER_WAN:,.2f}"


def bar(value, largest) -> str:
    """A horizontal bar of block characters, ``BAR_WIDTH`` wide for the largest value, in eighths."""
    if not largest or not value or value <= 0:
        return ""
    eighths = round(BAR_WIDTH * 8 * float(value) / float(largest))
    return _FULL * (eighths // 8) + _EIGHTHS[eighths % 8].strip()


def _cell(value) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(frame: pd.DataFrame, numeric: tuple[str, ...]) -> str:
    """A Markdown table without padding: the UI shows a figure in place only while it is short."""
    shown, _ = personal_data.mask_frame(frame.astype(str))
    lines = ["| " + " | ".join(_cell(c) for c in shown.columns) + " |"]
    lines.append("|" + "|".join("---:" if c in numeric else "---" for c in shown.columns) + "|")
    lines += ["| " + " | ".join(_cell(v) for v in row) + " |" for row in shown.itertuples(index=False)]
    return "\n".join(lines)


def _fitted(heading, frame: pd.DataFrame, numeric: tuple[str, ...]) -> str:
    """The heading (given the rows shown) and as many of the frame's first rows as fit in
    ``INLINE_LIMIT`` characters."""
    for shown in range(len(frame), 0, -1):
        text = heading(shown) + "\n\n" + _table(frame.head(shown), numeric)
        if len(text) < INLINE_LIMIT:
            return text
    return heading(0)


def _shown(shown: int, total: int, what: str) -> str:
    return "" if shown >= total else f" (the first {shown} of {total} {what})"


def _count(value) -> str:
    return f"{int(value):,}"


def exits_by_year(db: Warehouse) -> str:
    """Households and persons that exited poverty each year, over every province of the warehouse."""
    rows = db.query(
        "SELECT year, SUM(exited_households) AS exited_households, SUM(exited_persons) AS exited_persons, "
        "SUM(remaining_households) AS remaining_households "
        f"FROM {db.name(MART_POVERTY_EXIT)} WHERE region_level = :level GROUP BY year ORDER BY year",
        {"level": "province"},
    )
    if rows.empty:
        return "no households in the warehouse / 仓库中尚无贫困户"
    largest = rows["exited_households"].max()
    frame = pd.DataFrame(
        {
            "年度": rows["year"].astype(int),
            "脱贫户": rows["exited_households"].map(_count),
            " ": rows["exited_households"].map(lambda v: bar(v, largest)),
            "脱贫人口": rows["exited_persons"].map(_count),
            "年末贫困户": rows["remaining_households"].map(_count),
        }
    )
    title = (
        "**各年脱贫（全仓库）/ exits by year, whole warehouse**\n\n"
        "脱贫户 households exited · 脱贫人口 persons in them · 年末贫困户 households still poor at year end"
    )
    return _fitted(lambda shown: title + _shown(shown, len(frame), "years"), frame, ("年度", "脱贫户", "脱贫人口", "年末贫困户"))


def money_by_county_and_year(db: Warehouse, top: int = TOP_COUNTIES) -> str:
    """Money put in by county and year, in 万元, for the counties that received most."""
    mart, region = db.name(MART_INVESTMENT), db.name(DIM_REGION)
    rows = db.query(
        f"""
WITH by_year AS (
    SELECT region_code, year, SUM(amount_yuan) AS amount
    FROM {mart} WHERE region_level = :level GROUP BY region_code, year
),
ranked AS (
    SELECT region_code, SUM(amount) AS total, ROW_NUMBER() OVER (ORDER BY SUM(amount) DESC, region_code) AS place
    FROM by_year GROUP BY region_code
)
SELECT b.region_code, COALESCE(r.short_name, r.region_name, b.region_code) AS county, b.year, b.amount, k.total, k.place,
       (SELECT COUNT(*) FROM ranked) AS counties, (SELECT SUM(total) FROM ranked) AS all_counties
FROM by_year b
JOIN ranked k ON k.region_code = b.region_code
LEFT JOIN {region} r ON r.region_level = :level AND r.region_code = b.region_code
WHERE k.place <= :top
ORDER BY k.place, b.year
""",
        {"level": "county", "top": top},
    )
    if rows.empty:
        return "no money in the warehouse / 仓库中尚无帮扶资金"
    pivot = rows.pivot(index=["place", "county", "region_code"], columns="year", values="amount").sort_index()
    totals = rows.drop_duplicates("place").set_index("place")["total"].sort_index()
    largest = totals.max()
    names = pd.Series([county for _, county, _ in pivot.index])
    # The code only where a name is not enough (鼓楼区 is a district of four cities).
    shared = names.duplicated(keep=False)
    years = [str(int(year)) for year in pivot.columns]
    frame = pd.DataFrame(
        {
            f"县{NO_BREAK}county": [f"{name} {code}" if twice else name for name, (_, _, code), twice in zip(names, pivot.index, shared)],
            **{label: pivot[year].map(lambda v: "" if pd.isna(v) else wan_yuan(v)).tolist() for label, year in zip(years, pivot.columns)},
            "合计": totals.map(wan_yuan).tolist(),
            " ": totals.map(lambda v: bar(v, largest)).tolist(),
        }
    )
    counties, all_counties = int(rows["counties"].iloc[0]), rows["all_counties"].iloc[0]

    def heading(shown: int) -> str:
        return (
            "**帮扶投入（万元）/ money put in by county and year, 万元 (10 000 yuan)**\n\n"
            f"the {shown} counties that received most, of {counties}; {wan_yuan(all_counties)} 万元 in all (合计 total)"
        )

    return _fitted(heading, frame, (*years, "合计"))


def projects_by_type(db: Warehouse) -> str:
    """Projects funded, the poor households they reach and the money booked on them, by project type."""
    rows = db.query(
        "SELECT category, SUM(projects) AS projects, SUM(households_benefited) AS households, SUM(booked_yuan) AS booked "
        f"FROM {db.name(MART_PROJECT_REACH)} WHERE region_level = :level GROUP BY category ORDER BY SUM(projects) DESC, category",
        {"level": "province"},
    )
    if rows.empty:
        return "no funded projects in the warehouse / 仓库中尚无获资助项目"
    largest = rows["projects"].max()
    frame = pd.DataFrame(
        {
            "类型": [FUND_CATEGORY.codes.get(c, c) for c in rows["category"]],
            "项目": rows["projects"].map(_count),
            " ": rows["projects"].map(lambda v: bar(v, largest)),
            "带动贫困户": rows["households"].map(_count),
            "资金（万元）": rows["booked"].map(wan_yuan),
        }
    )
    title = (
        "**获资助项目按类型（全仓库）/ projects funded by type, whole warehouse**\n\n"
        "项目 projects · 带动贫困户 poor households they reach · 资金 money booked on them, 万元"
    )
    return _fitted(lambda shown: title + _shown(shown, len(frame), "types"), frame, ("项目", "带动贫困户", "资金（万元）"))


_UNITS = {"household": "户", "person": "人", "village": "个村", "county": "个县", "project": "个项目"}


def _as_warehouse_holds(value, unit: str) -> str:
    """A warehouse figure in the unit a report would write it in."""
    if value is None or pd.isna(value):
        return ""
    if unit == "yuan":
        return f"{wan_yuan(value)}{NO_BREAK}万元"
    if unit == "percent":
        return f"{float(value):.2f}%"
    return f"{float(value):,.0f}{NO_BREAK}{_UNITS.get(unit, unit)}"


def reconciliation_mismatches(db: Warehouse, shown: int = MISMATCHES_SHOWN) -> str:
    """The report figures the warehouse does not bear out: where, what, as written, and the warehouse's own figure."""
    names = f"SELECT region_code, MIN(COALESCE(short_name, region_name)) AS region_name FROM {db.name(DIM_REGION)} GROUP BY region_code"
    rows = db.query(
        f"""
SELECT COALESCE(d.region_name, c.region, r.region_code) AS region, r.metric, r.period,
       c.figure_text, c.unit, r.warehouse_value, COUNT(*) OVER () AS mismatches
FROM {db.name(RECONCILIATION)} r
JOIN {db.name(REPORT_CLAIM)} c ON c.report_id = r.report_id AND c.claim_index = r.claim_index
LEFT JOIN ({names}) d ON d.region_code = r.region_code
WHERE r.status = :status
ORDER BY r.source_file, r.claim_index
LIMIT :shown
""",
        {"status": "mismatch", "shown": shown},
    )
    if rows.empty:
        return "no report figure disagrees with the warehouse / 报告数字与仓库一致"
    frame = pd.DataFrame(
        {
            f"地区{NO_BREAK}region": rows["region"],
            "指标 metric": rows["metric"],
            "时期": rows["period"].fillna(""),
            "报告": rows["figure_text"].fillna(""),
            "仓库": [_as_warehouse_holds(v, u) for v, u in zip(rows["warehouse_value"], rows["unit"])],
        }
    )
    total = int(rows["mismatches"].iloc[0])
    title = (
        f"**报告数字与仓库不符 / report figures the warehouse does not bear out: {total}**\n\n"
        "时期 period · 报告 the figure as the report writes it · 仓库 the warehouse's own figure"
    )
    return _fitted(lambda shown: title + _shown(shown, total, "mismatches"), frame, ("仓库",))
