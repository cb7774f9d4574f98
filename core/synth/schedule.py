"""Who assessed what: each participant's slots (anchor, ordinary, repeated pair, annotator-only) and prompts."""

from __future__ import annotations

import random
from dataclasses import dataclass

from core.synth.population import Participant
from core.synth.prompts import Prompt
from core.synth.scales import Scale


@dataclass
class Slot:
    """One assessment position in a participant's list (annotators.jsonl order)."""

    position: int
    kind: str  # anchor | normal | dup | extra | extra_dup
    long_form: bool
    prompt: int = -1
    copy_of: int | None = None  # position of the slot a repeated pair copies

    @property
    def in_comparisons(self) -> bool:
        return self.kind in ("anchor", "normal", "dup")


def _deal(rng: random.Random, pool: list[int], demands: list[list[Slot]]) -> None:
    """Give each participant's slots distinct prompts from the pool, keeping per-prompt counts balanced."""
    stream: list[int] = []
    ptr = 0
    for slots in demands:
        if len(slots) > len(pool):
            raise ValueError(f"{len(slots)} slots need distinct prompts but the pool has {len(pool)}")
        taken: set[int] = set()
        for slot in slots:
            while len(stream) < ptr + len(pool) + 1:
                stream.extend(rng.sample(pool, len(pool)))
            if stream[ptr] in taken:
                j = next(j for j in range(ptr + 1, len(stream)) if stream[j] not in taken)
                stream[ptr], stream[j] = stream[j], stream[ptr]
            slot.prompt = stream[ptr]
            taken.add(stream[ptr])
            ptr += 1


def _mark(rng: random.Random, people: list[list[Slot]], k: int, pick) -> None:
    """Mark one slot in each of k distinct participants; `pick(slots)` marks one or returns None if ineligible."""
    order = list(range(len(people)))
    rng.shuffle(order)
    marked = 0
    for p in order:
        if marked == k:
            return
        marked += pick(people[p]) is not None
    if marked < k:
        raise ValueError(f"only {marked} of {k} participants eligible")


def build_schedule(scale: Scale, prompts: list[Prompt], people: list[Participant], seed: int) -> list[list[Slot]]:
    """Per participant, their slots with prompts assigned; long-form slots are the first `n_long_form`."""
    rng = random.Random(f"{seed}:schedule")
    anchor = next(p.index for p in prompts if p.is_anchor)
    slots = []
    for person in people:
        row = [Slot(i, "normal", i < person.n_long_form) for i in range(person.n_assessments)]
        short = [s for s in row if not s.long_form]
        # The anchor sits outside the first batch unless the participant only did a first batch.
        (rng.choice(short) if short else row[-1]).kind = "anchor"
        slots.append(row)

    def pick_random(kind: str, long_form: bool):
        def pick(row: list[Slot]) -> Slot | None:
            free = [s for s in row if s.kind == "normal" and s.long_form == long_form]
            if not free or len(row) < 5:
                return None
            chosen = rng.choice(free)
            chosen.kind = kind
            return chosen

        return pick

    _mark(rng, slots, scale.n_extra_long_form, pick_random("extra", True))
    _mark(rng, slots, scale.n_extra_pairs - scale.n_extra_long_form, pick_random("extra", False))

    def pick_copy(kind: str, source_kind: str):
        def pick(row: list[Slot]) -> Slot | None:
            if any(s.kind in ("dup", "extra_dup") for s in row):
                return None
            sources = [s for s in row if s.kind == source_kind and not s.long_form]
            targets = [
                s
                for s in row
                if s.kind == "normal" and not s.long_form and sources and s.position > sources[0].position
            ]
            if not targets:
                return None
            target = rng.choice(targets)
            target.kind = kind
            target.copy_of = rng.choice([s for s in sources if s.position < target.position]).position
            return target

        return pick

    _mark(rng, slots, scale.n_extra_dups, pick_copy("extra_dup", "extra"))
    # Repeated comparisons pairs copy an earlier ordinary short-form slot; the copy needs a later ordinary slot.
    _mark(rng, slots, scale.n_dups, pick_copy("dup", "normal"))

    non_anchor = [p.index for p in prompts if p.in_comparisons and not p.is_anchor]
    rng.shuffle(non_anchor)
    n_lf_pool = max(5, round(scale.long_form_pool_share * len(non_anchor)))
    extra = [p.index for p in prompts if not p.in_comparisons]
    n_extra_lf = max(1, round(len(extra) * scale.n_extra_long_form / (scale.n_extra_pairs + scale.n_extra_dups)))
    pools = {
        ("normal", True): non_anchor[:n_lf_pool],
        ("normal", False): non_anchor[n_lf_pool:],
        ("extra", True): extra[:n_extra_lf],
        ("extra", False): extra[n_extra_lf:],
    }
    order = list(range(len(people)))
    rng.shuffle(order)
    for (kind, long_form), pool in pools.items():
        _deal(rng, pool, [[s for s in slots[p] if s.kind == kind and s.long_form == long_form] for p in order])
    for row in slots:
        for s in row:
            if s.kind == "anchor":
                s.prompt = anchor
            elif s.copy_of is not None:
                s.prompt = row[s.copy_of].prompt
    return slots
