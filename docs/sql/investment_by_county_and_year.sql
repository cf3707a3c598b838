-- 各县各年帮扶资金投入 / Money put into each county, by year (yuan and 万元)
SELECT r.region_name AS county, m.region_code AS county_code, m.year,
       SUM(m.amount_yuan) AS amount_yuan,
       ROUND(CAST(SUM(m.amount_yuan) / 10000 AS NUMERIC), 2) AS amount_wan_yuan,
       SUM(m.project_count) AS projects
FROM analytics.mart_investment m
JOIN analytics.dim_region r ON r.region_code = m.region_code AND r.region_level = 'county'
WHERE m.region_level = 'county'
GROUP BY r.region_name, m.region_code, m.year
ORDER BY m.region_code, m.year;
