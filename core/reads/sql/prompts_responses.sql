-- The candidate responses of one prompt, A to D.
SELECT letter, content
FROM responses
WHERE prompt_id = $prompt_id
ORDER BY letter
