"""Prompt design: spec sections, prompt type, planted reference order, follow probability, text."""

from __future__ import annotations

import csv
import random
import uuid
from dataclasses import dataclass

from core.config import LETTERS, SECTIONS_CSV
from core.synth import texts
from core.synth.mixture import Order
from core.synth.scales import Scale, apportion
from core.synth.topics import ANCHOR_QUESTION, ANCHOR_SECONDARY, ANCHOR_TOPIC, TOPIC_BY_ANCHOR, TOPICS

NAMESPACE = uuid.UUID("6f1f3c2e-5b7a-4c7e-9a53-0c0ffee0ca01")
TYPE_WEIGHTS = {"consensus": 15, "contested": 12, "country_dependent": 8, "ordinary": 65}
# Countries large enough at every scale for a country-specific preference to be visible.
DIVERGENT_COUNTRIES = ("Mexico", "South Africa", "Netherlands", "Chile", "United Kingdom")
DEVELOPER_SHARE = 0.08
SECONDARY_SHARE = 0.4


@dataclass
class Prompt:
    """One synthetic prompt and everything planted about it."""

    index: int
    prompt_id: str
    primary: str
    secondary: str | None
    kind: str
    follow: float  # q: probability of following the planted order
    reference: Order  # the ranker's order and, outside `countries`, the crowd's planted order
    countries: tuple[str, ...]  # country-dependent prompts: these countries follow `country_order`
    country_order: Order | None
    in_comparisons: bool
    is_anchor: bool
    messages: list[dict]
    responses: list[dict]

    def order_for(self, country: str) -> Order:
        return self.country_order if self.country_order and country in self.countries else self.reference


def section_titles() -> dict[str, str]:
    """anchor -> title for every section of the spec version the study used."""
    with SECTIONS_CSV.open(encoding="utf-8", newline="") as f:
        return {row["anchor"]: row["title"] for row in csv.DictReader(f)}


def _follow(rng: random.Random, kind: str, level: float) -> float:
    if kind == "consensus":
        return min(0.95, level + 0.2)
    if kind == "contested":
        return round(level * 0.2, 4)
    if kind == "ordinary":
        return round(min(0.95, max(0.05, level + rng.uniform(-0.05, 0.05))), 4)
    return level


def design_prompts(scale: Scale, seed: int) -> list[Prompt]:
    """Comparisons prompts (one of them the anchor) followed by the prompts only in annotators.jsonl."""
    rng = random.Random(f"{seed}:prompts")
    titles = section_titles()
    n_total = scale.n_prompts + scale.n_extra_prompts
    anchor_index = rng.randrange(scale.n_prompts)
    per_topic = apportion({t.anchor: t.weight for t in TOPICS}, n_total - 1)
    topics = [a for a, n in per_topic.items() for _ in range(n)]
    rng.shuffle(topics)
    topics.insert(anchor_index, ANCHOR_TOPIC)
    turns = [k for k, n in scale.user_turns.items() for _ in range(n)]
    rng.shuffle(turns)
    if turns[anchor_index] != 1:
        j = turns.index(1)
        turns[anchor_index], turns[j] = turns[j], turns[anchor_index]
    kinds = list(TYPE_WEIGHTS)
    anchors = [t.anchor for t in TOPICS]
    prompts = []
    for i in range(n_total):
        is_anchor = i == anchor_index
        primary = topics[i]
        topic = TOPIC_BY_ANCHOR[primary]
        kind = "ordinary" if is_anchor else rng.choices(kinds, weights=list(TYPE_WEIGHTS.values()))[0]
        if is_anchor:
            secondary = ANCHOR_SECONDARY
        elif rng.random() < SECONDARY_SHARE:
            secondary = rng.choice([a for a in anchors if a != primary])
        else:
            secondary = None
        reference = tuple(rng.sample(LETTERS, 4))
        countries: tuple[str, ...] = ()
        country_order = None
        if kind == "country_dependent":
            countries = tuple(sorted(rng.sample(DIVERGENT_COUNTRIES, rng.choice((1, 2)))))
            country_order = (reference[1], reference[0], reference[3], reference[2])
        in_comparisons = i < scale.n_prompts
        messages, responses = [], []
        if in_comparisons:
            messages = texts.conversation(
                rng,
                i + 1,
                titles[primary],
                topic,
                turns[i],
                rng.random() < DEVELOPER_SHARE and not is_anchor,
                scale.text_length,
                ANCHOR_QUESTION if is_anchor else None,
            )
            responses = [
                {
                    "response_index": letter,
                    "messages": [
                        {
                            "role": "assistant",
                            "content": texts.response(rng, letter, reference.index(letter), topic, scale.text_length),
                        }
                    ],
                }
                for letter in LETTERS
            ]
        prompts.append(
            Prompt(
                index=i,
                prompt_id=str(uuid.uuid5(NAMESPACE, f"{seed}:prompt:{i}")),
                primary=primary,
                secondary=secondary,
                kind=kind,
                follow=_follow(rng, kind, topic.follow),
                reference=reference,
                countries=countries,
                country_order=country_order,
                in_comparisons=in_comparisons,
                is_anchor=is_anchor,
                messages=messages,
                responses=responses,
            )
        )
    return prompts
