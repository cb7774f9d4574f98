-- Prompts where eligible countries' first choices differ most (total-variation distance).
SELECT ps.prompt_id, p.first_user_text, ps.country_divergence, ps.country_divergence_pair,
       ps.n_countries_eligible, ps.n_participants
FROM prompt_stats AS ps
JOIN prompts AS p ON p.prompt_id = ps.prompt_id
WHERE ps.block = $block AND ps.country_divergence IS NOT NULL
ORDER BY ps.country_divergence DESC, ps.prompt_id
LIMIT $limit
