-- Every assessment's ranks on one prompt and block, with the participant's country, for "rank it yourself".
SELECT r.assessment_id, a.annotator_id, p.country, r.letter, r.rank
FROM assessment_ranks r
JOIN assessments a USING (assessment_id)
JOIN annotators p USING (annotator_id)
WHERE a.prompt_id = $prompt_id AND r.block = $block
ORDER BY r.assessment_id, r.letter
