-- Append rows computed in numpy (registered as crowd_frame) to crowd_overall, matching columns by name.
INSERT INTO crowd_overall BY NAME SELECT * FROM crowd_frame
