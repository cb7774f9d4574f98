-- agreement_without_anchor for download (overall, group and section rows); NULL filters select every row.
SELECT run_id, block, metric, threshold, anchor, field, level, estimate, ci_low, ci_high, ci_low_2w, ci_high_2w,
       n_participants, n_assessments, n_prompts, rank_best, rank_worst, rank_best_2w, rank_worst_2w
FROM agreement_without_anchor
WHERE ($run IS NULL OR run_id = $run) AND ($block IS NULL OR block = $block)
  AND ($metric IS NULL OR metric = $metric)
ORDER BY run_id, block, metric, threshold NULLS FIRST, anchor NULLS FIRST, field NULLS FIRST, level
