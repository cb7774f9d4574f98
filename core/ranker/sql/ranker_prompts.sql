-- Prompt ids of a built store in release file order (the ranker's work list).
SELECT prompt_id
FROM prompts
ORDER BY source_line, prompt_id
