-- prompt_flags for download with the prompt's participant count; NULL filters select every row.
SELECT f.prompt_id, f.letter, f.n_asked, f.n_flagged, f.share, p.n_participants
FROM prompt_flags f
JOIN prompts p ON p.prompt_id = f.prompt_id
WHERE ($prompt_id IS NULL OR f.prompt_id = $prompt_id)
ORDER BY f.prompt_id, f.letter
