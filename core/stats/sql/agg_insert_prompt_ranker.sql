-- Append rows computed in numpy (registered as agg_frame) to prompt_ranker, matching columns by name.
INSERT INTO prompt_ranker BY NAME SELECT * FROM agg_frame
