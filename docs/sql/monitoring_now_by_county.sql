-- 各县当前监测对象（最近一个月末）/ Households under monitoring now, by county: at the end of the latest month in the mart
-- (a county whose exports stop earlier shows the households its last export listed as still monitored)
SELECT m.region_name AS county, m.region_code AS county_code, m.period_start AS month,
       m.monitored_households_at_end, m.monitored_persons_at_end,
       m.cumulative_taken_in_households, m.cumulative_eliminated_households, m.share_without_measure
FROM analytics.mart_monitoring m
WHERE m.region_level = 'county' AND m.period_kind = 'month'
  AND m.period_start = (SELECT MAX(period_start) FROM analytics.mart_monitoring WHERE period_kind = 'month')
ORDER BY m.region_code;
