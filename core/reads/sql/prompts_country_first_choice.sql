-- First-choice shares by country for one prompt and block (unsuppressed: the caller applies core.privacy).
SELECT country, letter, n_participants, n_single_top, n_first, share
FROM prompt_country_first_choice
WHERE prompt_id = $prompt_id AND block = $block
ORDER BY country, letter
