-- Overall agreement of one run, block and metric, as stored (unsuppressed).
SELECT estimate, ci_low, ci_high, n_participants, n_assessments
FROM agreement_overall
WHERE run_id = $run_id AND block = $block AND metric = $metric
