-- Append rows computed in numpy (registered as agg_frame) to agreement_section_group, matching columns by name.
INSERT INTO agreement_section_group BY NAME SELECT * FROM agg_frame
