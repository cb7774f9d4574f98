-- Spec and ranker tables (docs/data-model.md), created empty so a store without runs still has them.
CREATE OR REPLACE TABLE spec_sections (
    spec_version VARCHAR NOT NULL,
    anchor VARCHAR NOT NULL,
    title VARCHAR NOT NULL,
    level INTEGER NOT NULL,
    parent VARCHAR,
    chapter VARCHAR NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (spec_version, anchor)
);
CREATE OR REPLACE TABLE ranker_runs (
    run_id VARCHAR PRIMARY KEY,
    ranker_name VARCHAR,
    model VARCHAR,
    base_url_host VARCHAR,
    spec_version VARCHAR,
    spec_sha256 VARCHAR,
    template_version VARCHAR,
    created_at VARCHAR,
    synthetic BOOLEAN NOT NULL,
    parameters VARCHAR,
    n_prompts INTEGER NOT NULL,
    n_ok INTEGER NOT NULL,
    n_failed INTEGER NOT NULL,
    n_matched INTEGER NOT NULL,
    dataset_source VARCHAR,
    dataset_revision VARCHAR,
    dataset_resolved_commit VARCHAR
);
CREATE OR REPLACE TABLE ranker_rankings (
    run_id VARCHAR NOT NULL,
    prompt_id VARCHAR NOT NULL,
    ranking VARCHAR,
    top VARCHAR,
    rationale VARCHAR,
    prompt_tokens BIGINT,
    completion_tokens BIGINT,
    error VARCHAR,
    PRIMARY KEY (run_id, prompt_id)
);
CREATE OR REPLACE TABLE ranker_ranks (
    run_id VARCHAR NOT NULL,
    prompt_id VARCHAR NOT NULL,
    letter VARCHAR NOT NULL,
    rank INTEGER NOT NULL,
    PRIMARY KEY (run_id, prompt_id, letter)
);
CREATE OR REPLACE TABLE section_relevance (
    run_id VARCHAR NOT NULL,
    prompt_id VARCHAR NOT NULL,
    anchor VARCHAR NOT NULL,
    grade INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 5),
    PRIMARY KEY (run_id, prompt_id, anchor)
);
