-- The crowd's first-choice shares (Wilson 95% CIs) for one prompt and block.
SELECT letter, n_first, n_single_top, share, ci_low, ci_high, n_participants
FROM prompt_first_choice
WHERE prompt_id = $prompt_id AND block = $block
ORDER BY letter
