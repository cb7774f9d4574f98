-- Changelog evidence: the prompts relevant to each changelog section (ranker grade >= threshold), most
-- contested first. All of them: the small-group rule is applied before the top few are picked.
SELECT sr.anchor, sr.prompt_id, p.first_user_text, ps.contestedness, pr.crowd_ranker_pairwise,
       ps.n_participants, ps.n_assessments
FROM section_relevance AS sr
JOIN prompts AS p ON p.prompt_id = sr.prompt_id
JOIN prompt_stats AS ps ON ps.prompt_id = sr.prompt_id AND ps.block = $block
LEFT JOIN prompt_ranker AS pr ON pr.run_id = sr.run_id AND pr.prompt_id = sr.prompt_id AND pr.block = $block
WHERE sr.run_id = $run AND sr.grade >= $threshold AND list_contains($anchors, sr.anchor)
ORDER BY sr.anchor, ps.contestedness DESC NULLS LAST, sr.prompt_id
