-- How often each response was flagged unacceptable, of the participants asked, with the prompt's participant count.
SELECT f.letter, f.n_asked, f.n_flagged, f.share, p.n_participants
FROM prompt_flags f
JOIN prompts p ON p.prompt_id = f.prompt_id
WHERE f.prompt_id = $prompt_id
ORDER BY f.letter
