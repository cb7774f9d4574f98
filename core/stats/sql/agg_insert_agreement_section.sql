-- Append rows computed in numpy (registered as agg_frame) to agreement_section, matching columns by name.
INSERT INTO agreement_section BY NAME SELECT * FROM agg_frame
