-- The anchor prompt(s): seen by (nearly) every participant, with their first user turn and share of assessments.
SELECT a.prompt_id, p.first_user_text, a.n_participants, a.n_assessments, a.share_of_assessments
FROM anchor_prompts a
LEFT JOIN prompts p ON p.prompt_id = a.prompt_id
ORDER BY a.n_assessments DESC, a.prompt_id
