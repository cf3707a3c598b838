"""SQL of the monitoring spells, marts and rules, portable between DuckDB and PostgreSQL, with bound
parameters only.

A spell is a household's time under monitoring in one county, from its 纳入监测时间 to the risk's
elimination or to now: the snapshots that list the household with the same taken-in date are one
spell (a household taken in again gets a new taken-in date, hence a new spell). Its entry is the
first of those snapshots, its exit the first that shows the risk eliminated.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

from etl_project.core.regions import REFERENCE_DIR
from etl_project.warehouse.marts import rounded_quotient_sql
from schemas.vocabularies import EXITED_STATUSES, RISK_TYPE

MONITORING_LINES_FILE = Path(REFERENCE_DIR) / "monitoring_lines.csv"

_SPELL = "household_key, county_code, taken_in_date"
_SNAPSHOT_ORDER = "snapshot_date, source_file, source_sheet, source_row"


def eliminated_early_sql(eliminated: str, taken_in: str) -> str:
    """Whether a risk was eliminated before six months of monitoring: the one definition the rule,
    the marts' share and the analysts' queries use."""
    return f"{eliminated} < {taken_in} + INTERVAL '6 months'"


_EXIT = "risk_eliminated AND state_rank = 1"


def _latest(column: str) -> str:
    return f"MAX(CASE WHEN latest_rank = 1 THEN {column} END) AS {column}"


def spell_sql(staging: str) -> str:
    """SELECT yielding fact_monitoring_spell's base columns from every snapshot of stg_monitoring."""
    return f"""
WITH listed AS (
    SELECT s.*,
           ROW_NUMBER() OVER (PARTITION BY {_SPELL} ORDER BY {_SNAPSHOT_ORDER}) AS entry_rank,
           ROW_NUMBER() OVER (PARTITION BY {_SPELL} ORDER BY snapshot_date DESC, source_file DESC, source_sheet DESC, source_row DESC) AS latest_rank,
           ROW_NUMBER() OVER (PARTITION BY {_SPELL}, COALESCE(risk_eliminated, FALSE) ORDER BY {_SNAPSHOT_ORDER}) AS state_rank
    FROM {staging} s
    WHERE taken_in_date IS NOT NULL
),
spells AS (
    -- One pass over the snapshots: each column taken from the row that holds it (entry, latest or
    -- exit) by a conditional aggregate, which both engines hash; joins back to the ranked rows
    -- would be planned as nested loops by PostgreSQL.
    SELECT {_SPELL}, MIN(snapshot_date) AS first_snapshot_date, MAX(snapshot_date) AS last_snapshot_date,
           COUNT(DISTINCT snapshot_date) AS snapshots,
           MAX(CASE WHEN risk_eliminated THEN 1 ELSE 0 END) AS eliminated,
           {_latest("township_code")}, {_latest("village_code")}, {_latest("category_code")},
           {_latest("risk_type_codes")}, {_latest("measure_codes")}, {_latest("household_size")}, {_latest("labour_count")},
           MAX(CASE WHEN entry_rank = 1 THEN income_per_person_yuan END) AS income_at_entry_yuan,
           MAX(CASE WHEN {_EXIT} THEN income_per_person_yuan END) AS income_at_exit_yuan,
           MAX(CASE WHEN {_EXIT} THEN COALESCE(eliminated_date, snapshot_date) END) AS eliminated_date,
           MAX(CASE WHEN {_EXIT} THEN elimination_method_code END) AS elimination_method_code
    FROM listed GROUP BY {_SPELL}
),
county_snapshots AS (SELECT DISTINCT county_code, snapshot_date FROM {staging}),
dropped AS (
    -- An open spell that a later export of its county no longer lists: dropped without elimination.
    SELECT s.household_key, s.county_code, s.taken_in_date, MIN(c.snapshot_date) AS missing_since_date
    FROM spells s JOIN county_snapshots c ON c.county_code = s.county_code AND c.snapshot_date > s.last_snapshot_date
    WHERE s.eliminated = 0
    GROUP BY s.household_key, s.county_code, s.taken_in_date
)
SELECT s.household_key, s.county_code, s.township_code, s.village_code, s.taken_in_date,
       s.category_code, s.risk_type_codes, s.measure_codes, s.household_size, s.labour_count,
       s.income_at_entry_yuan, s.income_at_exit_yuan, s.eliminated = 1, s.eliminated_date, s.elimination_method_code,
       CAST(s.eliminated_date - s.taken_in_date AS BIGINT),
       s.first_snapshot_date, s.last_snapshot_date, CAST(s.snapshots AS BIGINT),
       d.missing_since_date IS NOT NULL, d.missing_since_date
FROM spells s
LEFT JOIN dropped d ON d.household_key = s.household_key AND d.county_code = s.county_code AND d.taken_in_date = s.taken_in_date
ORDER BY s.county_code, s.household_key, s.taken_in_date
"""


