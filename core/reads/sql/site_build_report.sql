-- Data-quality findings of the build, most serious first.
SELECT file, "check", severity, "count", description
FROM build_report
ORDER BY CASE severity WHEN 'rejected' THEN 0 WHEN 'flagged' THEN 1 ELSE 2 END, "count" DESC, file, "check"
