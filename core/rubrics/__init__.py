"""People's own criteria (openai/coval `conversation_rubrics.jsonl`): read, validate, join to prompts, store."""

# The join summary's keys, in the order `python -m core stats --rubrics` prints them (rubric_summary rows).
SUMMARY_KEYS = (
    "rubric_rows",
    "matched_exact",
    "matched_tolerant",
    "ambiguous",
    "unmatched",
    "prompts_without_rubric",
    "items",
    "scores",
)
