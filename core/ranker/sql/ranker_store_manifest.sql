-- Dataset identity recorded in a ranker run's manifest.
SELECT key, value
FROM manifest
WHERE key IN ('source', 'revision', 'resolved_commit')
