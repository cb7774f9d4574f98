-- Agreement by level of every demographic field (country included) for one run, block and metric.
SELECT field, level, estimate, ci_low, ci_high, n_participants, n_assessments
FROM agreement_group
WHERE run_id = $run AND block = $block AND metric = $metric
ORDER BY field, level
