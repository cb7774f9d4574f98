-- Append rows computed in numpy (registered as agg_frame) to participant_agreement, matching columns by name.
INSERT INTO participant_agreement BY NAME SELECT * FROM agg_frame
