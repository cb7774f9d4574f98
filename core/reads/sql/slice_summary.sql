-- Row, participant and prompt counts of a download slice (same WHERE clause as slice_assessments.sql).
SELECT
    count(*) AS n_rows,
    count(DISTINCT a.annotator_id) AS n_participants,
    count(DISTINCT a.prompt_id) AS n_prompts
FROM assessments a
JOIN annotators p USING (annotator_id)
WHERE ($prompt_id IS NULL OR a.prompt_id = $prompt_id)
  AND ($country IS NULL OR p.country = $country)
  AND ($field IS NULL OR CASE $field
        WHEN 'age' THEN p.age
        WHEN 'gender' THEN p.gender
        WHEN 'education_level' THEN p.education_level
        WHEN 'generative_ai_usage' THEN p.generative_ai_usage
        WHEN 'ai_concern_level' THEN p.ai_concern_level
      END = $level)
  AND ($anchor IS NULL OR a.prompt_id IN (
        SELECT prompt_id FROM section_relevance
        WHERE run_id = $run_id AND anchor = $anchor AND grade >= $threshold))
  AND ($block IS NULL OR $block = 'world' OR a.personal_ranking IS NOT NULL)
