-- The crowd layer (core/stats/crowd*.py; see docs/data-model.md and docs/methodology.md); replaced on rebuild.
CREATE OR REPLACE TABLE crowd_overall (
    measure VARCHAR, block VARCHAR, metric VARCHAR,
    estimate DOUBLE, ci_low DOUBLE, ci_high DOUBLE, n_participants INTEGER, n_assessments INTEGER
);
CREATE OR REPLACE TABLE crowd_group (
    measure VARCHAR, block VARCHAR, metric VARCHAR, field VARCHAR, level VARCHAR,
    estimate DOUBLE, ci_low DOUBLE, ci_high DOUBLE, n_participants INTEGER, n_assessments INTEGER,
    rest_estimate DOUBLE, rest_n_participants INTEGER,
    difference DOUBLE, difference_ci_low DOUBLE, difference_ci_high DOUBLE
);
CREATE OR REPLACE TABLE crowd_prompt (
    prompt_id VARCHAR, measure VARCHAR, block VARCHAR, metric VARCHAR,
    estimate DOUBLE, ci_low DOUBLE, ci_high DOUBLE, n_assessments INTEGER, n_participants INTEGER
);
CREATE OR REPLACE TABLE crowd_ranker (
    run_id VARCHAR, block VARCHAR, metric VARCHAR, threshold INTEGER, anchor VARCHAR,
    crowd_estimate DOUBLE, crowd_ci_low DOUBLE, crowd_ci_high DOUBLE,
    ranker_estimate DOUBLE, ranker_ci_low DOUBLE, ranker_ci_high DOUBLE,
    difference_ci_low DOUBLE, difference_ci_high DOUBLE,
    n_participants INTEGER, n_assessments INTEGER, n_prompts INTEGER
);
