-- agreement_group for download; NULL filters select every row (full data).
SELECT run_id, block, metric, field, level, estimate, ci_low, ci_high, ci_low_2w, ci_high_2w,
       n_participants, n_assessments, n_prompts, diff_low, diff_high, p_diff, diff_low_2w, diff_high_2w, p_diff_2w,
       n_no_value, tied_pair_share
FROM agreement_group
WHERE ($run IS NULL OR run_id = $run) AND ($block IS NULL OR block = $block)
  AND ($metric IS NULL OR metric = $metric) AND ($field IS NULL OR field = $field)
ORDER BY run_id, block, metric, field, level
