-- Prompts ranked by one crowd measure (agreement with the rest of the crowd, or the flag share), with their first message.
SELECT c.prompt_id, p.first_user_text, c.estimate, c.ci_low, c.ci_high, c.n_participants, c.n_assessments
FROM crowd_prompt AS c
JOIN prompts AS p ON p.prompt_id = c.prompt_id
WHERE c.measure = $measure AND c.block = $block AND c.metric = $metric AND c.n_participants >= $min_participants
ORDER BY CASE WHEN $descending THEN -c.estimate ELSE c.estimate END, c.n_participants DESC, c.prompt_id
LIMIT $limit
