"""The synthetic ranker run (planted reference order, known relevance) and the exact planted truth."""

from __future__ import annotations

import random
from collections import defaultdict

from core.config import SPEC_DEFAULT_VERSION, SPEC_VERSIONS
from core.synth.assessments import Assessment
from core.synth.mixture import expected_agreement
from core.synth.prompts import Prompt, section_titles

RUN_ID = "synthetic-msr-v1"
RUN_FORMAT = "ca-ranker-run/1"
THRESHOLD = 5
# Fixed so that a run regenerates byte for byte; it is not the time of any real ranking.
CREATED_AT = "2025-08-27T00:00:00Z"
TRUTH_DEFINITION = (
    "For each assessment i in comparisons.jsonl (repeated pairs included) let c_i = E[agreement | defined] of "
    "its world ranking with the run's ranking under the generating mixture, by exact enumeration: with "
    "probability q (the prompt's follow probability) the participant's order is the prompt's planted order "
    "(the country order for participants in a country-dependent prompt's countries, else the reference order), "
    "otherwise uniform over the 24 orders; independently a tie shape is drawn from a fixed distribution. "
    "Pairwise = share of letter pairs ordered the same way among pairs both rankings order strictly (undefined "
    "when none, i.e. all-tied); top = 1 if the single first choices match (undefined when the participant's "
    "first place is tied). A section's truth is the mean of c_i over assessments whose prompt has relevance "
    "grade >= 5 for it (exactly the prompts with that primary section); overall is the mean over all "
    "assessments. Definedness depends only on the tie shape, drawn with the same probabilities for every "
    "assessment, so this also equals sum E[a_i 1{defined}] / sum P(defined): the limit of the mean over "
    "defined assessments."
)


def manifest(prompts: list[Prompt], seed: int, scale: str) -> dict:
    n = sum(p.in_comparisons for p in prompts)
    return {
        "format": RUN_FORMAT,
        "run_id": RUN_ID,
        "ranker_name": "Synthetic Model Spec Ranker (planted reference order)",
        "model": "none: synthetic, planted by core.synth",
        "base_url_host": None,
        "spec_version": SPEC_DEFAULT_VERSION,
        "spec_sha256": SPEC_VERSIONS[SPEC_DEFAULT_VERSION]["sha256"],
        "template_version": "synthetic-1",
        "created_at": CREATED_AT,
        "synthetic": True,
        "dataset": {"source": "synthetic", "seed": seed, "scale": scale},
        "parameters": {
            "generator": "core.synth",
            "ranking": "the prompt's planted reference order",
            "relevance": {"primary": 5, "secondary": 4, "other": "uniform 1-3"},
        },
        "counts": {"prompts": n, "ok": n, "failed": 0},
    }


def rankings(prompts: list[Prompt], seed: int) -> list[dict]:
    """One line per comparisons prompt: the planted reference order and a grade for every spec section."""
    rng = random.Random(f"{seed}:ranker")
    titles = section_titles()
    rows = []
    for p in prompts:
        if not p.in_comparisons:
            continue
        relevance = {}
        for anchor in titles:
            relevance[anchor] = 5 if anchor == p.primary else 4 if anchor == p.secondary else rng.randint(1, 3)
        rows.append(
            {
                "prompt_id": p.prompt_id,
                "ranking": ">".join(p.reference),
                "relevance": relevance,
                "rationale": f"Synthetic: {p.reference[0]} best fits '{titles[p.primary]}' (planted order).",
                "usage": {"prompt_tokens": 6000 + rng.randint(200, 1500), "completion_tokens": rng.randint(250, 900)},
                "error": None,
            }
        )
    return rows


def planted_truth(prompts: list[Prompt], assessments: list[Assessment]) -> dict:
    """Mean exact expected agreement per section (grade 5) and overall, world block, plus prompt types."""
    sums: dict[str, list[float]] = defaultdict(lambda: [0.0, 0.0, 0])
    total = [0.0, 0.0, 0]
    for a in assessments:
        pw, tp = expected_agreement(a.prompt.follow, a.follow, a.prompt.reference)
        for acc in (sums[a.prompt.primary], total):
            acc[0] += pw
            acc[1] += tp
            acc[2] += 1
    sections = {
        anchor: {"pairwise": s[0] / s[2], "top": s[1] / s[2], "n_assessments": s[2]}
        for anchor, s in sorted(sums.items())
    }
    shown = [p for p in prompts if p.in_comparisons]
    return {
        "run_id": RUN_ID,
        "block": "world",
        "threshold": THRESHOLD,
        "overall": {"pairwise": total[0] / total[2], "top": total[1] / total[2], "n_assessments": total[2]},
        "sections": sections,
        "prompt_types": {
            "consensus": [p.prompt_id for p in shown if p.kind == "consensus"],
            "contested": [p.prompt_id for p in shown if p.kind == "contested"],
            "country_dependent": {p.prompt_id: list(p.countries) for p in shown if p.kind == "country_dependent"},
        },
        "definition": TRUTH_DEFINITION,
    }
