-- Participants' own items on one prompt (an item scored by exactly one person was written by them), with the
-- author's weight; the prompt's scorer count decides whether any may be shown. No demographic column leaves here.
WITH prompt_n AS (
    SELECT count(DISTINCT s.annotator_id) AS n
    FROM rubric_scores s JOIN rubric_conversations c USING (rubric_row)
    WHERE c.prompt_id = $prompt_id
)
SELECT i.criterion, s.score, (SELECT n FROM prompt_n) AS n_prompt_participants
FROM rubric_items AS i
JOIN rubric_scores AS s USING (rubric_row, item_index)
LEFT JOIN annotators AS a ON a.annotator_id = s.annotator_id
WHERE i.prompt_id = $prompt_id AND i.kind = 'own'
  AND ($country IS NULL OR a.country = $country)
  AND ($pattern IS NULL OR i.criterion ILIKE $pattern ESCAPE '\')
ORDER BY s.score DESC, i.rubric_row, i.item_index
