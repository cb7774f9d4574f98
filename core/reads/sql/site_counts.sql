-- Headline counts for the overview: participants, countries of residence, prompts, assessments.
SELECT
    (SELECT count(*) FROM annotators) AS participants,
    (SELECT count(DISTINCT country) FROM annotators WHERE country IS NOT NULL) AS countries,
    (SELECT count(*) FROM prompts) AS prompts,
    (SELECT count(*) FROM assessments) AS assessments
