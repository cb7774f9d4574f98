-- The conversation of one prompt, turn by turn.
SELECT turn, role, content
FROM messages
WHERE prompt_id = $prompt_id
ORDER BY turn
