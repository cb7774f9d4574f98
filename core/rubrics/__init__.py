"""People's own criteria (openai/coval `conversation_rubrics.jsonl`): read, validate, join to prompts, store."""
