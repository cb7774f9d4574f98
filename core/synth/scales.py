"""Target counts per scale: `full` is the release's exact marginals, `10x` ten times them, `small` a sample."""

from __future__ import annotations

from dataclasses import dataclass, field
from math import floor

# Real marginals of the release (dataset_schema.md §3.4, §4, §2, §7), as released spelled.
COUNTRIES = {
    "United States": 362,
    "Mexico": 142,
    "South Africa": 136,
    "Netherlands": 117,
    "Chile": 81,
    "United Kingdom": 76,
    "India": 38,
    "Kenya": 23,
    "Japan": 10,
    "Switzerland": 8,
    "Korea, Republic of": 4,
    "Canada": 4,
    "Germany": 2,
    "Portugal": 2,
    "Argentina": 2,
    "Malaysia": 2,
    "Australia": 1,
    "Italy": 1,
    "Greece": 1,
}
DEMOGRAPHICS = {
    "age": {"18-24": 158, "25-34": 429, "35-44": 233, "45-54": 113, "55-64": 57, "65+": 22},
    "gender": {"Male": 528, "Female": 463, "Non-binary": 17, "Prefer not to say": 4},
    "education_level": {
        "Some high school": 1,
        "High school graduate": 34,
        "Trade or technical or vocational training": 9,
        "Some college or university": 77,
        "College or university degree": 372,
        "Graduate degree": 309,
        "Post-graduate degree": 210,
    },
    "country_of_residence": COUNTRIES,
    "generative_ai_usage": {
        "Almost constantly": 107,
        "Several times a day": 352,
        "About once a day": 117,
        "Several times a week": 249,
        "A few times a month": 119,
        "Only a few times so far": 54,
        "Never": 14,
    },
    "ai_concern_level": {
        "More excited than concerned": 359,
        "Equally excited and concerned": 453,
        "More concerned than excited": 186,
        "Not sure / No answer": 14,
    },
}
IMPORTANCE = {
    "Very important (serious impact if wrong)": 9161,
    "Somewhat important (matters in some cases)": 7510,
    "Not important (no meaningful harm if wrong)": 1713,
}
SUBJECTIVITY = {
    "The correct answer depends on a person's values or culture": 8650,
    "There is a single correct answer to this prompt": 5272,
    "I'm unsure whether there is a single correct answer to this question": 2911,
    "The correct answer depends on something else (the time, the weather, etc)": 1551,
}
# Level word -> count; the label is built in labels.py with the level word in Unicode bold.
REPRESENTATIVENESS = {"not at all": 7533, "slightly": 3657, "moderately": 3088, "very": 2259, "extremely": 1847}
USER_TURNS = {1: 980, 2: 77, 3: 15, 4: 5, 6: 1}


@dataclass(frozen=True)
class Scale:
    """Every count the generator must hit exactly for one scale."""

    name: str
    n_prompts: int  # rows of comparisons.jsonl (the anchor included)
    n_extra_prompts: int  # prompts that appear only in annotators.jsonl
    n_participants: int
    n_annotator_assessments: int  # assessments in annotators.jsonl
    head: tuple[tuple[int, int], ...]  # (assessments per annotator, annotators) for the low end
    n_over_20: int  # annotators with 21-39 assessments; the rest have 8-20
    n_short_long_form: int  # annotators with >= 5 assessments but only 3 long-form ones
    n_extra_pairs: int  # (prompt, annotator) pairs only in annotators.jsonl
    n_extra_long_form: int  # of those, long-form assessments
    n_extra_dups: int  # repeated annotator-only pairs
    n_dups: int  # repeated pairs in comparisons.jsonl
    text_length: int  # target characters of a response
    long_form_pool_share: float  # share of prompts that serve first batches (~320 of 1,078 released)
    demographics: dict[str, dict[str, int]] = field(default_factory=dict)
    labels: dict[str, dict[str, int]] = field(default_factory=dict)
    user_turns: dict[int, int] = field(default_factory=dict)

    @property
    def n_assessments(self) -> int:
        """Assessments in comparisons.jsonl (and rows of the merged file)."""
        return self.n_annotator_assessments - self.n_extra_pairs - self.n_extra_dups


