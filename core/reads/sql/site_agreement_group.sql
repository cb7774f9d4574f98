-- Agreement by level of every demographic field (country included) for one run, block and metric.
SELECT field, level, estimate, ci_low, ci_high, ci_low_2w, ci_high_2w, n_participants, n_assessments, n_prompts,
       diff_low, diff_high, p_diff, diff_low_2w, diff_high_2w, p_diff_2w, n_no_value, tied_pair_share
FROM agreement_group
WHERE run_id = $run AND block = $block AND metric = $metric
ORDER BY field, level
