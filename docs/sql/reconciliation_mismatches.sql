-- 报告数字与仓库不符之处 / Report figures that disagree with the warehouse, with the sentence they come from
SELECT r.source_file AS report, c.report_date, r.metric, r.region_code, r.period,
       c.figure_text AS as_written, r.claimed_value, r.warehouse_value, r.difference, r.status, c.sentence
FROM analytics.reconciliation r
JOIN analytics.report_claim c ON c.report_id = r.report_id AND c.claim_index = r.claim_index
WHERE r.status IN ('mismatch', 'within_tolerance')
ORDER BY r.source_file, r.claim_index;