def spell_date_bounds_sql(spell: str) -> str:
    return f"SELECT MIN(taken_in_date), MAX(GREATEST(last_snapshot_date, COALESCE(eliminated_date, last_snapshot_date))) FROM {spell}"


def period_rows(first: date, last: date) -> tuple[str, dict]:
    """The years and months from ``first`` to ``last`` as a VALUES list (kind, start, next start,
    year, month), with its parameters."""
    rows: list[tuple] = []
    for year in range(first.year, last.year + 1):
        rows.append(("year", date(year, 1, 1), date(year + 1, 1, 1), year, None))
        for month in range(1, 13):
            start = date(year, month, 1)
            if (year, month) < (first.year, first.month) or (year, month) > (last.year, last.month):
                continue
            rows.append(("month", start, date(year + month // 12, month % 12 + 1, 1), year, month))
    params: dict = {}
    values = []
    for i, (kind, start, following, year, month) in enumerate(rows):
        params.update({f"pk{i}": kind, f"ps{i}": start, f"pn{i}": following, f"py{i}": year, f"pm{i}": month})
        values.append(
            f"(CAST(:pk{i} AS VARCHAR), CAST(:ps{i} AS DATE), CAST(:pn{i} AS DATE), CAST(:py{i} AS INTEGER), CAST(:pm{i} AS INTEGER))"
        )
    return "VALUES " + ",\n       ".join(values), params


def _placed(table: str, dim_region: str, columns: str) -> str:
    """The table's rows at every level of their region: province and city from dim_region's
    hierarchy (a county that is its own city, as 东莞市, is placed right), township and village
    from their codes where given."""
    province = "COALESCE(d.province_code, SUBSTR(t.county_code, 1, 2) || '0000')"
    city = "COALESCE(d.city_code, SUBSTR(t.county_code, 1, 4) || '00')"
    levels = {"province": province, "city": city, "county": "t.county_code", "township": "t.township_code", "village": "t.village_code"}
    parts = []
    for level, key in levels.items():
        where = f" WHERE {key} IS NOT NULL" if level in ("township", "village") else ""
        parts.append(
            f"SELECT '{level}' AS region_level, {key} AS region_code, {columns} FROM {table} t "
            f"LEFT JOIN {dim_region} d ON d.region_level = 'county' AND d.region_code = t.county_code{where}"
        )
    return "\nUNION ALL\n".join(parts)


_SPELL_COLUMNS = (
    "t.taken_in_date, COALESCE(t.household_size, 0) AS persons, "
    "CASE WHEN t.risk_eliminated THEN t.eliminated_date END AS eliminated_date, "
    "t.elimination_method_code, t.days_to_elimination, t.missing_since_date, "
    "CASE WHEN COALESCE(t.measure_codes, '') = '' THEN 1 ELSE 0 END AS without_measure, "
    f"CASE WHEN t.risk_eliminated AND {eliminated_early_sql('t.eliminated_date', 't.taken_in_date')} THEN 1 ELSE 0 END AS within_six_months"
)


def risk_code_rows() -> tuple[str, dict]:
    """The risk type codes as a VALUES list, to unnest a spell's comma-joined codes by matching
    (the same on both engines, which split strings differently)."""
    codes = list(RISK_TYPE.codes)
    return "VALUES " + ", ".join(f"(CAST(:risk{i} AS VARCHAR))" for i in range(len(codes))), {f"risk{i}": c for i, c in enumerate(codes)}


def monitoring_mart_sql(spell: str, dim_region: str, periods: str, dialect: str, by: str | None = None) -> str:
    """SELECT yielding mart_monitoring's base columns, or, with ``by`` 'category' or 'risk',
    mart_monitoring_category's or mart_monitoring_risk's. Params: the periods' and, by risk, the
    risk codes' (risk_code_rows)."""
    if by == "category":
        source, code = f"(SELECT t.*, t.category_code AS code FROM {spell} t WHERE t.category_code IS NOT NULL)", "l.code, "
    elif by == "risk":
        risks, _ = risk_code_rows()
        source = (
            f"(SELECT t.*, r.code FROM {spell} t JOIN ({risks}) AS r(code) ON ',' || t.risk_type_codes || ',' LIKE '%,' || r.code || ',%')"
        )
        code = "l.code, "
    else:
        source, code = spell, ""
    columns = _SPELL_COLUMNS + (", t.code" if code else "")
    in_period = "l.{0} >= p.period_start AND l.{0} < p.next_start"
    by_end = "l.{0} < p.next_start"
    monitored = (
        f"{by_end.format('taken_in_date')} AND (l.eliminated_date IS NULL OR l.eliminated_date >= p.next_start) "
        "AND (l.missing_since_date IS NULL OR l.missing_since_date >= p.next_start)"
    )
    eliminated = in_period.format("eliminated_date")

    def share(part: str, whole: str) -> str:
        return f"CASE WHEN {whole} > 0 THEN CAST({rounded_quotient_sql(part, whole, 4, dialect)} AS DOUBLE PRECISION) END"

    return f"""
WITH leveled AS (
{_placed(source, dim_region, columns)}
),
periods AS (SELECT * FROM ({periods}) AS axis(period_kind, period_start, next_start, year, month)),
counted AS (
    SELECT l.region_level, l.region_code, p.period_kind, p.period_start, p.year, p.month, {code}
           SUM(CASE WHEN {in_period.format("taken_in_date")} THEN 1 ELSE 0 END) AS new_h,
           SUM(CASE WHEN {in_period.format("taken_in_date")} THEN l.persons ELSE 0 END) AS new_p,
           SUM(CASE WHEN {monitored} THEN 1 ELSE 0 END) AS mon_h,
           SUM(CASE WHEN {monitored} THEN l.persons ELSE 0 END) AS mon_p,
           COUNT(*) AS cum_h, SUM(l.persons) AS cum_p,
           SUM(CASE WHEN {eliminated} THEN 1 ELSE 0 END) AS elim_h,
           SUM(CASE WHEN {eliminated} THEN l.persons ELSE 0 END) AS elim_p,
           SUM(CASE WHEN {eliminated} AND l.elimination_method_code = 'by_help' THEN 1 ELSE 0 END) AS help_h,
           SUM(CASE WHEN {eliminated} AND l.elimination_method_code = 'natural' THEN 1 ELSE 0 END) AS natural_h,
           SUM(CASE WHEN {by_end.format("eliminated_date")} THEN 1 ELSE 0 END) AS cum_elim_h,
           SUM(CASE WHEN {by_end.format("eliminated_date")} THEN l.persons ELSE 0 END) AS cum_elim_p,
           PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY CASE WHEN {eliminated} THEN l.days_to_elimination END) AS median_days,
           SUM(CASE WHEN {monitored} THEN l.without_measure ELSE 0 END) AS mon_without_measure,
           SUM(CASE WHEN {eliminated} THEN l.within_six_months ELSE 0 END) AS elim_early
    FROM periods p JOIN leveled l ON l.taken_in_date < p.next_start
    GROUP BY l.region_level, l.region_code, p.period_kind, p.period_start, p.year, p.month{", l.code" if code else ""}
)
SELECT region_code, region_level, period_kind, period_start, CAST(year AS SMALLINT), CAST(month AS BIGINT), {code.replace("l.", "")}
       CAST(new_h AS BIGINT), CAST(new_p AS BIGINT), CAST(mon_h AS BIGINT), CAST(mon_p AS BIGINT),
       CAST(cum_h AS BIGINT), CAST(cum_p AS BIGINT), CAST(elim_h AS BIGINT), CAST(elim_p AS BIGINT),
       CAST(help_h AS BIGINT), CAST(natural_h AS BIGINT), CAST(cum_elim_h AS BIGINT), CAST(cum_elim_p AS BIGINT),
       CAST(median_days AS DOUBLE PRECISION),
       {share("mon_without_measure", "mon_h")},
       {share("elim_early", "elim_h")}
FROM counted
ORDER BY region_level, region_code, period_kind, period_start{", code" if code else ""}
"""


def monitoring_exited_sql(fact_household: str, spell: str, dim_region: str, dialect: str) -> str:
    """SELECT yielding mart_monitoring_exited's base columns: registered households with an exit
    year, at the registry's place, and which of them the monitoring lists (by household_key).
    Counted per village first: a national registry is 30 million households and 130 000 villages,
    and placing each village's counts at its five levels is far cheaper than placing each household."""
    share = rounded_quotient_sql("SUM(monitored_h)", "SUM(households)", 4, dialect)
    return f"""
WITH monitored AS (
    SELECT household_key,
           MAX(CASE WHEN NOT risk_eliminated AND missing_since_date IS NULL THEN 1 ELSE 0 END) AS open_now
    FROM {spell} GROUP BY household_key
),
exited AS (
    SELECT h.county_code, h.township_code, h.village_code, h.exit_year,
           COUNT(*) AS households, SUM(COALESCE(h.household_size, 0)) AS persons,
           SUM(CASE WHEN m.household_key IS NULL THEN 0 ELSE 1 END) AS monitored_h,
           SUM(CASE WHEN m.household_key IS NULL THEN 0 ELSE COALESCE(h.household_size, 0) END) AS monitored_p,
           SUM(COALESCE(m.open_now, 0)) AS open_now
    FROM {fact_household} h LEFT JOIN monitored m ON m.household_key = h.household_key
    WHERE h.exit_year IS NOT NULL
    GROUP BY h.county_code, h.township_code, h.village_code, h.exit_year
),
leveled AS (
{_placed("exited", dim_region, "t.exit_year, t.households, t.persons, t.monitored_h, t.monitored_p, t.open_now")}
)
SELECT region_code, region_level, exit_year, MAKE_DATE(CAST(exit_year AS INTEGER), 1, 1),
       CAST(SUM(households) AS BIGINT), CAST(SUM(persons) AS BIGINT),
       CAST(SUM(monitored_h) AS BIGINT), CAST(SUM(monitored_p) AS BIGINT), CAST(SUM(open_now) AS BIGINT),
       CAST({share} AS DOUBLE PRECISION)
FROM leveled
GROUP BY region_level, region_code, exit_year
ORDER BY region_level, region_code, exit_year
"""


# --- Rules: each a SELECT listing the spells that break it ------------------------------------


def early_or_unhelped_elimination_sql(spell: str) -> str:
    """Eliminated before six months of monitoring, or with no help measure in place."""
    early = eliminated_early_sql("eliminated_date", "taken_in_date")
    return (
        "SELECT household_key, county_code, taken_in_date, eliminated_date, days_to_elimination, measure_codes, "
        f"CASE WHEN {early} THEN 1 ELSE 0 END AS before_six_months, "
        "CASE WHEN COALESCE(measure_codes, '') = '' THEN 1 ELSE 0 END AS without_measure "
        f"FROM {spell} WHERE risk_eliminated AND ({early} OR COALESCE(measure_codes, '') = '')"
    )


def eliminated_without_labour_sql(spell: str) -> str:
    """A household with no labour at all stays monitored: marked eliminated, it is listed."""
    return (
        "SELECT household_key, county_code, taken_in_date, eliminated_date, labour_count, household_size "
        f"FROM {spell} WHERE risk_eliminated AND labour_count = 0"
    )


def dates_out_of_order_sql(spell: str) -> str:
    """Eliminated before taken in, or taken in after the first export that lists the household."""
    return (
        "SELECT household_key, county_code, taken_in_date, eliminated_date, first_snapshot_date "
        f"FROM {spell} WHERE eliminated_date < taken_in_date OR taken_in_date > first_snapshot_date"
    )


def in_two_counties_sql(spell: str) -> str:
    return (
        "SELECT household_key, COUNT(DISTINCT county_code) AS counties, MIN(county_code) AS first_county, "
        f"MAX(county_code) AS last_county FROM {spell} GROUP BY household_key HAVING COUNT(DISTINCT county_code) > 1"
    )


def _exited_statuses() -> tuple[str, dict]:
    return ", ".join(f":exited{i}" for i in range(len(EXITED_STATUSES))), {f"exited{i}": s for i, s in enumerate(EXITED_STATUSES)}


def unstable_not_exited_sql(spell: str, fact_household: str) -> tuple[str, dict]:
    """A 脱贫不稳定户 is an exited household: one the registry does not hold as exited is listed."""
    statuses, params = _exited_statuses()
    return (
        "SELECT s.household_key, s.county_code, s.taken_in_date, h.status_code AS registry_status_code, h.exit_year AS registry_exit_year "
        f"FROM {spell} s LEFT JOIN {fact_household} h ON h.household_key = s.household_key "
        "WHERE s.category_code = :unstable AND (h.household_key IS NULL OR (h.exit_year IS NULL "
        f"AND (h.status_code IS NULL OR h.status_code NOT IN ({statuses}))))",
        {**params, "unstable": "01"},
    )


def marginal_registered_sql(spell: str, fact_household: str) -> tuple[str, dict]:
    """A 边缘易致贫户 was never registered poor: one the registry holds is listed."""
    return (
        "SELECT s.household_key, s.county_code, s.taken_in_date, h.status_code AS registry_status_code, h.county_code AS registry_county_code "
        f"FROM {spell} s JOIN {fact_household} h ON h.household_key = s.household_key WHERE s.category_code = :marginal",
        {"marginal": "02"},
    )


def monitoring_lines(path: Path = MONITORING_LINES_FILE) -> list[dict]:
    """The monitoring lines per province and year, as shipped (line_yuan None where unknown)."""
    with open(path, encoding="utf-8", newline="") as handle:
        return [
            {**row, "year": int(row["year"]), "line_yuan": float(row["line_yuan"]) if row["line_yuan"].strip() else None}
            for row in csv.DictReader(handle)
        ]


# How the income rule judges an elimination: the two verdicts, and the two ways it cannot tell.
AT_OR_BELOW_LINE, ABOVE_LINE, LINE_UNKNOWN, INCOME_UNKNOWN = "at_or_below_line", "above_line", "line_unknown", "income_unknown"
CANNOT_TELL = (LINE_UNKNOWN, INCOME_UNKNOWN)


def _known_lines(lines: list[dict]) -> tuple[str, dict]:
    """The known lines as a relation (province_code, year, line_yuan) and its parameters; a relation
    without rows when no line is known."""
    known = [line for line in lines if line["line_yuan"] is not None]
    if not known:
        return (
            "(SELECT CAST(NULL AS VARCHAR) AS province_code, CAST(NULL AS INTEGER) AS year, "
            "CAST(NULL AS DECIMAL(18, 2)) AS line_yuan WHERE 1 = 0)"
        ), {}
    params: dict = {}
    values = []
    for i, line in enumerate(known):
        params.update({f"lp{i}": line["province_code"], f"ly{i}": line["year"], f"ll{i}": line["line_yuan"]})
        values.append(f"(CAST(:lp{i} AS VARCHAR), CAST(:ly{i} AS INTEGER), CAST(:ll{i} AS DECIMAL(18, 2)))")
    return f"(VALUES {', '.join(values)})", params


def income_judgements_sql(spell: str, lines: list[dict]) -> tuple[str, dict]:
    """Every eliminated spell with its province's monitoring line of the elimination's year and the
    rule's judgement: at or below the line, above it, or cannot tell (no known line, no income)."""
    relation, params = _known_lines(lines)
    return (
        "SELECT s.household_key, s.county_code, s.taken_in_date, s.eliminated_date, s.income_at_exit_yuan, l.line_yuan, "
        f"CASE WHEN l.line_yuan IS NULL THEN '{LINE_UNKNOWN}' WHEN s.income_at_exit_yuan IS NULL THEN '{INCOME_UNKNOWN}' "
        f"WHEN s.income_at_exit_yuan <= l.line_yuan THEN '{AT_OR_BELOW_LINE}' ELSE '{ABOVE_LINE}' END AS judgement "
        f"FROM {spell} s LEFT JOIN {relation} AS l(province_code, year, line_yuan) "
        "ON l.province_code = SUBSTR(s.county_code, 1, 2) || '0000' AND l.year = EXTRACT(YEAR FROM s.eliminated_date) "
        "WHERE s.risk_eliminated",
        params,
    )
