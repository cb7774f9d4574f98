-- Append rows computed in numpy (registered as crowd_frame) to crowd_prompt, matching columns by name.
INSERT INTO crowd_prompt BY NAME SELECT * FROM crowd_frame
