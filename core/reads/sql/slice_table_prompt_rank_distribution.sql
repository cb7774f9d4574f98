-- prompt_rank_distribution for download with the prompt's participant count; NULL filters select every row.
SELECT d.prompt_id, d.block, d.letter, d.rank, d.n, s.n_participants
FROM prompt_rank_distribution d
JOIN prompt_stats s ON s.prompt_id = d.prompt_id AND s.block = d.block
WHERE ($block IS NULL OR d.block = $block) AND ($prompt_id IS NULL OR d.prompt_id = $prompt_id)
ORDER BY d.prompt_id, d.block, d.letter, d.rank
