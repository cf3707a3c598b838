-- 户均帮扶投入（按县、资金类别，全部年度）/ Yuan per poor household benefited, by county and category, all years
-- Households come from mart_project_reach, where each project counts once. mart_investment counts a project in every
-- year and donor type that funded it, so summing its households_benefited would count projects twice.
-- The quotient is taken to ten decimals before rounding: DuckDB divides in double precision, and a half fen must
-- round up there as it does on PostgreSQL.
WITH money AS (
    SELECT region_code, category, SUM(amount_yuan) AS amount_yuan
    FROM analytics.mart_investment
    WHERE region_level = 'county'
    GROUP BY region_code, category
),
reach AS (
    SELECT region_code, category, SUM(households_benefited) AS households_benefited
    FROM analytics.mart_project_reach
    WHERE region_level = 'county'
    GROUP BY region_code, category
)
SELECT r.region_name AS county, m.region_code AS county_code, m.category, m.amount_yuan,
       COALESCE(h.households_benefited, 0) AS households_benefited,
       CASE WHEN h.households_benefited > 0
            THEN ROUND(CAST(m.amount_yuan / h.households_benefited AS DECIMAL(38, 10)), 2) END AS yuan_per_household
FROM money m
JOIN analytics.dim_region r ON r.region_code = m.region_code AND r.region_level = 'county'
LEFT JOIN reach h ON h.region_code = m.region_code AND h.category = m.category
ORDER BY yuan_per_household DESC NULLS LAST, m.region_code, m.category;
