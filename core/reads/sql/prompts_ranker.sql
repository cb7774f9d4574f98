-- The selected ranker run's ranking and rationale for one prompt, with its comparison to the crowd per block.
SELECT
    k.ranking,
    k.top,
    k.rationale,
    k.error,
    r.block,
    r.crowd_order,
    r.crowd_ranker_pairwise,
    r.top_differs,
    r.mean_agreement,
    r.n_participants
FROM ranker_rankings k
LEFT JOIN prompt_ranker r ON r.run_id = k.run_id AND r.prompt_id = k.prompt_id AND r.block = $block
WHERE k.run_id = $run_id AND k.prompt_id = $prompt_id
