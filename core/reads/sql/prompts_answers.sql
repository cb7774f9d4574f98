-- Distribution of the importance and subjectivity answers on one prompt, with the prompt's participant count.
WITH answers AS (
    SELECT 'importance' AS question, importance AS answer, annotator_id
    FROM assessments WHERE prompt_id = $prompt_id AND importance IS NOT NULL
    UNION ALL
    SELECT 'subjectivity', subjectivity, annotator_id
    FROM assessments WHERE prompt_id = $prompt_id AND subjectivity IS NOT NULL
)
SELECT
    question,
    answer,
    count(*) AS n_answers,
    sum(count(*)) OVER (PARTITION BY question) AS n_answered,
    count(*) / sum(count(*)) OVER (PARTITION BY question) AS share,
    (SELECT n_participants FROM prompts WHERE prompt_id = $prompt_id) AS n_participants
FROM answers
GROUP BY question, answer
ORDER BY question, n_answers DESC, answer
