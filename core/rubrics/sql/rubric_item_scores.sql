-- Every score of a joined rubric's item, with the scorer's country (NULL when the scorer is not in annotators).
SELECT i.prompt_id, i.rubric_row, i.item_index, i.kind, i.criterion, s.annotator_id, s.score, a.country
FROM rubric_items AS i
JOIN rubric_scores AS s USING (rubric_row, item_index)
LEFT JOIN annotators AS a ON a.annotator_id = s.annotator_id
WHERE i.prompt_id IS NOT NULL
ORDER BY i.rubric_row, i.item_index
