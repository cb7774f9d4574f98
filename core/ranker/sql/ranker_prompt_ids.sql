-- Prompt ids of the store being built, to count how many of a run's prompts it matches.
SELECT prompt_id FROM prompts
