-- Pre-written items of the joined rubrics with mean weight, t interval.
SELECT prompt_id, rubric_row, item_index, criterion, n_participants, mean_weight, ci_low, ci_high, sd,
       share_positive, share_negative
FROM rubric_item_stats
WHERE kind = 'prewritten' AND ($prompt_id IS NULL OR prompt_id = $prompt_id)
ORDER BY prompt_id, rubric_row, item_index
