-- Agreement per section by level of one field (all levels, so complementary suppression sees the whole partition).
SELECT anchor, field, level, estimate, ci_low, ci_high, n_participants, n_assessments, n_prompts,
       diff_low, diff_high, p_diff
FROM agreement_section_group
WHERE run_id = $run AND block = $block AND metric = $metric AND threshold = $threshold AND field = $field
ORDER BY anchor, level
