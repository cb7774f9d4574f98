-- Append rows computed in numpy (registered as agg_frame) to prompt_stats, matching columns by name.
INSERT INTO prompt_stats BY NAME SELECT * FROM agg_frame
