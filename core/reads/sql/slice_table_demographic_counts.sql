-- Participants per level of each demographic field ('(not given)' for missing answers); $field NULL = all fields.
WITH long AS (
    UNPIVOT (
        SELECT CAST(age AS VARCHAR) AS age, CAST(gender AS VARCHAR) AS gender,
               CAST(education_level AS VARCHAR) AS education_level,
               CAST(generative_ai_usage AS VARCHAR) AS generative_ai_usage,
               CAST(ai_concern_level AS VARCHAR) AS ai_concern_level,
               CAST(coalesce(country, '(not given)') AS VARCHAR) AS country
        FROM annotators
    ) ON age, gender, education_level, generative_ai_usage, ai_concern_level, country
    INTO NAME field VALUE level
)
SELECT field, level, count(*) AS n_participants
FROM long
WHERE $field IS NULL OR field = $field
GROUP BY field, level
ORDER BY field, n_participants DESC, level
