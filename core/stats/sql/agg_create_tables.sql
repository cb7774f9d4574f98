-- Precomputed statistics written from numpy (see docs/data-model.md and docs/methodology.md); replaced on rebuild.
CREATE OR REPLACE TABLE agreement_overall (
    run_id VARCHAR, block VARCHAR, metric VARCHAR,
    estimate DOUBLE, ci_low DOUBLE, ci_high DOUBLE, n_participants INTEGER, n_assessments INTEGER,
    ci_low_2w DOUBLE, ci_high_2w DOUBLE, n_prompts INTEGER, n_no_value INTEGER, tied_pair_share DOUBLE,
    matched_world DOUBLE, matched_personal DOUBLE, matched_diff_low DOUBLE, matched_diff_high DOUBLE,
    n_matched INTEGER
);
CREATE OR REPLACE TABLE agreement_section (
    run_id VARCHAR, block VARCHAR, metric VARCHAR, threshold INTEGER, anchor VARCHAR,
    estimate DOUBLE, ci_low DOUBLE, ci_high DOUBLE, n_participants INTEGER, n_assessments INTEGER,
    n_prompts INTEGER, rank INTEGER, rank_best INTEGER, rank_worst INTEGER, tie_group INTEGER,
    ci_low_2w DOUBLE, ci_high_2w DOUBLE, rank_best_2w INTEGER, rank_worst_2w INTEGER,
    diff_low DOUBLE, diff_high DOUBLE, p_diff DOUBLE, diff_low_2w DOUBLE, diff_high_2w DOUBLE, p_diff_2w DOUBLE,
    anchor_share DOUBLE
);
CREATE OR REPLACE TABLE agreement_group (
    run_id VARCHAR, block VARCHAR, metric VARCHAR, field VARCHAR, level VARCHAR,
    estimate DOUBLE, ci_low DOUBLE, ci_high DOUBLE, n_participants INTEGER, n_assessments INTEGER,
    diff_low DOUBLE, diff_high DOUBLE, p_diff DOUBLE, ci_low_2w DOUBLE, ci_high_2w DOUBLE,
    diff_low_2w DOUBLE, diff_high_2w DOUBLE, p_diff_2w DOUBLE, n_prompts INTEGER, n_no_value INTEGER,
    tied_pair_share DOUBLE
);
CREATE OR REPLACE TABLE agreement_section_group (
    run_id VARCHAR, block VARCHAR, metric VARCHAR, threshold INTEGER, anchor VARCHAR, field VARCHAR, level VARCHAR,
    estimate DOUBLE, ci_low DOUBLE, ci_high DOUBLE, n_participants INTEGER, n_assessments INTEGER,
    diff_low DOUBLE, diff_high DOUBLE, p_diff DOUBLE, n_prompts INTEGER
);
CREATE OR REPLACE TABLE agreement_without_anchor (
    run_id VARCHAR, block VARCHAR, metric VARCHAR, threshold INTEGER, anchor VARCHAR, field VARCHAR, level VARCHAR,
    estimate DOUBLE, ci_low DOUBLE, ci_high DOUBLE, ci_low_2w DOUBLE, ci_high_2w DOUBLE,
    n_participants INTEGER, n_assessments INTEGER, n_prompts INTEGER,
    rank_best INTEGER, rank_worst INTEGER, rank_best_2w INTEGER, rank_worst_2w INTEGER
);
CREATE OR REPLACE TABLE anchor_prompts (
    prompt_id VARCHAR, n_participants INTEGER, n_assessments INTEGER, share_of_assessments DOUBLE
);
CREATE OR REPLACE TABLE participant_agreement (
    run_id VARCHAR, block VARCHAR, metric VARCHAR, annotator_id VARCHAR, n_assessments INTEGER, mean_agreement DOUBLE
);
CREATE OR REPLACE TABLE prompt_stats (
    prompt_id VARCHAR, block VARCHAR, n_assessments INTEGER, n_participants INTEGER, n_single_top INTEGER,
    top_entropy DOUBLE, kendall_w DOUBLE, contestedness DOUBLE, crowd_order VARCHAR,
    borda_A DOUBLE, borda_B DOUBLE, borda_C DOUBLE, borda_D DOUBLE,
    country_divergence DOUBLE, country_divergence_pair VARCHAR, n_countries_eligible INTEGER,
    personal_world_divergence DOUBLE, n_personal_assessments INTEGER
);
CREATE OR REPLACE TABLE prompt_first_choice (
    prompt_id VARCHAR, block VARCHAR, letter VARCHAR, n_first INTEGER, n_single_top INTEGER,
    share DOUBLE, ci_low DOUBLE, ci_high DOUBLE, n_participants INTEGER
);
CREATE OR REPLACE TABLE prompt_country_first_choice (
    prompt_id VARCHAR, block VARCHAR, country VARCHAR, letter VARCHAR,
    n_participants INTEGER, n_single_top INTEGER, n_first INTEGER, share DOUBLE
);
CREATE OR REPLACE TABLE prompt_ranker (
    run_id VARCHAR, prompt_id VARCHAR, block VARCHAR, ranker_ranking VARCHAR, crowd_order VARCHAR,
    crowd_ranker_pairwise DOUBLE, top_differs BOOLEAN, mean_agreement DOUBLE,
    n_assessments INTEGER, n_participants INTEGER
);
