-- Pre-written items of one prompt with mean weight, t interval; heaviest first.
SELECT rubric_row, item_index, criterion, mean_weight, ci_low, ci_high, sd, share_positive, share_negative, n_participants
FROM rubric_item_stats
WHERE prompt_id = $prompt_id AND kind = 'prewritten'
ORDER BY mean_weight DESC, item_index
