-- How many assessments gave each letter each place (tie-group position), per prompt and block.
CREATE OR REPLACE TABLE prompt_rank_distribution AS
SELECT a.prompt_id, r.block, r.letter, r.rank::INTEGER AS rank, count(*)::INTEGER AS n
FROM assessment_ranks AS r
JOIN assessments AS a ON a.assessment_id = r.assessment_id
GROUP BY a.prompt_id, r.block, r.letter, r.rank
ORDER BY a.prompt_id, r.block, r.letter, r.rank
