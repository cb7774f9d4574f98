-- Conversation turns of every prompt, in order (the ranker shows them to the model).
SELECT prompt_id, role, content
FROM messages
ORDER BY prompt_id, turn
