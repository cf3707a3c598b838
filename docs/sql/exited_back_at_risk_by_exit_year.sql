-- 脱贫户返贫风险：按脱贫年度 / Exited households back at risk, by exit year: of the registry's households that
-- exited in each year, how many the monitoring has taken in, and how many are still monitored
SELECT m.exit_year,
       SUM(m.exited_households) AS exited_households,
       SUM(m.monitored_households) AS ever_monitored_households,
       SUM(m.monitored_now_households) AS monitored_now_households,
       ROUND(CAST(100.0 * SUM(m.monitored_households) / SUM(m.exited_households) AS NUMERIC), 1) AS percent_ever_monitored
FROM analytics.mart_monitoring_exited m
WHERE m.region_level = 'province'
GROUP BY m.exit_year
ORDER BY m.exit_year;
