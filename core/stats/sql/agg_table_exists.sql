-- 1 when a table of this name exists in the open store, else 0.
SELECT count(*) AS n FROM information_schema.tables WHERE table_name = $name
