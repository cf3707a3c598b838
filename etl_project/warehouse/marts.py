"""SQL of the marts, portable between DuckDB and PostgreSQL, with bound parameters only.

mart_poverty_exit is computed from yearly events (identified, exited, returned) aggregated per
village first, so a national registry of 30 million households is reduced to villages × years
before any cross join; cumulative columns are window sums over the years.
"""

from __future__ import annotations

from schemas.sql import year_start_sql

FIRST_MART_YEAR, LAST_PROGRAMME_YEAR = 2014, 2020

_LEVEL_KEYS = {
    "province": "SUBSTR(county_code, 1, 2) || '0000'",
    "city": "SUBSTR(county_code, 1, 4) || '00'",
    "county": "county_code",
    "township": "township_code",
    "village": "village_code",
}


def rounded_quotient_sql(numerator: str, denominator: str, digits: int, dialect: str) -> str:
    """numerator ÷ denominator rounded to ``digits`` decimals, halves away from zero, as a DECIMAL,
    the same on both engines: the numerator has at most ``digits`` decimals (fen, or a whole
    number), the denominator is a positive whole number. The division is one of whole numbers,
    because DuckDB divides a DECIMAL in double precision, where 20351.925 is 20351.92499… and
    rounds down, while PostgreSQL divides NUMERIC exactly and rounds up."""
    scale = 10**digits
    whole_division = "//" if dialect == "duckdb" else "/"  # both truncate; PostgreSQL's / does on integers
    units = f"CAST(({numerator}) * {scale} AS BIGINT)"
    by = f"CAST({denominator} AS BIGINT)"
    halves_up = f"((2 * ABS({units}) + {by}) {whole_division} (2 * {by}))"
    signed = f"CASE WHEN {units} < 0 THEN -{halves_up} ELSE {halves_up} END"
    unit = "0." + "0" * (digits - 1) + "1"  # a DECIMAL literal: the product stays exact
    return f"CAST(({signed}) * {unit} AS DECIMAL(38, {digits}))"


def _by_level(select: str, source: str, where: str = "", levels=tuple(_LEVEL_KEYS)) -> str:
    """The same aggregation at every level, ``{key}`` standing for the level's region code."""
    parts = []
    for level in levels:
        key = _LEVEL_KEYS[level]
        condition = (
            f" WHERE {key} IS NOT NULL" + (f" AND {where}" if where else "")
            if level in ("township", "village")
            else (f" WHERE {where}" if where else "")
        )
        parts.append(f"SELECT '{level}' AS region_level, {key} AS region_code, {select.format(key=key)} FROM {source}{condition}")
    return "\nUNION ALL\n".join(parts)


# The year a household counts as registered from: its 识别年度, else (a snapshot) the year it is as of.
REGISTERED_FROM = "COALESCE(identification_year, as_of_year)"


def event_year_bounds_sql(fact: str) -> str:
    return (
        f"SELECT MIN(LEAST({REGISTERED_FROM}, COALESCE(exit_year, {REGISTERED_FROM}))), "
        f"MAX(GREATEST({REGISTERED_FROM}, COALESCE(exit_year, 0), COALESCE(returned_year, 0))) FROM {fact}"
    )


