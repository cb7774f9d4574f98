-- Append rows computed in numpy (registered as agg_frame) to anchor_prompts, matching columns by name.
INSERT INTO anchor_prompts BY NAME SELECT * FROM agg_frame
