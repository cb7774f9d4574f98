-- Every crowd measure of one prompt.
SELECT measure, block, metric, estimate, ci_low, ci_high, n_participants, n_assessments
FROM crowd_prompt
WHERE prompt_id = $prompt_id
ORDER BY measure, block DESC, metric
