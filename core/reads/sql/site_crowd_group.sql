-- One crowd measure for every level of every group field, each against everyone else (unsuppressed: callers apply the rule).
SELECT field, level, estimate, ci_low, ci_high, n_participants, n_assessments,
       rest_estimate, difference, difference_ci_low, difference_ci_high
FROM crowd_group
WHERE measure = $measure AND block = $block AND metric = $metric
ORDER BY field, level
