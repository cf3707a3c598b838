-- 户均帮扶投入（按县、资金类别）/ Yuan per poor household benefited, by county and category, all years
SELECT r.region_name AS county, m.region_code AS county_code, m.category,
       SUM(m.amount_yuan) AS amount_yuan,
       SUM(m.households_benefited) AS households_benefited,
       CASE WHEN SUM(m.households_benefited) > 0
            THEN ROUND(CAST(SUM(m.amount_yuan) / SUM(m.households_benefited) AS NUMERIC), 2) END AS yuan_per_household
FROM analytics.mart_investment m
JOIN analytics.dim_region r ON r.region_code = m.region_code AND r.region_level = 'county'
WHERE m.region_level = 'county'
GROUP BY r.region_name, m.region_code, m.category
ORDER BY yuan_per_household DESC NULLS LAST;
