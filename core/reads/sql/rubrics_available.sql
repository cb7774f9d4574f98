-- 1 when the store has rubric rows joined to prompts (older stores have no rubric tables at all).
SELECT count(*) AS n_tables FROM information_schema.tables WHERE table_name = 'rubric_item_stats'
