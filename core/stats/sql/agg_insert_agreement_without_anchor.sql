-- Append rows computed in numpy (registered as agg_frame) to agreement_without_anchor, matching columns by name.
INSERT INTO agreement_without_anchor BY NAME SELECT * FROM agg_frame
