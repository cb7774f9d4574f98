-- The responses flagged unacceptable most often, of the participants asked about them.
SELECT f.prompt_id, p.first_user_text, f.letter, f.n_asked, f.n_flagged, f.share, f.n_participants
FROM prompt_flags AS f
JOIN prompts AS p ON p.prompt_id = f.prompt_id
WHERE f.n_participants >= $min_participants
ORDER BY f.share DESC, f.n_asked DESC, f.prompt_id, f.letter
LIMIT $limit
