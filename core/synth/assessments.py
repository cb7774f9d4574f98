"""Assessment contents: world/personal rankings from the mixture, unacceptable flags, rationales, labels."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

from core.config import LETTERS
from core.synth import labels as lab
from core.synth import texts
from core.synth.mixture import Order, draw_order, draw_shape, ranking_string, ranks_of, top
from core.synth.population import Participant
from core.synth.prompts import Prompt
from core.synth.scales import Scale
from core.synth.schedule import Slot

PERSONAL_SAME = 0.48  # with reversals that land on the same string, ~53% identical as released
FLAG_SIZES = {1: 62, 2: 25, 3: 7, 4: 6}
LABEL_FIELDS = ("importance", "subjectivity", "representativeness")


@dataclass
class Assessment:
    person: Participant
    prompt: Prompt
    slot: Slot
    blocks: dict
    follow: Order  # the order this participant follows with probability prompt.follow
    labels: dict[str, str]

    def record(self, with_conversation_id: bool) -> dict:
        """The assessment object in the release's key order."""
        out: dict[str, Any] = {"annotator_id": self.person.annotator_id}
        if with_conversation_id:
            out["conversation_id"] = self.prompt.prompt_id
        out["importance"] = self.labels["importance"]
        out["ranking_blocks"] = self.blocks
        out["representativeness"] = self.labels["representativeness"]
        out["subjectivity"] = self.labels["subjectivity"]
        return out


def _personal(rng: random.Random, order: Order, shape: tuple[int, ...], world: str) -> dict:
    """Mostly the world ranking; otherwise top pair swapped, a lower pair swapped, or a new tie shape."""
    if rng.random() < PERSONAL_SAME:
        return {"ranking": world, "rationale": texts.personal_rationale(rng, top(ranks_of(order, shape)), True)}
    o = list(order)
    x = rng.random()
    if x < 0.55:
        o[0], o[1] = o[1], o[0]
    elif x < 0.85:
        i = rng.choice((1, 2))
        o[i], o[i + 1] = o[i + 1], o[i]
    else:
        shape = draw_shape(rng)
    ranking = ranking_string(tuple(o), shape)
    return {
        "ranking": ranking,
        "rationale": texts.personal_rationale(rng, top(ranks_of(tuple(o), shape)), ranking == world),
    }


def _unacceptable(rng: random.Random, order: Order, flag_rate: float) -> dict:
    """Flags lean toward the responses ranked last; `rating: []` means asked and nothing flagged."""
    flagged: list[str] = []
    if rng.random() < flag_rate:
        k = rng.choices(list(FLAG_SIZES), weights=list(FLAG_SIZES.values()))[0]
        flagged = list(order[4 - k :]) if rng.random() < 0.8 else rng.sample(LETTERS, k)
    flagged.sort()
    return {
        "rating": [f"{x} is unacceptable" for x in flagged],
        "rationale": texts.unacceptable_rationale(rng, flagged),
    }


def _blocks(rng: random.Random, prompt: Prompt, follow: Order, long_form: bool, flag_rate: float) -> dict:
    order = draw_order(rng, prompt.follow, follow)
    shape = draw_shape(rng)
    world = ranking_string(order, shape)
    blocks = {
        "world": [{"ranking": world, "rationale": texts.world_rationale(rng, top(ranks_of(order, shape)))}],
        "personal": [],
        "unacceptable": [],
    }
    if long_form:
        blocks["personal"] = [_personal(rng, order, shape, world)]
        blocks["unacceptable"] = [_unacceptable(rng, order, flag_rate)]
    return blocks


def make_assessments(
    scale: Scale, prompts: list[Prompt], people: list[Participant], slots: list[list[Slot]], seed: int
) -> list[list[Assessment]]:
    """Per participant, their assessments in annotators.jsonl order."""
    rng = random.Random(f"{seed}:assessments")
    flag_rate = {p.index: min(0.95, max(0.3, rng.gauss(0.63, 0.15))) for p in prompts}
    result = []
    for person, row in zip(people, slots):
        made: dict[int, Assessment] = {}
        out = []
        for s in row:
            prompt = prompts[s.prompt]
            follow = prompt.order_for(person.country)
            if s.copy_of is not None:
                blocks = made[s.copy_of].blocks  # a repeated pair carries identical ranking blocks
            else:
                blocks = _blocks(rng, prompt, follow, s.long_form, flag_rate[prompt.index])
            a = Assessment(person, prompt, s, blocks, follow, {})
            made[s.position] = a
            out.append(a)
        result.append(out)
    label_rng = random.Random(f"{seed}:labels")
    in_comparisons = [a for row in result for a in row if a.slot.in_comparisons]
    others = [a for row in result for a in row if not a.slot.in_comparisons]
    for field in LABEL_FIELDS:
        counts = scale.labels[field]
        exact = lab.assign_exact(label_rng, [a.prompt.index for a in in_comparisons], counts)
        for a, key in zip(in_comparisons, exact):
            a.labels[field] = lab.wording(field, key)
        for a, key in zip(others, lab.assign_proportional(label_rng, len(others), counts)):
            a.labels[field] = lab.wording(field, key)
    return result
