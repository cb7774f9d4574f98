-- Where each rubric row of conversation_rubrics.jsonl joined (no participant values); every row, always.
SELECT rubric_row, source_line, conversation_id, status, prompt_id, match_score, runner_up_prompt_id,
       runner_up_score, reason, n_turns, first_user_text, n_items, n_core
FROM rubric_conversations
ORDER BY rubric_row
