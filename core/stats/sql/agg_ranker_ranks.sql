-- One ranker run's ranking of every prompt it ranked, ranks pivoted per letter (0 = no ranking, e.g. an error).
SELECT
    k.prompt_id,
    k.ranking,
    coalesce(max(r.rank) FILTER (WHERE r.letter = 'A'), 0) AS rank_a,
    coalesce(max(r.rank) FILTER (WHERE r.letter = 'B'), 0) AS rank_b,
    coalesce(max(r.rank) FILTER (WHERE r.letter = 'C'), 0) AS rank_c,
    coalesce(max(r.rank) FILTER (WHERE r.letter = 'D'), 0) AS rank_d
FROM ranker_rankings AS k
LEFT JOIN ranker_ranks AS r ON r.run_id = k.run_id AND r.prompt_id = k.prompt_id
WHERE k.run_id = $run_id
GROUP BY k.prompt_id, k.ranking
ORDER BY k.prompt_id
