-- Public release rows of the assessments matching the download filters (NULL filter = no filter), with the
-- participant's demographic answers as released. Keep the WHERE clause identical to slice_summary.sql.
SELECT
    a.assessment_id,
    a.prompt_id,
    a.annotator_id,
    p.country,
    p.country_of_residence,
    p.age,
    p.gender,
    p.education_level,
    p.generative_ai_usage,
    p.ai_concern_level,
    a.world_ranking,
    a.world_top,
    a.world_rationale,
    a.personal_ranking,
    a.personal_top,
    a.personal_rationale,
    a.unacceptable_asked,
    a.unacceptable_letters,
    a.unacceptable_rationale,
    a.importance,
    a.subjectivity,
    a.representativeness,
    a.is_duplicate_pair
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
ORDER BY a.assessment_id
