-- Append rows computed in numpy (registered as agg_frame) to agreement_overall, matching columns by name.
INSERT INTO agreement_overall BY NAME SELECT * FROM agg_frame
