-- The build's data-quality findings for download (no participant values: nothing to suppress).
SELECT file, "check", severity, "count", description, examples
FROM build_report
ORDER BY CASE severity WHEN 'rejected' THEN 0 WHEN 'flagged' THEN 1 ELSE 2 END, "count" DESC, file, "check"
