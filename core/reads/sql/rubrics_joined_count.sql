SELECT count(*) AS n_joined FROM rubric_conversations WHERE prompt_id IS NOT NULL
