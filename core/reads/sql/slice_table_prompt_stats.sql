-- prompt_stats for download with the prompt's first user turn and, on world rows, how many participants also
-- ranked for themselves (the count behind personal_world_divergence); NULL filters select every row (full data).
SELECT s.prompt_id, p.first_user_text, s.block, s.n_assessments, s.n_participants, s.n_single_top, s.top_entropy,
       s.kendall_w, s.contestedness, s.crowd_order, s.borda_A, s.borda_B, s.borda_C, s.borda_D,
       s.country_divergence, s.country_divergence_pair, s.n_countries_eligible, s.personal_world_divergence,
       CASE WHEN s.block = 'world' THEN coalesce(pp.n_participants, 0) END AS n_personal_participants
FROM prompt_stats s
JOIN prompts p ON p.prompt_id = s.prompt_id
LEFT JOIN prompt_stats pp ON pp.prompt_id = s.prompt_id AND pp.block = 'personal'
WHERE ($block IS NULL OR s.block = $block) AND ($prompt_id IS NULL OR s.prompt_id = $prompt_id)
ORDER BY s.prompt_id, s.block
