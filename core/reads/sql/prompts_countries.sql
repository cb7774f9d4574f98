-- Countries with at least one prompt on which they have the minimum number of participants.
WITH per_prompt AS (
    SELECT p.country, a.prompt_id, count(DISTINCT a.annotator_id) AS n
    FROM assessments a
    JOIN annotators p USING (annotator_id)
    WHERE p.country IS NOT NULL
    GROUP BY p.country, a.prompt_id
)
SELECT country, count(*) AS n_prompts
FROM per_prompt
WHERE n >= $min_participants
GROUP BY country
ORDER BY country
