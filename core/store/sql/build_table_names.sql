-- Every base table of the open store, for the manifest's row counts.
SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY table_name
