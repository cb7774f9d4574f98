-- Overall crowd-vs-ranker agreement for one run, block and metric, with both intervals and the matched comparison.
SELECT estimate, ci_low, ci_high, ci_low_2w, ci_high_2w, n_participants, n_assessments, n_prompts,
       n_no_value, tied_pair_share, matched_world, matched_personal, matched_diff_low, matched_diff_high, n_matched
FROM agreement_overall
WHERE run_id = $run AND block = $block AND metric = $metric
