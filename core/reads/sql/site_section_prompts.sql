-- Prompts relevant to a section at the threshold, most contested first, with crowd-vs-ranker agreement.
SELECT p.prompt_id, p.first_user_text, ps.contestedness, ps.crowd_order, pr.ranker_ranking,
       pr.crowd_ranker_pairwise, ps.n_participants, ps.n_assessments
FROM section_relevance AS sr
JOIN prompts AS p ON p.prompt_id = sr.prompt_id
JOIN prompt_stats AS ps ON ps.prompt_id = sr.prompt_id AND ps.block = $block
LEFT JOIN prompt_ranker AS pr ON pr.run_id = sr.run_id AND pr.prompt_id = sr.prompt_id AND pr.block = $block
WHERE sr.run_id = $run AND sr.anchor = $anchor AND sr.grade >= $threshold
ORDER BY ps.contestedness DESC NULLS LAST, p.prompt_id
LIMIT $limit
