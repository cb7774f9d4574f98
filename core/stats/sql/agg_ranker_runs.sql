-- Ranker runs, in a stable order.
SELECT run_id FROM ranker_runs ORDER BY run_id
