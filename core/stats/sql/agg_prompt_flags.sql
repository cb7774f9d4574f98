-- Unacceptable flags per prompt and letter, over the assessments where the question was asked.
CREATE OR REPLACE TABLE prompt_flags AS
WITH asked AS (
    SELECT prompt_id, annotator_id, unacceptable_letters
    FROM assessments
    WHERE unacceptable_asked AND unacceptable_letters IS NOT NULL
),
letters AS (SELECT unnest(['A', 'B', 'C', 'D']) AS letter)
SELECT
    a.prompt_id,
    l.letter,
    count(*)::INTEGER AS n_asked,
    count(*) FILTER (WHERE contains(a.unacceptable_letters, l.letter))::INTEGER AS n_flagged,
    count(*) FILTER (WHERE contains(a.unacceptable_letters, l.letter)) / count(*) AS share,
    count(DISTINCT a.annotator_id)::INTEGER AS n_participants
FROM asked AS a
CROSS JOIN letters AS l
GROUP BY a.prompt_id, l.letter
ORDER BY a.prompt_id, l.letter
