-- Changelog evidence: agreement with the ranker for the sections the changelog touches, with the section's
-- place among the sections ranked at this threshold (rank of n_ranked; unranked ones have no rank).
WITH scored AS (
    SELECT anchor, estimate, ci_low, ci_high, n_participants, n_assessments, n_prompts, rank, rank_best, rank_worst,
           count(rank) OVER () AS n_ranked
    FROM agreement_section
    WHERE run_id = $run AND block = $block AND metric = $metric AND threshold = $threshold
)
SELECT anchor, estimate, ci_low, ci_high, n_participants, n_assessments, n_prompts, rank, rank_best, rank_worst,
       n_ranked
FROM scored
WHERE list_contains($anchors, anchor)
ORDER BY anchor
