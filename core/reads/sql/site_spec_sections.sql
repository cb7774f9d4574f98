-- Sections of the spec version a run used, in document order (for section links and validation).
SELECT s.anchor, s.title, s.level, s.parent, s.chapter, s.position, r.spec_version
FROM spec_sections AS s
JOIN ranker_runs AS r ON r.spec_version = s.spec_version
WHERE r.run_id = $run
ORDER BY s.position
