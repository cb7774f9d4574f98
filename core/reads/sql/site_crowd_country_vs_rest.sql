-- One prompt's first-choice shares per country beside the same shares among everyone outside that country; the rest's
-- share is left out when fewer than the minimum group size of participants sit outside the country.
SELECT c.country, c.letter, c.n_participants, c.n_single_top, c.n_first, c.share,
       CASE WHEN s.n_participants - c.n_participants >= $min_participants
            THEN (f.n_first - c.n_first) / nullif(f.n_single_top - c.n_single_top, 0) END AS rest_share,
       f.n_single_top - c.n_single_top AS rest_n_single_top
FROM prompt_country_first_choice AS c
JOIN prompt_first_choice AS f ON f.prompt_id = c.prompt_id AND f.block = c.block AND f.letter = c.letter
JOIN prompt_stats AS s ON s.prompt_id = c.prompt_id AND s.block = c.block
WHERE c.prompt_id = $prompt_id AND c.block = $block
ORDER BY c.country, c.letter
