-- A few non-empty rationales for one prompt and block, in a stable pseudo-random order, with no demographic column.
SELECT
    CASE WHEN $block = 'world' THEN world_ranking ELSE personal_ranking END AS ranking,
    CASE WHEN $block = 'world' THEN world_rationale ELSE personal_rationale END AS rationale
FROM assessments
WHERE prompt_id = $prompt_id
  AND trim(coalesce(CASE WHEN $block = 'world' THEN world_rationale ELSE personal_rationale END, '')) <> ''
ORDER BY hash(assessment_id, $prompt_id)
LIMIT $limit
