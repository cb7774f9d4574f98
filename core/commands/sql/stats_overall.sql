-- Overall agreement of one run, block and metric, as stored (unsuppressed), with both intervals.
SELECT estimate, ci_low, ci_high, ci_low_2w, ci_high_2w, n_participants, n_assessments, n_prompts
FROM agreement_overall
WHERE run_id = $run_id AND block = $block AND metric = $metric
