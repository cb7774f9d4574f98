-- Append rows computed in numpy (registered as agg_frame) to prompt_first_choice, matching columns by name.
INSERT INTO prompt_first_choice BY NAME SELECT * FROM agg_frame
