-- Participants with the fields agreement is broken down by (country as ISO alpha-3).
SELECT annotator_id, country, age, gender, education_level, generative_ai_usage, ai_concern_level
FROM annotators
ORDER BY annotator_id
