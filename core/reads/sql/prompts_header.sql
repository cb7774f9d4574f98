-- The prompts row of one prompt (empty when the id is not in the store).
SELECT prompt_id, n_turns, first_user_text, n_assessments, n_participants, is_anchor, content_notice
FROM prompts
WHERE prompt_id = $prompt_id
