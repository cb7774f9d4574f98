-- Rubric tables (docs/data-model.md, "Rubrics"): created on every build, empty when the source has no rubric file.
CREATE TABLE rubric_conversations (
    rubric_row INTEGER PRIMARY KEY,
    source_line INTEGER,
    conversation_id VARCHAR,
    n_turns INTEGER,
    first_user_text VARCHAR,
    status VARCHAR,
    prompt_id VARCHAR,
    match_score DOUBLE,
    runner_up_prompt_id VARCHAR,
    runner_up_score DOUBLE,
    reason VARCHAR,
    n_items INTEGER,
    n_core INTEGER
);
CREATE TABLE rubric_items (
    rubric_row INTEGER,
    item_index INTEGER,
    rubric_item_id VARCHAR,
    prompt_id VARCHAR,
    criterion VARCHAR,
    kind VARCHAR,
    n_scores INTEGER
);
CREATE TABLE rubric_scores (rubric_row INTEGER, item_index INTEGER, annotator_id VARCHAR, score INTEGER);
CREATE TABLE rubric_core (rubric_row INTEGER, prompt_id VARCHAR, position INTEGER, criterion VARCHAR);
CREATE TABLE rubric_summary (key VARCHAR PRIMARY KEY, value BIGINT);
CREATE TABLE rubric_item_stats (
    prompt_id VARCHAR,
    rubric_row INTEGER,
    item_index INTEGER,
    kind VARCHAR,
    criterion VARCHAR,
    n_participants INTEGER,
    mean_weight DOUBLE,
    ci_low DOUBLE,
    ci_high DOUBLE,
    sd DOUBLE,
    share_positive DOUBLE,
    share_negative DOUBLE,
    country_spread DOUBLE,
    country_spread_pair VARCHAR,
    n_countries_eligible INTEGER
);
CREATE TABLE rubric_item_country (
    prompt_id VARCHAR,
    rubric_row INTEGER,
    item_index INTEGER,
    country VARCHAR,
    n_participants INTEGER,
    mean_weight DOUBLE,
    ci_low DOUBLE,
    ci_high DOUBLE
);
CREATE TABLE rubric_kind_shares (
    kind VARCHAR PRIMARY KEY,
    n_items BIGINT,
    n_positive BIGINT,
    n_negative BIGINT,
    n_zero BIGINT,
    share_positive DOUBLE,
    ci_low DOUBLE,
    ci_high DOUBLE,
    n_scores BIGINT,
    share_scores_negative DOUBLE,
    n_prompts BIGINT,
    n_participants BIGINT
);
