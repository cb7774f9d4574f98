-- agreement_overall for download; NULL filters select every row (full data).
SELECT run_id, block, metric, estimate, ci_low, ci_high, ci_low_2w, ci_high_2w, n_participants, n_assessments,
       n_prompts, n_no_value, tied_pair_share, matched_world, matched_personal, matched_diff_low, matched_diff_high,
       n_matched
FROM agreement_overall
WHERE ($run IS NULL OR run_id = $run) AND ($block IS NULL OR block = $block)
  AND ($metric IS NULL OR metric = $metric)
ORDER BY run_id, block, metric
