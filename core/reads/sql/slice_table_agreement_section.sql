-- agreement_section for download, with section titles; NULL filters select every row (full data).
SELECT a.run_id, a.block, a.metric, a.threshold, a.anchor, s.title, a.estimate, a.ci_low, a.ci_high,
       a.ci_low_2w, a.ci_high_2w, a.n_participants, a.n_assessments, a.n_prompts, a.rank, a.rank_best, a.rank_worst,
       a.rank_best_2w, a.rank_worst_2w, a.tie_group, a.diff_low, a.diff_high, a.p_diff, a.diff_low_2w,
       a.diff_high_2w, a.p_diff_2w, a.anchor_share
FROM agreement_section a
LEFT JOIN ranker_runs r ON r.run_id = a.run_id
LEFT JOIN spec_sections s ON s.spec_version = r.spec_version AND s.anchor = a.anchor
WHERE ($run IS NULL OR a.run_id = $run) AND ($block IS NULL OR a.block = $block)
  AND ($metric IS NULL OR a.metric = $metric) AND ($threshold IS NULL OR a.threshold = $threshold)
ORDER BY a.run_id, a.block, a.metric, a.threshold, a.estimate DESC NULLS LAST, a.anchor
