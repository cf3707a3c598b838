-- 各类监测对象的风险消除速度 / How fast risks are eliminated, by category of monitored household:
-- median days from taken in to eliminated, and the share eliminated before six months of monitoring
-- (as a rule a household is monitored at least half a year before its risk is marked eliminated)
SELECT s.category_code, s.category_name,
       COUNT(*) AS eliminated_households,
       SUM(CASE WHEN s.elimination_method_code = 'by_help' THEN 1 ELSE 0 END) AS eliminated_by_help,
       SUM(CASE WHEN s.elimination_method_code = 'natural' THEN 1 ELSE 0 END) AS eliminated_naturally,
       PERCENTILE_CONT(0.5) WITHIN GROUP (ORDER BY s.days_to_elimination) AS median_days_to_elimination,
       ROUND(CAST(100.0 * SUM(CASE WHEN s.eliminated_date < s.taken_in_date + INTERVAL '6 months' THEN 1 ELSE 0 END) / COUNT(*) AS NUMERIC), 1)
           AS percent_before_six_months
FROM analytics.fact_monitoring_spell s
WHERE s.risk_eliminated
GROUP BY s.category_code, s.category_name
ORDER BY s.category_code;
