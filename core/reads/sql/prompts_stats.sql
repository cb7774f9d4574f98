-- The prompt_stats rows of one prompt (one per block).
SELECT *
FROM prompt_stats
WHERE prompt_id = $prompt_id
ORDER BY block
