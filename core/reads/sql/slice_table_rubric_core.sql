-- Core criteria of the joined rubrics (OpenAI's distillation, no weights); NULL prompt filter selects all.
SELECT prompt_id, position, criterion
FROM rubric_core
WHERE prompt_id IS NOT NULL AND ($prompt_id IS NULL OR prompt_id = $prompt_id)
ORDER BY prompt_id, position
