-- prompt_first_choice for download; NULL filters select every row (full data).
SELECT prompt_id, block, letter, n_first, n_single_top, share, ci_low, ci_high, n_participants
FROM prompt_first_choice
WHERE ($block IS NULL OR block = $block) AND ($prompt_id IS NULL OR prompt_id = $prompt_id)
ORDER BY prompt_id, block, letter
