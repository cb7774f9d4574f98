-- How many of the tables every usable store has are present (manifest and the release tables).
SELECT count(*) AS n
FROM duckdb_tables()
WHERE database_name = current_database()
  AND table_name IN ('manifest', 'prompts', 'assessments', 'annotators', 'build_report')
