-- One crowd measure over everyone: zero or one row.
SELECT measure, block, metric, estimate, ci_low, ci_high, n_participants, n_assessments
FROM crowd_overall
WHERE measure = $measure AND block = $block AND metric = $metric
