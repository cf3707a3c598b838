"""Per-level views of the marts: in each, a sum over the rows is a total.

The marts hold one row per region at every level (province, city, county, township, village), so a
BI tool summing a column over a mart without a region_level filter counts each yuan and each exit
once per level. Each view shows one level. The money views leave out the mart's per-row counts of
distinct projects, which do not add up; ``mart_investment_reach_<level>`` sets the money beside the
projects it reached, each counted once, so that 户均投入 is SUM(amount_yuan) ÷ SUM(households_benefited)
whatever the grouping.

The monitoring marts (mart_monitoring, _category, _risk) also hold a year row and month rows for each
region, told apart by ``period_kind``: a default sum would count each household once per level and
again in every month of its year. Their views are one per level and period kind,
``<mart>_<level>_year`` and ``<mart>_<level>_month`` (3 marts × 5 levels × 2 kinds = 30), each without
``region_level``, ``period_kind`` and ``month`` (``period_start`` is the time column, the year's or
the month's first day). Their stocks (at the period's end, cumulative) and shares stay, marked not
additive: they add up over regions within one period, never over periods; in the risk views a
household with two risk types counts under both, so no figure adds up over risk types.
mart_monitoring_exited has one row per region and exit year and gets one view per level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from schemas.investment_tables import MART_INVESTMENT, MART_PROJECT_REACH
from schemas.monitoring_tables import MART_MONITORING, MART_MONITORING_CATEGORY, MART_MONITORING_EXITED, MART_MONITORING_RISK
from schemas.registry import CATALOG, INTEGER, MONEY, MONEY_PRECISION, MONEY_SCALE, NUMBER, Field, Table, View
from schemas.tables import MART_POVERTY_EXIT, REGION_LEVELS

LEVEL_LABELS = {
    "province": ("省级", "province"),
    "city": ("地市级", "city (prefecture)"),
    "county": ("县级", "county"),
    "township": ("乡镇级", "township"),
    "village": ("村级", "village"),
}
FIGURE_TYPES = (INTEGER, MONEY, NUMBER)
# The rows that share a region, year and category in the money-and-reach view: each mart's rows are
# brought to these before they are set side by side.
REACH_KEY = ("region_code", "year", "category")
_RISK_NOTE = (
    "；但一户多种风险计入多行，跨风险类型相加不是合计",
    " within a risk type; a household with two risk types counts under both, so a sum over risk types is not a total",
)
PERIOD_KINDS = {"year": ("年度", "year"), "month": ("月度", "month")}
# Columns of a monitoring mart a per-period-kind view has no use for: fixed by the view, or (month)
# carried by period_start, which BI tools bin by month themselves.
_PERIOD_COLUMNS = ("period_kind", "month")

# name of the view -> its SELECT, given how to name a source table in SQL
_SELECTS: dict[str, Callable[[Callable[[Table], str]], str]] = {}


def _quoted(name: str) -> str:
    # Double quotes are the standard identifier quote, the same on DuckDB and PostgreSQL.
    return '"' + name.replace('"', '""') + '"'


def _level_literal(level: str) -> str:
    if level not in REGION_LEVELS:
        raise ValueError(f"unknown region level {level!r}")
    return f"'{level}'"  # a view's definition cannot take a bound parameter; the level is one of ours


def _period_literal(kind: str) -> str:
    if kind not in PERIOD_KINDS:
        raise ValueError(f"unknown period kind {kind!r}")
    return f"'{kind}'"  # one of ours, as the level is


def is_figure(field: Field) -> bool:
    return field.type in FIGURE_TYPES


def _covers(mart: Table, level: str) -> str:
    """What the rows of a lower level leave out."""
    if level in ("township", "village") and mart.name != MART_POVERTY_EXIT.name:
        return f"; only what its source names a {level} for, so a sum over this level may fall short of the county total"
    return ""


def _level_view(
    mart: Table,
    level: str,
    fields: tuple[Field, ...],
    about: tuple[str, str] | None = None,
    note: tuple[str, str] = ("", ""),
    period_kind: str | None = None,
) -> View:
    """The mart's rows of one level (and, given ``period_kind``, of one kind of period); ``about``
    says what the view holds when it is not all the mart does."""
    zh, en = LEVEL_LABELS[level]
    about_zh, about_en = about or (mart.zh, mart.en)
    suffix, rows_zh, rows_en, where = "", f"{zh}行", f"{en} rows", f"region_level = '{level}'"
    if period_kind is not None:
        kind_zh, kind_en = PERIOD_KINDS[period_kind]
        suffix, rows_zh, rows_en = f"_{period_kind}", f"{zh}{kind_zh}行", f"{en} rows of {kind_en} periods"
        where += f" AND period_kind = '{period_kind}'"
    kept = {f.name for f in fields}
    fields = tuple(replace(f, derived_from=mart.column_refs(f.name)) for f in fields)
    view = View(
        name=f"{mart.name}_{level}{suffix}",
        zh=f"{about_zh}（仅{rows_zh}：各行相加即合计{note[0]}）",
        en=f"{about_en} — {rows_en} only, so that a sum over the rows counts each thing once{note[1]}{_covers(mart, level)}",
        layer=mart.layer,
        fields=fields,
        primary_key=tuple(k for k in mart.primary_key if k in kept),
        source=f"{mart.name} WHERE {where}",
        sources=(mart.name,),
        region_level=level,
    )
    columns = ", ".join(_quoted(f.name) for f in fields)

    def select(name_of: Callable[[Table], str]) -> str:
        condition = f"{_quoted('region_level')} = {_level_literal(level)}"
        if period_kind is not None:
            condition += f" AND {_quoted('period_kind')} = {_period_literal(period_kind)}"
        return f"SELECT {columns} FROM {name_of(mart)} WHERE {condition}"

    _SELECTS[view.name] = select
    return CATALOG.add_view(view)


def _reach_view(level: str) -> View:
    """Money by region, year and category beside the projects first funded there and then and the
    poor people they reach, each project once: every figure adds up over rows, and the ratio of
    two sums is a ratio of distinct things."""
    zh, en = LEVEL_LABELS[level]
    invested = {f.name for f in MART_INVESTMENT.fields}
    dimensions = tuple(f for f in MART_PROJECT_REACH.fields if not is_figure(f) and f.name != "region_level" and f.name in invested)
    for key in REACH_KEY:
        if key not in {f.name for f in dimensions}:
            raise ValueError(f"mart_investment and mart_project_reach must both have {key}")
    # Both sides' meaning, where the two marts say it differently.
    joined = {
        "region_code": ("区划代码", "region code: where the money went (ledger) and where the projects are (project list)"),
        "year": ("年度", "year of the fund date; for the projects, the year of their first fund movement"),
        "category": (
            "资金类别（资金）或项目类型（项目）",
            "category of the money; for the projects, their project type (the same vocabulary)",
        ),
    }
    dimensions = tuple(replace(f, zh=joined[f.name][0], en=joined[f.name][1]) if f.name in joined else f for f in dimensions)
    dimensions = tuple(
        replace(f, derived_from=(*MART_INVESTMENT.column_refs(f.name), *MART_PROJECT_REACH.column_refs(f.name))) for f in dimensions
    )
    amount = replace(
        MART_INVESTMENT.field("amount_yuan"),
        en="money put in, all donor types: the numerator of 户均投入 (yuan per household benefited)",
        derived_from=MART_INVESTMENT.column_refs("amount_yuan"),
    )
    projects = replace(
        MART_PROJECT_REACH.field("projects"),
        en="projects first funded in the year, each project counted once (mart_project_reach)",
        derived_from=MART_PROJECT_REACH.column_refs("projects"),
    )
    households = replace(
        MART_PROJECT_REACH.field("households_benefited"),
        zh="带动贫困户数（户均投入的分母）",
        en="poor households the projects first funded in the year benefit, each project once: the denominator of 户均投入 = "
        "SUM(amount_yuan) ÷ SUM(households_benefited)",
        derived_from=MART_PROJECT_REACH.column_refs("households_benefited"),
    )
    persons = replace(MART_PROJECT_REACH.field("persons_benefited"), derived_from=MART_PROJECT_REACH.column_refs("persons_benefited"))
    figures = (amount, projects, households, persons)
    view = View(
        name=f"mart_investment_reach_{level}",
        zh=f"帮扶投入与项目带动（仅{zh}行：各列均可加总，户均投入 = 投入金额之和 ÷ 带动户数之和）",
        en=(
            f"Money by {en}, year and category (mart_investment, all donor types) beside the projects first funded there "
            "that year and the poor people they reach, each project once (mart_project_reach): every figure adds up over "
            "rows, so SUM(amount_yuan) ÷ SUM(households_benefited) is yuan per household benefited for any grouping"
            + _covers(MART_INVESTMENT, level)
        ),
        layer=MART_INVESTMENT.layer,
        fields=(*dimensions, *figures),
        primary_key=REACH_KEY,
        source=f"mart_investment and mart_project_reach WHERE region_level = '{level}', joined on {', '.join(REACH_KEY)}",
        sources=(MART_INVESTMENT.name, MART_PROJECT_REACH.name),
        region_level=level,
    )
    money = MART_INVESTMENT.field("amount_yuan").name
    dim_names = [_quoted(f.name) for f in dimensions]
    on = " AND ".join(f"m.{_quoted(k)} = r.{_quoted(k)}" for k in REACH_KEY)
    level_sql = _level_literal(level)
    reach_figures = [f.name for f in (projects, households, persons)]

    def select(name_of: Callable[[Table], str]) -> str:
        columns = [f"COALESCE(m.{d}, r.{d}) AS {d}" for d in dim_names]
        columns.append(f"CAST(COALESCE(m.{_quoted(money)}, 0) AS DECIMAL({MONEY_PRECISION}, {MONEY_SCALE})) AS {_quoted(amount.name)}")
        columns += [f"CAST(COALESCE(r.{_quoted(c)}, 0) AS BIGINT) AS {_quoted(c)}" for c in reach_figures]
        group = ", ".join(dim_names)
        return (
            f"SELECT {', '.join(columns)} FROM "
            f"(SELECT {group}, SUM({_quoted(money)}) AS {_quoted(money)} FROM {name_of(MART_INVESTMENT)} "
            f"WHERE {_quoted('region_level')} = {level_sql} GROUP BY {group}) m "
            f"FULL OUTER JOIN "
            f"(SELECT {group}, {', '.join(_quoted(c) for c in reach_figures)} FROM {name_of(MART_PROJECT_REACH)} "
            f"WHERE {_quoted('region_level')} = {level_sql}) r ON {on}"
        )

    _SELECTS[view.name] = select
    return CATALOG.add_view(view)


def select_sql(view: View, name_of: Callable[[Table], str]) -> str:
    """The view's SELECT; ``name_of`` gives a source table's quoted, schema-qualified name."""
    return _SELECTS[view.name](name_of)


def _without_region_level(mart: Table, keep: Callable[[Field], bool] = lambda f: True) -> tuple[Field, ...]:
    return tuple(f for f in mart.fields if f.name != "region_level" and keep(f))


for _level in REGION_LEVELS:
    _level_view(MART_POVERTY_EXIT, _level, _without_region_level(MART_POVERTY_EXIT))
    _level_view(
        MART_INVESTMENT,
        _level,
        # Its per-row counts of distinct projects count a project once per year and donor type:
        # left out, mart_investment_reach_<level> has them once.
        _without_region_level(MART_INVESTMENT, lambda f: f.additive),
        about=("帮扶投入", "Money by region, year, category and donor type"),
        note=(f"；项目数与带动户数见 mart_investment_reach_{_level}", f"; projects and households reached: mart_investment_reach_{_level}"),
    )
    _level_view(MART_PROJECT_REACH, _level, _without_region_level(MART_PROJECT_REACH))
    _reach_view(_level)
    for _mart in (MART_MONITORING, MART_MONITORING_CATEGORY, MART_MONITORING_RISK):
        for _kind in PERIOD_KINDS:
            # A stock here is at each period's end: it adds up over regions, never over periods.
            _level_view(
                _mart,
                _level,
                _without_region_level(_mart, lambda f: f.name not in _PERIOD_COLUMNS),
                note=_RISK_NOTE if _mart is MART_MONITORING_RISK else ("", ""),
                period_kind=_kind,
            )
    _level_view(MART_MONITORING_EXITED, _level, _without_region_level(MART_MONITORING_EXITED))

PER_LEVEL_VIEWS = tuple(CATALOG.views.values())


@dataclass(frozen=True)
class Ratio:
    """A ratio a BI tool must compute as a ratio of sums over the rows it groups, never as a sum or
    an average of the rows' own ratios; offered wherever a per-level view has both columns."""

    name: str
    zh: str
    en: str
    numerator: str
    denominator: str
    percent: bool = False
    warning: str | None = None


RATIOS = (
    Ratio(
        "poverty_incidence",
        "贫困发生率",
        "poverty incidence: remaining poor persons ÷ agricultural population of the listed villages with registered households",
        "remaining_persons",
        "agricultural_population",
        percent=True,
        warning="两项均为年末存量：请按年度分组 / both are year-end stocks: group by year",
    ),
    Ratio(
        "yuan_per_household_benefited",
        "户均投入（元/户）",
        "yuan per poor household benefited: money put in ÷ households the projects reach, each project once",
        "amount_yuan",
        "households_benefited",
    ),
)
