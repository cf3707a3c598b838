"""SQL of the marts, portable between DuckDB and PostgreSQL, with bound parameters only.

mart_poverty_exit is computed from yearly events (identified, exited, returned) aggregated per
village first, so a national registry of 30 million households is reduced to villages × years
before any cross join; cumulative columns are window sums over the years.
"""

from __future__ import annotations

FIRST_MART_YEAR, LAST_PROGRAMME_YEAR = 2014, 2020

_LEVEL_KEYS = {
    "province": "SUBSTR(county_code, 1, 2) || '0000'",
    "city": "SUBSTR(county_code, 1, 4) || '00'",
    "county": "county_code",
    "township": "township_code",
    "village": "village_code",
}


def event_year_bounds_sql(fact: str) -> str:
    return (
        f"SELECT MIN(LEAST(identification_year, COALESCE(exit_year, identification_year))), "
        f"MAX(GREATEST(identification_year, COALESCE(exit_year, 0), COALESCE(returned_year, 0))) FROM {fact}"
    )


def poverty_exit_sql(fact: str) -> str:
    """SELECT yielding mart_poverty_exit's columns; params: first_year, last_year (axis of the
    cumulative sums, which may start before 2014) and mart_first_year."""
    by_level = "\nUNION ALL\n".join(
        f"SELECT '{level}' AS region_level, {key} AS region_code, year, "
        "SUM(reg_h) AS reg_h, SUM(reg_p) AS reg_p, SUM(exit_h) AS exit_h, SUM(exit_p) AS exit_p, "
        "SUM(ret_h) AS ret_h, SUM(ret_p) AS ret_p FROM village_events "
        f"GROUP BY {key}, year"
        for level, key in _LEVEL_KEYS.items()
    )
    return f"""
WITH events AS (
    SELECT county_code, township_code, village_code, identification_year AS year,
           1 AS reg_h, household_size AS reg_p, 0 AS exit_h, 0 AS exit_p, 0 AS ret_h, 0 AS ret_p
    FROM {fact}
    UNION ALL
    SELECT county_code, township_code, village_code, exit_year, 0, 0, 1, household_size, 0, 0
    FROM {fact} WHERE exit_year IS NOT NULL
    UNION ALL
    SELECT county_code, township_code, village_code, returned_year, 0, 0, 0, 0, 1, household_size
    FROM {fact} WHERE returned_year IS NOT NULL
),
village_events AS (
    SELECT county_code, township_code, village_code, year,
           SUM(reg_h) AS reg_h, SUM(reg_p) AS reg_p, SUM(exit_h) AS exit_h, SUM(exit_p) AS exit_p,
           SUM(ret_h) AS ret_h, SUM(ret_p) AS ret_p
    FROM events GROUP BY county_code, township_code, village_code, year
),
level_events AS (
{by_level}
),
regions AS (SELECT DISTINCT region_level, region_code FROM level_events),
years AS (SELECT y AS year FROM generate_series(CAST(:first_year AS INTEGER), CAST(:last_year AS INTEGER)) AS axis(y)),
dense AS (
    SELECT r.region_level, r.region_code, y.year,
           COALESCE(e.reg_h, 0) AS reg_h, COALESCE(e.reg_p, 0) AS reg_p,
           COALESCE(e.exit_h, 0) AS exit_h, COALESCE(e.exit_p, 0) AS exit_p,
           COALESCE(e.ret_h, 0) AS ret_h, COALESCE(e.ret_p, 0) AS ret_p
    FROM regions r CROSS JOIN years y
    LEFT JOIN level_events e
      ON e.region_level = r.region_level AND e.region_code = r.region_code AND e.year = y.year
),
running AS (
    SELECT region_level, region_code, year, exit_h, exit_p, ret_h,
           SUM(reg_h) OVER w AS cum_reg_h, SUM(reg_p) OVER w AS cum_reg_p,
           SUM(exit_h) OVER w AS cum_exit_h, SUM(exit_p) OVER w AS cum_exit_p,
           SUM(ret_h) OVER w AS cum_ret_h, SUM(ret_p) OVER w AS cum_ret_p
    FROM dense
    WINDOW w AS (PARTITION BY region_level, region_code ORDER BY year ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
)
SELECT region_code, region_level, year,
       CAST(cum_reg_h AS BIGINT), CAST(cum_reg_p AS BIGINT),
       CAST(exit_h AS BIGINT), CAST(exit_p AS BIGINT),
       CAST(cum_exit_h AS BIGINT), CAST(cum_exit_p AS BIGINT),
       CAST(cum_reg_h - cum_exit_h + cum_ret_h AS BIGINT), CAST(cum_reg_p - cum_exit_p + cum_ret_p AS BIGINT),
       CAST(ret_h AS BIGINT)
FROM running
WHERE year >= CAST(:mart_first_year AS INTEGER)
ORDER BY region_level, region_code, year
"""
