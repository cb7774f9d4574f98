"""Participants: demographics with exact marginals, assessments per participant, long-form caps."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass

from core.synth import texts
from core.synth.prompts import NAMESPACE
from core.synth.scales import Scale

DEMOGRAPHIC_KEYS = (
    "age",
    "gender",
    "education_level",
    "country_of_residence",
    "generative_ai_usage",
    "ai_concern_level",
    "ideal-model-behavior",
)
LONG_FORM_CAP = 5
FILL_RANGE = (8, 20)  # assessments per participant outside the histogram head and the >20 tail


@dataclass
class Participant:
    index: int
    annotator_id: str
    demographics: dict[str, str]
    n_assessments: int  # in annotators.jsonl
    n_long_form: int  # first batch: personal and unacceptable asked

    @property
    def country(self) -> str:
        return self.demographics["country_of_residence"]


def assessment_counts(scale: Scale, rng: random.Random) -> list[int]:
    """Per-participant counts: the fixed head, n_over_20 in 21-39, the rest in 8-20, summing exactly."""
    counts = [n for n, c in scale.head for _ in range(c)]
    over = [rng.randint(21, 39) for _ in range(scale.n_over_20)]
    n_rest = scale.n_participants - len(counts) - len(over)
    rest_total = scale.n_annotator_assessments - sum(counts) - sum(over)
    lo, hi = FILL_RANGE
    if not lo * n_rest <= rest_total <= hi * n_rest:
        raise ValueError(f"scale {scale.name}: {rest_total} assessments cannot fill {n_rest} participants")
    base, extra = divmod(rest_total, n_rest)
    rest = [base + 1] * extra + [base] * (n_rest - extra)
    # Spread the counts out without changing the sum, so the histogram is not a spike.
    for _ in range(2 * n_rest):
        i, j, d = rng.randrange(n_rest), rng.randrange(n_rest), rng.randint(1, 4)
        if rest[i] - d >= lo and rest[j] + d <= hi:
            rest[i] -= d
            rest[j] += d
    counts += over + rest
    rng.shuffle(counts)
    return counts


def make_population(scale: Scale, seed: int) -> list[Participant]:
    rng = random.Random(f"{seed}:population")
    n = scale.n_participants
    columns = {}
    for field, levels in scale.demographics.items():
        values = [label for label, count in levels.items() for _ in range(count)]
        if len(values) != n:
            raise ValueError(f"scale {scale.name}: {field} sums to {len(values)}, not {n}")
        rng.shuffle(values)
        columns[field] = values
    counts = assessment_counts(scale, rng)
    long_form = [min(LONG_FORM_CAP, c) for c in counts]
    # A few participants with a full first batch still answered only 3 long-form questions (as released).
    for i in rng.sample([i for i, c in enumerate(counts) if c >= LONG_FORM_CAP], scale.n_short_long_form):
        long_form[i] = 3
    people = []
    for i in range(n):
        demo = {key: columns[key][i] for key in DEMOGRAPHIC_KEYS[:-1]}
        demo["ideal-model-behavior"] = texts.ideal_behavior(rng, long=scale.text_length > 300)
        people.append(
            Participant(i, str(uuid.uuid5(NAMESPACE, f"{seed}:annotator:{i}")), demo, counts[i], long_form[i])
        )
    return people
