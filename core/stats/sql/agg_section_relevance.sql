-- One ranker run's relevance grades at or above the lowest threshold (a section graded twice keeps its highest grade).
SELECT r.prompt_id, r.anchor, max(r.grade) AS grade
FROM section_relevance AS r
WHERE r.run_id = $run_id AND r.grade >= $min_grade
GROUP BY r.prompt_id, r.anchor
ORDER BY r.anchor, r.prompt_id
