-- One page of the contested-prompt list for a block: filtered by section, country and text, sorted by a
-- whitelisted key. Sort keys are NULL for prompts under the participant minimum so they sort last and their
-- hidden values cannot be inferred from the order.
WITH in_section AS (
    SELECT DISTINCT prompt_id
    FROM section_relevance
    WHERE run_id = $run_id AND anchor = $anchor AND grade >= $threshold
),
in_country AS (
    SELECT a.prompt_id
    FROM assessments a
    JOIN annotators p USING (annotator_id)
    WHERE p.country = $country
    GROUP BY a.prompt_id
    HAVING count(DISTINCT a.annotator_id) >= $min_participants
),
listed AS (
    SELECT
        p.prompt_id,
        p.first_user_text,
        p.content_notice,
        p.is_anchor,
        s.n_participants,
        s.n_assessments,
        s.contestedness,
        1 - r.crowd_ranker_pairwise AS ranker_divergence,
        s.country_divergence,
        s.country_divergence_pair,
        s.crowd_order,
        r.ranker_ranking,
        r.top_differs
    FROM prompts p
    JOIN prompt_stats s ON s.prompt_id = p.prompt_id AND s.block = $block
    LEFT JOIN prompt_ranker r ON r.prompt_id = p.prompt_id AND r.block = $block AND r.run_id = $run_id
    WHERE ($anchor IS NULL OR p.prompt_id IN (SELECT prompt_id FROM in_section))
      AND ($country IS NULL OR p.prompt_id IN (SELECT prompt_id FROM in_country))
      AND ($pattern IS NULL OR EXISTS (
            SELECT 1 FROM messages m
            WHERE m.prompt_id = p.prompt_id AND m.content ILIKE $pattern ESCAPE '\'))
)
SELECT *, count(*) OVER () AS n_total
FROM listed
ORDER BY
    CASE WHEN n_participants >= $min_participants THEN
        CASE $sort
            WHEN 'contestedness' THEN contestedness
            WHEN 'ranker' THEN ranker_divergence
            WHEN 'countries' THEN country_divergence
            WHEN 'agreed' THEN -contestedness
        END
    END DESC NULLS LAST,
    prompt_id
LIMIT $limit OFFSET $offset
