-- agreement_section_group for download; NULL filters select every row (full data).
SELECT run_id, block, metric, threshold, anchor, field, level, estimate, ci_low, ci_high,
       n_participants, n_assessments, n_prompts, diff_low, diff_high, p_diff
FROM agreement_section_group
WHERE ($run IS NULL OR run_id = $run) AND ($block IS NULL OR block = $block)
  AND ($metric IS NULL OR metric = $metric) AND ($threshold IS NULL OR threshold = $threshold)
  AND ($field IS NULL OR field = $field)
ORDER BY run_id, block, metric, threshold, anchor, field, level
