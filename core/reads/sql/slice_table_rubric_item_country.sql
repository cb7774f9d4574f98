-- Pre-written items' mean weight per country of the scorers.
SELECT prompt_id, rubric_row, item_index, country, n_participants, mean_weight, ci_low, ci_high
FROM rubric_item_country
WHERE ($prompt_id IS NULL OR prompt_id = $prompt_id)
ORDER BY prompt_id, rubric_row, item_index, country
