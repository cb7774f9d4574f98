-- Whether a prompt id is in the store (for validating the prompt filter).
SELECT prompt_id FROM prompts WHERE prompt_id = $prompt_id
