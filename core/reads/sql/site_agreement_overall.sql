-- Overall crowd-vs-ranker agreement for one run, block and metric.
SELECT estimate, ci_low, ci_high, n_participants, n_assessments
FROM agreement_overall
WHERE run_id = $run AND block = $block AND metric = $metric
