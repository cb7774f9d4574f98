-- How often each response was flagged unacceptable, of the participants asked (n_participants: those asked).
SELECT f.letter, f.n_asked, f.n_flagged, f.share, f.n_participants
FROM prompt_flags f
WHERE f.prompt_id = $prompt_id
ORDER BY f.letter
