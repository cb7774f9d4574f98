-- Every released level of each demographic field used by download filters (for validating choices).
UNPIVOT (
    SELECT DISTINCT age, gender, education_level, generative_ai_usage, ai_concern_level FROM annotators
) ON age, gender, education_level, generative_ai_usage, ai_concern_level
INTO NAME field VALUE level
