-- Participants per country (NULL: unknown or no participant row) on one prompt and block: the partition behind
-- "rank it yourself"'s country list, whose total is the prompt's participant count shown on the same page.
SELECT p.country, count(DISTINCT a.annotator_id) AS n_participants
FROM assessments a
LEFT JOIN annotators p USING (annotator_id)
WHERE a.prompt_id = $prompt_id
  AND EXISTS (SELECT 1 FROM assessment_ranks r WHERE r.assessment_id = a.assessment_id AND r.block = $block)
GROUP BY p.country
ORDER BY p.country NULLS LAST
