-- Changelog evidence: agreement on each changelog section's prompts by country of residence (ISO alpha-3).
-- Every country is returned, small ones included, so the privacy rules see each section's whole partition.
SELECT anchor, level AS country, estimate, ci_low, ci_high, n_participants, n_assessments
FROM agreement_section_group
WHERE run_id = $run AND block = $block AND metric = $metric AND threshold = $threshold
  AND field = 'country' AND list_contains($anchors, anchor)
ORDER BY anchor, n_participants DESC, level
