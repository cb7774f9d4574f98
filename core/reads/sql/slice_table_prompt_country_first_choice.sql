-- prompt_country_first_choice for download; NULL filters select every row (full data).
SELECT prompt_id, block, country, letter, n_participants, n_single_top, n_first, share
FROM prompt_country_first_choice
WHERE ($block IS NULL OR block = $block) AND ($prompt_id IS NULL OR prompt_id = $prompt_id)
ORDER BY prompt_id, block, letter, country
