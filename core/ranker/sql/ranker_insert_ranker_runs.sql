-- Bulk insert of the rows registered as the Arrow table ranker_new_rows (core/ranker_runs.py).
INSERT INTO ranker_runs BY NAME SELECT * FROM ranker_new_rows
