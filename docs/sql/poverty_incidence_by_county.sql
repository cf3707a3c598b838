-- 各县贫困发生率与摘帽年度 / Poverty incidence by county and year, next to the county's exit (摘帽) year
SELECT r.region_name AS county, m.region_code AS county_code, m.year, m.poverty_incidence,
       r.is_poverty_county, r.county_exit_year,
       CASE WHEN SUBSTR(m.region_code, 1, 2) IN ('15', '45', '50', '51', '52', '53', '54', '61', '62', '63', '64', '65')
            THEN 3.0 ELSE 2.0 END AS exit_threshold_percent
FROM analytics.mart_poverty_exit m
JOIN analytics.dim_region r ON r.region_code = m.region_code AND r.region_level = 'county'
WHERE m.region_level = 'county' AND m.poverty_incidence IS NOT NULL
ORDER BY m.region_code, m.year;
