-- Release tables of the store (docs/data-model.md). Statistics and ranker tables are created by their own modules.
CREATE TABLE prompts (
    prompt_id VARCHAR PRIMARY KEY,
    source_line INTEGER,
    n_turns INTEGER,
    turns_user INTEGER,
    turns_assistant INTEGER,
    first_user_text VARCHAR,
    n_assessments INTEGER,
    n_participants INTEGER,
    is_anchor BOOLEAN,
    content_notice BOOLEAN
);
CREATE TABLE messages (prompt_id VARCHAR, turn INTEGER, role VARCHAR, content VARCHAR);
CREATE TABLE responses (prompt_id VARCHAR, letter VARCHAR, content VARCHAR);
CREATE TABLE annotators (
    annotator_id VARCHAR PRIMARY KEY,
    source_line INTEGER,
    age VARCHAR,
    gender VARCHAR,
    education_level VARCHAR,
    country_of_residence VARCHAR,
    country VARCHAR,
    country_iso2 VARCHAR,
    generative_ai_usage VARCHAR,
    ai_concern_level VARCHAR,
    ideal_model_behavior VARCHAR,
    n_assessments INTEGER
);
CREATE TABLE assessments (
    assessment_id INTEGER PRIMARY KEY,
    source_line INTEGER,
    prompt_id VARCHAR,
    annotator_id VARCHAR,
    world_ranking VARCHAR,
    world_rationale VARCHAR,
    personal_ranking VARCHAR,
    personal_rationale VARCHAR,
    unacceptable_asked BOOLEAN,
    unacceptable_letters VARCHAR,
    unacceptable_rationale VARCHAR,
    importance VARCHAR,
    subjectivity VARCHAR,
    representativeness VARCHAR,
    is_duplicate_pair BOOLEAN,
    world_top VARCHAR,
    personal_top VARCHAR
);
CREATE TABLE assessment_ranks (assessment_id INTEGER, block VARCHAR, letter VARCHAR, rank INTEGER);
CREATE TABLE annotator_only_assessments (
    annotator_id VARCHAR,
    conversation_id VARCHAR,
    source_line INTEGER,
    world_ranking VARCHAR,
    personal_ranking VARCHAR,
    importance VARCHAR,
    subjectivity VARCHAR,
    representativeness VARCHAR,
    reason VARCHAR
);
CREATE TABLE build_files (
    file VARCHAR PRIMARY KEY, input_rows BIGINT, accepted BIGINT, rejected BIGINT, sha256 VARCHAR, bytes BIGINT,
    loader VARCHAR
);
CREATE TABLE build_assessment_counts (
    file VARCHAR PRIMARY KEY, input_assessments BIGINT, accepted BIGINT, rejected BIGINT
);
CREATE TABLE build_report (
    file VARCHAR, "check" VARCHAR, severity VARCHAR, "count" BIGINT, description VARCHAR, examples VARCHAR
);
CREATE TABLE build_stages (stage VARCHAR, seconds DOUBLE);
CREATE TABLE manifest (key VARCHAR PRIMARY KEY, value VARCHAR);
