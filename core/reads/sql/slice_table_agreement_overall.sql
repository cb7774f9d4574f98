-- agreement_overall for download; NULL filters select every row (full data).
SELECT run_id, block, metric, estimate, ci_low, ci_high, n_participants, n_assessments
FROM agreement_overall
WHERE ($run IS NULL OR run_id = $run) AND ($block IS NULL OR block = $block)
  AND ($metric IS NULL OR metric = $metric)
ORDER BY run_id, block, metric