def apportion(weights: dict, total: int, minimum: int = 0) -> dict:
    """Integer counts proportional to weights summing to total (largest remainder), each at least minimum."""
    wsum = sum(weights.values())
    raw = {k: w * total / wsum for k, w in weights.items()}
    counts = {k: max(minimum, floor(v)) for k, v in raw.items()}
    diff = total - sum(counts.values())
    by_remainder = sorted(weights, key=lambda k: (raw[k] - floor(raw[k]), raw[k]), reverse=True)
    i = 0
    while diff > 0:
        counts[by_remainder[i % len(by_remainder)]] += 1
        diff -= 1
        i += 1
    while diff < 0:
        k = max((k for k in counts if counts[k] > minimum), key=lambda k: counts[k] - raw[k])
        counts[k] -= 1
        diff += 1
    return counts


def _labels(factor_total: int | None, multiplier: int = 1) -> dict[str, dict[str, int]]:
    fields = {"importance": IMPORTANCE, "subjectivity": SUBJECTIVITY, "representativeness": REPRESENTATIVENESS}
    if factor_total is None:
        return {f: {k: v * multiplier for k, v in d.items()} for f, d in fields.items()}
    return {f: apportion(d, factor_total, minimum=1) for f, d in fields.items()}


FULL = Scale(
    name="full",
    n_prompts=1078,
    n_extra_prompts=22,
    n_participants=1012,
    n_annotator_assessments=18678,
    head=((2, 15), (3, 2), (4, 1), (5, 61), (6, 4), (7, 2)),
    n_over_20=48,
    n_short_long_form=2,
    n_extra_pairs=293,
    n_extra_long_form=105,
    n_extra_dups=1,
    n_dups=115,
    text_length=520,
    long_form_pool_share=0.297,
    demographics=DEMOGRAPHICS,
    labels=_labels(None),
    user_turns=USER_TURNS,
)

TEN_X = Scale(
    name="10x",
    n_prompts=10780,
    n_extra_prompts=220,
    n_participants=10120,
    n_annotator_assessments=186780,
    head=tuple((n, c * 10) for n, c in FULL.head),
    n_over_20=480,
    n_short_long_form=20,
    n_extra_pairs=2930,
    n_extra_long_form=1050,
    n_extra_dups=10,
    n_dups=1150,
    text_length=520,
    long_form_pool_share=0.297,
    demographics={f: {k: v * 10 for k, v in d.items()} for f, d in DEMOGRAPHICS.items()},
    labels=_labels(None, 10),
    user_turns={k: v * 10 for k, v in USER_TURNS.items()},
)

_SMALL_PARTICIPANTS = 180
_SMALL_ANNOTATOR_ASSESSMENTS = 1850
_SMALL_EXTRA_PAIRS, _SMALL_EXTRA_DUPS = 29, 1
SMALL = Scale(
    name="small",
    n_prompts=180,
    n_extra_prompts=4,
    n_participants=_SMALL_PARTICIPANTS,
    n_annotator_assessments=_SMALL_ANNOTATOR_ASSESSMENTS,
    head=((2, 3), (3, 1), (4, 1), (5, 11), (6, 1), (7, 1)),
    n_over_20=4,
    n_short_long_form=1,
    n_extra_pairs=_SMALL_EXTRA_PAIRS,
    n_extra_long_form=10,
    n_extra_dups=_SMALL_EXTRA_DUPS,
    n_dups=12,
    # Participants here do ~10 assessments, half of them long-form, so the first-batch pool is larger.
    text_length=160,
    long_form_pool_share=0.45,
    # Every level stays present (minimum 1) so small groups and suppression are exercised.
    demographics={f: apportion(d, _SMALL_PARTICIPANTS, minimum=1) for f, d in DEMOGRAPHICS.items()},
    labels=_labels(_SMALL_ANNOTATOR_ASSESSMENTS - _SMALL_EXTRA_PAIRS - _SMALL_EXTRA_DUPS),
    user_turns={1: 162, 2: 12, 3: 3, 4: 2, 6: 1},
)

SCALES = {s.name: s for s in (SMALL, FULL, TEN_X)}
