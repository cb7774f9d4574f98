-- A section's relevant prompts that have a rubric: core criteria, and the heaviest and lightest pre-written items
-- (n_participants: the fewer scorers of those two items; NULL when the rubric has no pre-written item).
WITH relevant AS (
    SELECT sr.prompt_id FROM section_relevance sr
    WHERE sr.run_id = $run AND sr.anchor = $anchor AND sr.grade >= $threshold
),
items AS (
    SELECT st.*,
           row_number() OVER (PARTITION BY st.prompt_id ORDER BY st.mean_weight DESC, st.item_index) AS top_rank,
           row_number() OVER (PARTITION BY st.prompt_id ORDER BY st.mean_weight ASC, st.item_index) AS low_rank
    FROM rubric_item_stats st JOIN relevant USING (prompt_id)
    WHERE st.kind = 'prewritten'
)
SELECT p.prompt_id, p.first_user_text,
       (SELECT string_agg(k.criterion, ' · ' ORDER BY k.position) FROM rubric_core k
        WHERE k.prompt_id = p.prompt_id) AS core_criteria,
       t.criterion AS heaviest_item, t.mean_weight AS heaviest_weight,
       l.criterion AS lightest_item, l.mean_weight AS lightest_weight,
       least(t.n_participants, l.n_participants) AS n_participants
FROM relevant r
JOIN prompts p ON p.prompt_id = r.prompt_id
JOIN rubric_conversations rc ON rc.prompt_id = p.prompt_id
LEFT JOIN items t ON t.prompt_id = p.prompt_id AND t.top_rank = 1
LEFT JOIN items l ON l.prompt_id = p.prompt_id AND l.low_rank = 1
ORDER BY n_participants DESC NULLS LAST, p.prompt_id
LIMIT $limit
