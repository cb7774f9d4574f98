-- Flush the write-ahead log into the database file before it is renamed into place.
CHECKPOINT;