def poverty_exit_sql(fact: str, dim_region: str, dialect: str) -> str:
    """SELECT yielding mart_poverty_exit's columns; params: first_year, last_year (axis of the
    cumulative sums, which may start before 2014) and mart_first_year."""
    sums = (
        "year, SUM(reg_h) AS reg_h, SUM(reg_p) AS reg_p, SUM(exit_h) AS exit_h, SUM(exit_p) AS exit_p, "
        "SUM(by_exit_h) AS by_exit_h, SUM(by_exit_p) AS by_exit_p, SUM(ret_h) AS ret_h, SUM(by_ret_h) AS by_ret_h, SUM(by_ret_p) AS by_ret_p"
    )
    level_events = "\nUNION ALL\n".join(
        f"SELECT '{level}' AS region_level, {key} AS region_code, {sums} FROM village_events GROUP BY {key}, year"
        for level, key in _LEVEL_KEYS.items()
    )
    listed_levels = "\nUNION ALL\n".join(
        f"SELECT '{level}' AS region_level, {key} AS region_code, is_poor_village, village_exit_year, agricultural_population, has_households FROM listed"
        for level, key in _LEVEL_KEYS.items()
    )
    incidence = f"CAST({rounded_quotient_sql('100 * (cum_reg_p - cum_exit_p + cum_ret_p)', 'a.agri_pop', 4, dialect)} AS DOUBLE PRECISION)"
    return f"""
WITH events AS (
    -- exit_* and ret_h are the year's own events; by_* what has happened by the end of the year,
    -- which also holds a snapshot's exits and returns whose year it does not give (as of its year).
    SELECT county_code, township_code, village_code, {REGISTERED_FROM} AS year,
           1 AS reg_h, household_size AS reg_p, 0 AS exit_h, 0 AS exit_p, 0 AS by_exit_h, 0 AS by_exit_p,
           0 AS ret_h, 0 AS by_ret_h, 0 AS by_ret_p
    FROM {fact}
    UNION ALL
    SELECT county_code, township_code, village_code, exit_year, 0, 0, 1, household_size, 1, household_size, 0, 0, 0
    FROM {fact} WHERE exit_year IS NOT NULL
    UNION ALL
    SELECT county_code, township_code, village_code, as_of_year, 0, 0, 0, 0, 1, household_size, 0, 0, 0
    FROM {fact} WHERE exit_year IS NULL AND as_of_year IS NOT NULL AND status_code IN ('1', '3', '4')
    UNION ALL
    SELECT county_code, township_code, village_code, returned_year, 0, 0, 0, 0, 0, 0, 1, 1, household_size
    FROM {fact} WHERE returned_year IS NOT NULL
    UNION ALL
    SELECT county_code, township_code, village_code, as_of_year, 0, 0, 0, 0, 0, 0, 0, 1, household_size
    FROM {fact} WHERE returned_year IS NULL AND as_of_year IS NOT NULL AND status_code = '3'
),
village_events AS (
    SELECT county_code, township_code, village_code, {sums}
    FROM events GROUP BY county_code, township_code, village_code, year
),
level_events AS (
{level_events}
),
regions AS (SELECT DISTINCT region_level, region_code FROM level_events),
years AS (SELECT y AS year FROM generate_series(CAST(:first_year AS INTEGER), CAST(:last_year AS INTEGER)) AS axis(y)),
dense AS (
    SELECT r.region_level, r.region_code, y.year,
           COALESCE(e.reg_h, 0) AS reg_h, COALESCE(e.reg_p, 0) AS reg_p,
           COALESCE(e.exit_h, 0) AS exit_h, COALESCE(e.exit_p, 0) AS exit_p,
           COALESCE(e.by_exit_h, 0) AS by_exit_h, COALESCE(e.by_exit_p, 0) AS by_exit_p,
           COALESCE(e.ret_h, 0) AS ret_h, COALESCE(e.by_ret_h, 0) AS by_ret_h, COALESCE(e.by_ret_p, 0) AS by_ret_p
    FROM regions r CROSS JOIN years y
    LEFT JOIN level_events e
      ON e.region_level = r.region_level AND e.region_code = r.region_code AND e.year = y.year
),
running AS (
    SELECT region_level, region_code, year, exit_h, exit_p, ret_h,
           SUM(reg_h) OVER w AS cum_reg_h, SUM(reg_p) OVER w AS cum_reg_p,
           SUM(by_exit_h) OVER w AS cum_exit_h, SUM(by_exit_p) OVER w AS cum_exit_p,
           SUM(by_ret_h) OVER w AS cum_ret_h, SUM(by_ret_p) OVER w AS cum_ret_p
    FROM dense
    WINDOW w AS (PARTITION BY region_level, region_code ORDER BY year ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
listed AS (
    SELECT d.county_code, d.township_code, d.region_code AS village_code, d.is_poor_village, d.village_exit_year,
           d.agricultural_population, CASE WHEN h.village_code IS NULL THEN 0 ELSE 1 END AS has_households
    FROM {dim_region} d
    LEFT JOIN (SELECT DISTINCT village_code FROM {fact}) h ON h.village_code = d.region_code
    WHERE d.region_level = 'village' AND d.is_poor_village IS NOT NULL
),
listed_levels AS (
{listed_levels}
),
village_exits AS (
    SELECT region_level, region_code, village_exit_year AS year, COUNT(*) AS exited
    FROM listed_levels WHERE is_poor_village AND village_exit_year IS NOT NULL
    GROUP BY region_level, region_code, village_exit_year
),
agricultural AS (
    SELECT region_level, region_code, SUM(agricultural_population) AS agri_pop
    FROM listed_levels WHERE has_households = 1 GROUP BY region_level, region_code
)
SELECT r.region_code, r.region_level, r.year, {year_start_sql("r.year")},
       CAST(cum_reg_h AS BIGINT), CAST(cum_reg_p AS BIGINT),
       CAST(exit_h AS BIGINT), CAST(exit_p AS BIGINT),
       CAST(cum_exit_h AS BIGINT), CAST(cum_exit_p AS BIGINT),
       CAST(cum_reg_h - cum_exit_h + cum_ret_h AS BIGINT), CAST(cum_reg_p - cum_exit_p + cum_ret_p AS BIGINT),
       CAST(ret_h AS BIGINT),
       CAST(COALESCE(v.exited, 0) AS BIGINT),
       CASE WHEN a.agri_pop > 0 THEN {incidence} END,
       CASE WHEN a.agri_pop > 0 THEN CAST(a.agri_pop AS BIGINT) END
FROM running r
LEFT JOIN village_exits v ON v.region_level = r.region_level AND v.region_code = r.region_code AND v.year = r.year
LEFT JOIN agricultural a ON a.region_level = r.region_level AND a.region_code = r.region_code
WHERE r.year >= CAST(:mart_first_year AS INTEGER)
ORDER BY r.region_level, r.region_code, r.year
"""


