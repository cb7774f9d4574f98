-- Bytes the database's blocks occupy; a file shorter than this was truncated (e.g. an interrupted copy).
SELECT total_blocks * block_size AS expected_bytes
FROM pragma_database_size()
WHERE database_name = current_database()
