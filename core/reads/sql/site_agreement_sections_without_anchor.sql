-- Agreement per spec section without the anchor prompt (same columns as site_agreement_sections; no differences).
SELECT a.anchor, coalesce(s.title, a.anchor) AS title, s.level, s.chapter,
       a.estimate, a.ci_low, a.ci_high, a.ci_low_2w, a.ci_high_2w, a.n_participants, a.n_assessments, a.n_prompts,
       NULL::INTEGER AS rank, a.rank_best, a.rank_worst, a.rank_best_2w, a.rank_worst_2w, NULL::INTEGER AS tie_group,
       NULL::DOUBLE AS diff_low, NULL::DOUBLE AS diff_high, NULL::DOUBLE AS p_diff,
       NULL::DOUBLE AS diff_low_2w, NULL::DOUBLE AS diff_high_2w, NULL::DOUBLE AS p_diff_2w, 0.0 AS anchor_share
FROM agreement_without_anchor AS a
JOIN ranker_runs AS r ON r.run_id = a.run_id
LEFT JOIN spec_sections AS s ON s.spec_version = r.spec_version AND s.anchor = a.anchor
WHERE a.run_id = $run AND a.block = $block AND a.metric = $metric AND a.threshold = $threshold
  AND a.anchor IS NOT NULL
ORDER BY a.estimate DESC NULLS LAST, a.anchor
