"""The generated data in memory: prompts, participants' assessments and the comparisons view of them."""

from __future__ import annotations

from dataclasses import dataclass

from core.synth.assessments import Assessment, make_assessments
from core.synth.population import make_population
from core.synth.prompts import Prompt, design_prompts
from core.synth.scales import SCALES
from core.synth.schedule import build_schedule


@dataclass
class Synthetic:
    """Everything the generator planted, before it is written (tests read the planted structure here)."""

    scale: str
    seed: int
    prompts: list[Prompt]
    rows: list[list[Assessment]]  # per participant, annotators.jsonl order

    def by_prompt(self) -> dict[int, list[Assessment]]:
        """Comparisons assessments per prompt index, in comparisons.jsonl order."""
        groups: dict[int, list[Assessment]] = {p.index: [] for p in self.prompts}
        for row in self.rows:
            for a in row:
                if a.slot.in_comparisons:
                    groups[a.prompt.index].append(a)
        return groups

    @property
    def comparisons(self) -> list[Assessment]:
        """Assessments in comparisons.jsonl (and merged) order."""
        groups = self.by_prompt()
        return [a for p in self.prompts for a in groups[p.index]]


def synthesize(scale_name: str, seed: int) -> Synthetic:
    scale = SCALES[scale_name]
    prompts = design_prompts(scale, seed)
    people = make_population(scale, seed)
    slots = build_schedule(scale, prompts, people, seed)
    return Synthetic(scale_name, seed, prompts, make_assessments(scale, prompts, people, slots, seed))
