-- Choices for the list filters: sections with at least one prompt at the threshold in the run, by position.
SELECT s.anchor, s.title, count(DISTINCT r.prompt_id) AS n_prompts
FROM section_relevance r
JOIN ranker_runs k ON k.run_id = r.run_id
JOIN spec_sections s ON s.anchor = r.anchor AND s.spec_version = k.spec_version
WHERE r.run_id = $run_id AND r.grade >= $threshold
GROUP BY s.anchor, s.title, s.position
ORDER BY s.position
