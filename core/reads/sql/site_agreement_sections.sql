-- Agreement per spec section for one run, block, metric and relevance threshold, with section titles.
SELECT a.anchor, coalesce(s.title, a.anchor) AS title, s.level, s.chapter,
       a.estimate, a.ci_low, a.ci_high, a.n_participants, a.n_assessments, a.n_prompts,
       a.rank, a.rank_best, a.rank_worst, a.tie_group
FROM agreement_section AS a
JOIN ranker_runs AS r ON r.run_id = a.run_id
LEFT JOIN spec_sections AS s ON s.spec_version = r.spec_version AND s.anchor = a.anchor
WHERE a.run_id = $run AND a.block = $block AND a.metric = $metric AND a.threshold = $threshold
ORDER BY a.estimate DESC NULLS LAST, a.anchor
