-- Append rows computed in numpy (registered as crowd_frame) to crowd_group, matching columns by name.
INSERT INTO crowd_group BY NAME SELECT * FROM crowd_frame
