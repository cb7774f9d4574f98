-- prompt_flags for download with the number of participants asked (not everyone who saw the prompt).
SELECT f.prompt_id, f.letter, f.n_asked, f.n_flagged, f.share, f.n_participants
FROM prompt_flags f
WHERE ($prompt_id IS NULL OR f.prompt_id = $prompt_id)
ORDER BY f.prompt_id, f.letter
