-- Append rows computed in numpy (registered as crowd_frame) to crowd_ranker, matching columns by name.
INSERT INTO crowd_ranker BY NAME SELECT * FROM crowd_frame
