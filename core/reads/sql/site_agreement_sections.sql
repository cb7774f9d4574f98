-- Agreement per spec section for one run, block, metric and relevance threshold, with section titles.
SELECT a.anchor, coalesce(s.title, a.anchor) AS title, s.level, s.chapter,
       a.estimate, a.ci_low, a.ci_high, a.ci_low_2w, a.ci_high_2w, a.n_participants, a.n_assessments, a.n_prompts,
       a.rank, a.rank_best, a.rank_worst, a.rank_best_2w, a.rank_worst_2w, a.tie_group,
       a.diff_low, a.diff_high, a.p_diff, a.diff_low_2w, a.diff_high_2w, a.p_diff_2w, a.anchor_share
FROM agreement_section AS a
JOIN ranker_runs AS r ON r.run_id = a.run_id
LEFT JOIN spec_sections AS s ON s.spec_version = r.spec_version AND s.anchor = a.anchor
WHERE a.run_id = $run AND a.block = $block AND a.metric = $metric AND a.threshold = $threshold
ORDER BY a.estimate DESC NULLS LAST, a.anchor
