-- Every crowd measure over everyone, in a fixed order.
SELECT measure, block, metric, estimate, ci_low, ci_high, n_participants, n_assessments
FROM crowd_overall
ORDER BY measure, block DESC, metric
