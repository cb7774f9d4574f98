-- Every section's agreement at a relevance threshold, as stored (unsuppressed), with both intervals, best first.
SELECT anchor, estimate, ci_low, ci_high, ci_low_2w, ci_high_2w, n_participants, n_assessments, n_prompts
FROM agreement_section
WHERE run_id = $run_id AND block = $block AND metric = $metric AND threshold = $threshold
ORDER BY estimate DESC NULLS LAST, anchor
