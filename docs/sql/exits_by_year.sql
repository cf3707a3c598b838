-- 各县逐年脱贫进度 / Poverty exit by county and year: exited, cumulative, remaining, returned
SELECT r.region_name AS county, m.region_code AS county_code, m.year,
       m.registered_households, m.exited_households, m.cumulative_exited_households,
       m.remaining_households, m.remaining_persons, m.returned_households, m.villages_exited
FROM analytics.mart_poverty_exit m
JOIN analytics.dim_region r ON r.region_code = m.region_code AND r.region_level = 'county'
WHERE m.region_level = 'county'
ORDER BY m.region_code, m.year;
