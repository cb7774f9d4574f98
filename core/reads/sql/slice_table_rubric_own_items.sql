-- Participants' own items on joined rubrics with the author's weight (no participant id or demographics), and
-- the prompt's scorer count, which decides whether they may be shown.
WITH prompt_n AS (
    SELECT c.prompt_id, count(DISTINCT s.annotator_id) AS n_prompt_participants
    FROM rubric_scores s JOIN rubric_conversations c USING (rubric_row)
    WHERE c.prompt_id IS NOT NULL
    GROUP BY c.prompt_id
)
SELECT i.prompt_id, i.rubric_row, i.item_index, i.criterion, s.score AS weight, n.n_prompt_participants
FROM rubric_items AS i
JOIN rubric_scores AS s USING (rubric_row, item_index)
JOIN prompt_n AS n ON n.prompt_id = i.prompt_id
WHERE i.kind = 'own' AND ($prompt_id IS NULL OR i.prompt_id = $prompt_id)
ORDER BY i.prompt_id, i.rubric_row, i.item_index
