-- How often each response got each place, for one prompt and block, with the prompt's participant count.
SELECT d.letter, d.rank, d.n, s.n_participants
FROM prompt_rank_distribution d
JOIN prompt_stats s ON s.prompt_id = d.prompt_id AND s.block = d.block
WHERE d.prompt_id = $prompt_id AND d.block = $block
ORDER BY d.letter, d.rank
