-- The rubric joined to one prompt: how it joined, its size, and the distinct participants who scored its items.
SELECT c.rubric_row, c.status, c.match_score, c.n_items, c.n_core,
       (SELECT count(DISTINCT s.annotator_id) FROM rubric_scores s WHERE s.rubric_row = c.rubric_row) AS n_participants,
       (SELECT count(*) FROM rubric_items i WHERE i.rubric_row = c.rubric_row AND i.kind = 'own') AS n_own_items
FROM rubric_conversations AS c
WHERE c.prompt_id = $prompt_id
ORDER BY c.rubric_row
