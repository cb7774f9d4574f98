-- The store's manifest as key/value rows.
SELECT key, value FROM manifest ORDER BY key
