-- Every canonical assessment with its world and personal ranks pivoted to one column per letter (0 = no ranking).
SELECT
    a.assessment_id,
    a.prompt_id,
    a.annotator_id,
    coalesce(max(r.rank) FILTER (WHERE r.block = 'world' AND r.letter = 'A'), 0) AS world_a,
    coalesce(max(r.rank) FILTER (WHERE r.block = 'world' AND r.letter = 'B'), 0) AS world_b,
    coalesce(max(r.rank) FILTER (WHERE r.block = 'world' AND r.letter = 'C'), 0) AS world_c,
    coalesce(max(r.rank) FILTER (WHERE r.block = 'world' AND r.letter = 'D'), 0) AS world_d,
    coalesce(max(r.rank) FILTER (WHERE r.block = 'personal' AND r.letter = 'A'), 0) AS personal_a,
    coalesce(max(r.rank) FILTER (WHERE r.block = 'personal' AND r.letter = 'B'), 0) AS personal_b,
    coalesce(max(r.rank) FILTER (WHERE r.block = 'personal' AND r.letter = 'C'), 0) AS personal_c,
    coalesce(max(r.rank) FILTER (WHERE r.block = 'personal' AND r.letter = 'D'), 0) AS personal_d
FROM assessments AS a
LEFT JOIN assessment_ranks AS r ON r.assessment_id = a.assessment_id
GROUP BY a.assessment_id, a.prompt_id, a.annotator_id
ORDER BY a.assessment_id
