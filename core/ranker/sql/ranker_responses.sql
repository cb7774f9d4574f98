-- The four candidate responses of every prompt.
SELECT prompt_id, letter, content
FROM responses
ORDER BY prompt_id, letter
