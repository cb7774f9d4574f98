-- The prompt's core criteria (OpenAI's distillation: no weights), with the rubric's participant count.
SELECT k.position, k.criterion,
       (SELECT count(DISTINCT s.annotator_id) FROM rubric_scores s WHERE s.rubric_row = k.rubric_row) AS n_participants
FROM rubric_core AS k
WHERE k.prompt_id = $prompt_id
ORDER BY k.rubric_row, k.position
