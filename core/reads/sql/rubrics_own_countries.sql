-- Authors of own items on one prompt per country: the country filter is offered where this count may be shown.
SELECT a.country, count(DISTINCT s.annotator_id) AS n_participants
FROM rubric_items AS i
JOIN rubric_scores AS s USING (rubric_row, item_index)
LEFT JOIN annotators AS a ON a.annotator_id = s.annotator_id
WHERE i.prompt_id = $prompt_id AND i.kind = 'own'
GROUP BY a.country
ORDER BY a.country NULLS LAST
