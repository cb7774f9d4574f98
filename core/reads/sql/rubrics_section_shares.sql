-- Across a section's relevant prompts with rubrics: items of each kind by the sign of their mean weight.
SELECT st.kind, count(*) AS n_items, count(*) FILTER (WHERE st.mean_weight > 0) AS n_positive,
       count(*) FILTER (WHERE st.mean_weight < 0) AS n_negative,
       count(*) FILTER (WHERE st.mean_weight > 0) / count(*) AS share_positive,
       count(DISTINCT st.prompt_id) AS n_prompts,
       (SELECT count(DISTINCT s.annotator_id) FROM rubric_scores s JOIN rubric_conversations c USING (rubric_row)
        JOIN section_relevance sr ON sr.prompt_id = c.prompt_id
        WHERE sr.run_id = $run AND sr.anchor = $anchor AND sr.grade >= $threshold) AS n_participants
FROM rubric_item_stats st
JOIN section_relevance sr ON sr.prompt_id = st.prompt_id
WHERE sr.run_id = $run AND sr.anchor = $anchor AND sr.grade >= $threshold
GROUP BY st.kind
ORDER BY st.kind DESC
