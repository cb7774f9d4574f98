-- Crowd and ranker agreement on the same assessments: the overall row (no threshold) and the sections at one threshold.
SELECT c.anchor, CASE WHEN c.anchor IS NULL THEN 'All prompts' ELSE coalesce(s.title, c.anchor) END AS title,
       c.crowd_estimate, c.crowd_ci_low, c.crowd_ci_high,
       c.ranker_estimate, c.ranker_ci_low, c.ranker_ci_high,
       c.ranker_estimate - c.crowd_estimate AS difference, c.difference_ci_low, c.difference_ci_high,
       c.n_participants, c.n_assessments, c.n_prompts
FROM crowd_ranker AS c
JOIN ranker_runs AS r ON r.run_id = c.run_id
LEFT JOIN spec_sections AS s ON s.spec_version = r.spec_version AND s.anchor = c.anchor
WHERE c.run_id = $run AND c.block = $block AND c.metric = $metric
  AND (c.threshold IS NULL OR c.threshold = $threshold)
ORDER BY c.threshold NULLS FIRST, c.ranker_estimate DESC, c.anchor
