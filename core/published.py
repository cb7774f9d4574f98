"""Figures the release itself published (dataset card, blog appendix), to set beside the computed ones."""

from __future__ import annotations

import pandas as pd

from core import privacy

SHOWN_COLUMNS = ["source", "figure", "published", "computed", "note"]

# Dataset card: unique prompts, annotators and assessments.
CARD_COUNTS = {"prompts": 1078, "participants": 1012, "assessments": 18384}

# Blog appendix bar charts; the digits were printed run together and were split into counts that sum to
# 1,012 (see shared research notes). Labels follow the release's spelling in annotators.jsonl.
DEMOGRAPHICS = {
    "age": {"18-24": 158, "25-34": 429, "35-44": 233, "45-54": 113, "55-64": 57, "65+": 22},
    "gender": {"Male": 528, "Female": 463, "Non-binary": 17, "Prefer not to say": 4},
    "ai_concern_level": {
        "More excited than concerned": 359,
        "Equally excited and concerned": 453,
        "More concerned than excited": 186,
        "Not sure / No answer": 14,
    },
    "generative_ai_usage": {
        "Almost constantly": 107,
        "Several times a day": 352,
        "About once a day": 117,
        "Several times a week": 249,
        "A few times a month": 119,
        "Only a few times so far": 54,
        "Never": 14,
    },
    "country": {
        "USA": 362,
        "MEX": 142,
        "ZAF": 136,
        "NLD": 117,
        "CHL": 81,
        "GBR": 76,
        "IND": 38,
        "KEN": 23,
        "JPN": 10,
        "CHE": 8,
        "TUR": 6,
    },
}
# Known reasons a computed figure can differ from the published one.
NOTES = {
    ("country", "TUR"): "The blog's chart lists Türkiye with 6 participants; the released file has no participant "
    "living in Türkiye, and the blog's country bars sum to 1,018 rather than 1,012.",
    ("country", "*"): "The blog groups countries with 5 or fewer participants into one bar; those are not listed here.",
    ("*", "order"): "The blog prints some bars in size order rather than label order; the split used here is the "
    "only one that sums to 1,012.",
}
STUDY_LIMITATIONS = (
    "About 1,000 participants who read English, recruited online: not a representative sample of any country "
    "or of the world.",
    "The Model Spec Ranker is itself a model reading the spec; its interpretation can differ from OpenAI's "
    "or from a careful human reader's.",
    "The spec can be read in more than one way, so 'agreement with the spec' depends on that reading.",
    "Questions of legitimacy: who chose the prompts, the responses and the process.",
    "The final spec changes were not checked back with the participants.",
    "Participants disagree with each other; an average can hide real disagreement.",
    "The candidate responses were written before OpenAI's later 'safe completion' work.",
    "Rankings show preferences between given responses, not the trade-offs people would accept.",
)


def comparison(computed_counts: dict[str, int], computed_levels: pd.DataFrame, synthetic: bool) -> pd.DataFrame:
    """Published vs computed, one row per figure, with a note for every mismatch."""
    rows = []
    for key, published in CARD_COUNTS.items():
        rows.append(("Dataset card", key, published, computed_counts.get(key)))
    lookup = {
        (f, lv): int(n)
        for f, lv, n in zip(
            computed_levels["field"], computed_levels["level"], computed_levels["n_participants"], strict=True
        )
    }
    for field, levels in DEMOGRAPHICS.items():
        for level, published in levels.items():
            rows.append((f"Blog appendix: {field}", level, published, lookup.get((field, level), 0)))
    df = pd.DataFrame(rows, columns=["source", "figure", "published", "computed"])
    df["computed"] = df["computed"].astype("Int64")
    df["note"] = [_note(r.source, r.figure, r.published, r.computed, synthetic) for r in df.itertuples()]
    return df


def _note(source: str, figure: str, published: int, computed: object, synthetic: bool) -> str:
    if synthetic:
        return "Synthetic sample: its counts are generated and are not expected to match."
    if computed == published:
        return "matches"
    if source == "Dataset card":
        return "Differs from the dataset card; the build report below lists rejected and flagged rows."
    field = source.removeprefix("Blog appendix: ")
    return NOTES.get((field, figure)) or NOTES[("*", "order")]


def shown(df: pd.DataFrame) -> pd.DataFrame:
    """The comparison as the site may show it: a computed demographic count from fewer than the minimum of
    participants (or one that would give such a count away by subtraction within its field) is blank, with a
    note saying why, as on every other page. The published figures stay: they are OpenAI's own. The dataset
    card's rows are whole-release totals."""
    demographic = df["source"].str.startswith("Blog appendix")
    levels = privacy.apply(df[demographic], n_col="computed", value_cols=[], partition_cols=["source"])
    levels.loc[levels["suppressed"], "note"] = (
        f"Not compared here: {privacy.SUPPRESSED_TEXT} in this data, or protecting such a group."
    )
    card = df[~demographic].assign(suppressed=False, reliability=privacy.RELIABILITY_OK)
    return pd.concat([card, levels], ignore_index=True)[[*SHOWN_COLUMNS, "suppressed"]]
