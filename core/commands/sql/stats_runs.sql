-- Ranker runs in the store, for choosing the default run of `python -m core stats`.
SELECT run_id FROM ranker_runs ORDER BY run_id
