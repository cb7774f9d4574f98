-- Each pre-written item's mean weight per country of the scorers (unsuppressed: the declared rule applies).
SELECT c.rubric_row, c.item_index, i.criterion, c.country, c.mean_weight, c.ci_low, c.ci_high, c.n_participants
FROM rubric_item_country AS c
JOIN rubric_items AS i USING (rubric_row, item_index)
WHERE c.prompt_id = $prompt_id
ORDER BY c.rubric_row, c.item_index, c.country
