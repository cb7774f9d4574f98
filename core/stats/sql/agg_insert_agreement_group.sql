-- Append rows computed in numpy (registered as agg_frame) to agreement_group, matching columns by name.
INSERT INTO agreement_group BY NAME SELECT * FROM agg_frame
