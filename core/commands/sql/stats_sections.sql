-- Every section's agreement at a relevance threshold, as stored (unsuppressed), best first.
SELECT anchor, estimate, ci_low, ci_high, n_participants, n_assessments
FROM agreement_section
WHERE run_id = $run_id AND block = $block AND metric = $metric AND threshold = $threshold
ORDER BY estimate DESC NULLS LAST, anchor