def investment_sql(fact: str, dim_project: str, dialect: str) -> str:
    """SELECT yielding mart_investment's columns. Township and village rows come only from
    movements whose ledger row names the township or village."""
    group = "region_level, region_code, year, category, donor_type"
    levels = _by_level("year, category, donor_type, amount_yuan, project_code", fact)
    per_household = rounded_quotient_sql("a.amount", "b.households", 2, dialect)
    same = " AND ".join(f"b.{c} IS NOT DISTINCT FROM a.{c}" for c in group.split(", "))
    return f"""
WITH levels AS (
{levels}
),
amounts AS (SELECT {group}, SUM(amount_yuan) AS amount FROM levels GROUP BY {group}),
booked AS (SELECT DISTINCT {group}, project_code FROM levels WHERE project_code IS NOT NULL),
benefit AS (
    SELECT k.region_level, k.region_code, k.year, k.category, k.donor_type, COUNT(*) AS projects,
           SUM(COALESCE(p.households_benefited, 0)) AS households, SUM(COALESCE(p.persons_benefited, 0)) AS persons
    FROM booked k JOIN {dim_project} p ON p.project_code = k.project_code
    GROUP BY k.region_level, k.region_code, k.year, k.category, k.donor_type
)
SELECT a.region_code, a.region_level, a.year, {year_start_sql("a.year")}, a.category, a.donor_type,
       a.amount,
       CAST(COALESCE(b.projects, 0) AS BIGINT), CAST(COALESCE(b.households, 0) AS BIGINT), CAST(COALESCE(b.persons, 0) AS BIGINT),
       CASE WHEN COALESCE(b.households, 0) > 0 THEN {per_household} END
FROM amounts a LEFT JOIN benefit b ON {same}
ORDER BY a.region_level, a.region_code, a.year, a.category, a.donor_type
"""


def project_reach_sql(fact: str, dim_project: str) -> str:
    """SELECT yielding mart_project_reach's columns: each project the ledgers booked money on, once,
    at the place its project list gives, in the year of its first fund movement, under its type;
    with all the money booked on it."""
    levels = _by_level("year, category, households_benefited, persons_benefited, booked", "funded_projects")
    return f"""
WITH funded AS (
    SELECT project_code, MIN(year) AS year, SUM(amount_yuan) AS booked
    FROM {fact} WHERE project_code IS NOT NULL GROUP BY project_code
),
funded_projects AS (
    SELECT p.county_code, p.township_code, p.village_code, f.year, p.project_type AS category,
           COALESCE(p.households_benefited, 0) AS households_benefited, COALESCE(p.persons_benefited, 0) AS persons_benefited, f.booked
    FROM funded f JOIN {dim_project} p ON p.project_code = f.project_code
),
levels AS (
{levels}
)
SELECT region_code, region_level, year, {year_start_sql("year")}, category, CAST(COUNT(*) AS BIGINT),
       CAST(SUM(households_benefited) AS BIGINT), CAST(SUM(persons_benefited) AS BIGINT), SUM(booked)
FROM levels
GROUP BY region_level, region_code, year, category
ORDER BY region_level, region_code, year, category
"""
