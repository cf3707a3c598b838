-- 各县各年帮扶资金投入与当年新获资助项目 / Money put into each county by year (yuan and 万元), and the projects first funded that year
-- Projects come from mart_project_reach, where each project counts once, in the year of its first fund movement;
-- mart_investment's project_count counts a project once per category and donor type, and cannot be summed.
WITH money AS (
    SELECT region_code, year, SUM(amount_yuan) AS amount_yuan
    FROM analytics.mart_investment
    WHERE region_level = 'county'
    GROUP BY region_code, year
),
first_funded AS (
    SELECT region_code, year, SUM(projects) AS projects
    FROM analytics.mart_project_reach
    WHERE region_level = 'county'
    GROUP BY region_code, year
)
SELECT r.region_name AS county, m.region_code AS county_code, m.year, m.amount_yuan,
       ROUND(m.amount_yuan * 0.0001, 2) AS amount_wan_yuan,
       COALESCE(p.projects, 0) AS projects_first_funded
FROM money m
JOIN analytics.dim_region r ON r.region_code = m.region_code AND r.region_level = 'county'
LEFT JOIN first_funded p ON p.region_code = m.region_code AND p.year = m.year
ORDER BY m.region_code, m.year;
