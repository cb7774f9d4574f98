-- prompt_ranker for download; NULL filters select every row (full data).
SELECT run_id, prompt_id, block, ranker_ranking, crowd_order, crowd_ranker_pairwise, top_differs, mean_agreement,
       n_assessments, n_participants
FROM prompt_ranker
WHERE ($run IS NULL OR run_id = $run) AND ($block IS NULL OR block = $block)
  AND ($prompt_id IS NULL OR prompt_id = $prompt_id)
ORDER BY run_id, prompt_id, block
