"""A synthetic release built to contain small groups: many countries and levels with 1-12 participants."""
from __future__ import annotations

import dataclasses
from pathlib import Path

from core.synth import generate as synth_generate
from core.synth.assessments import make_assessments
from core.synth.dataset import Synthetic
from core.synth.population import make_population
from core.synth.prompts import design_prompts
from core.synth.scales import SMALL
from core.synth.schedule import build_schedule

SMALL_GROUPS_SEED = 1010
# 180 participants. Countries and levels sit on both sides of the minimum of 10: 12, 11, 10, 9, 8 ... 1, so
# every kind of partition has cells just above, at and below the threshold, and some with a single small cell.
DEMOGRAPHICS = {
    "country_of_residence": {
        "United States": 45, "Mexico": 30, "South Africa": 20, "Netherlands": 12, "Chile": 11,
        "United Kingdom": 10, "India": 9, "Kenya": 9, "Japan": 8, "Switzerland": 7, "Korea, Republic of": 5,
        "Canada": 4, "Germany": 3, "Portugal": 2, "Argentina": 1, "Malaysia": 1, "Australia": 1, "Italy": 1,
        "Greece": 1,
    },
    "age": {"18-24": 9, "25-34": 70, "35-44": 50, "45-54": 30, "55-64": 11, "65+": 10},
    # One small cell next to one just above the minimum: complementary suppression must hide both.
    "gender": {"Male": 85, "Female": 80, "Non-binary": 11, "Prefer not to say": 4},
    "education_level": {
        "Some high school": 1, "High school graduate": 9, "Trade or technical or vocational training": 10,
        "Some college or university": 12, "College or university degree": 70, "Graduate degree": 48,
        "Post-graduate degree": 30,
    },
    "generative_ai_usage": {
        "Almost constantly": 11, "Several times a day": 60, "About once a day": 30, "Several times a week": 40,
        "A few times a month": 20, "Only a few times so far": 9, "Never": 10,
    },
    "ai_concern_level": {
        "More excited than concerned": 70, "Equally excited and concerned": 80, "More concerned than excited": 21,
        "Not sure / No answer": 9,
    },
}
SCALE = dataclasses.replace(SMALL, name="small_groups", demographics=DEMOGRAPHICS)


def synthesize(seed: int = SMALL_GROUPS_SEED) -> Synthetic:
    """The small scale's prompts and schedule with the small-group population."""
    prompts = design_prompts(SCALE, seed)
    people = make_population(SCALE, seed)
    slots = build_schedule(SCALE, prompts, people, seed)
    return Synthetic(SCALE.name, seed, prompts, make_assessments(SCALE, prompts, people, slots, seed))


def generate(out: Path, seed: int = SMALL_GROUPS_SEED) -> dict:
    """Write the release files, ranker run and README; returns the planted truth."""
    return synth_generate.write(synthesize(seed), out)
