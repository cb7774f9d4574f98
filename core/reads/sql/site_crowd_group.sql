-- One crowd measure for every level of every group field, each against everyone else (unsuppressed: callers apply
-- the rule). The rest's figures are left out when the rest itself is smaller than the minimum group size.
SELECT field, level, estimate, ci_low, ci_high, n_participants, n_assessments,
       CASE WHEN rest_n_participants >= $min_participants THEN rest_estimate END AS rest_estimate,
       CASE WHEN rest_n_participants >= $min_participants THEN difference END AS difference,
       CASE WHEN rest_n_participants >= $min_participants THEN difference_ci_low END AS difference_ci_low,
       CASE WHEN rest_n_participants >= $min_participants THEN difference_ci_high END AS difference_ci_high
FROM crowd_group
WHERE measure = $measure AND block = $block AND metric = $metric
ORDER BY field, level
