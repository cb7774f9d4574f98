"""Per-assessment crowd measures: agreement with the rest of the crowd, flags, personal against world."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import config
from core.rankings import metrics
from core.stats.inputs import CodedAssessments

# A measure is (name, block, metric); its values are per assessment, with a mask of where they are defined.
AGREEMENT = "agreement"  # with the rest of the crowd, world or personal block, pairwise or top
FLAGGED = "flagged"  # at least one response flagged unacceptable, of the assessments where it was asked
PERSONAL_DIFFERS = "personal_differs"  # personal ranking differs from the world ranking (matched assessments)
PERSONAL_WORLD = "personal_world"  # agreement of the personal with the world ranking (matched assessments)
MATCHED = "matched"  # the block name of the two personal-against-world measures
UNACCEPTABLE = "unacceptable"  # the block name of the flag measure
SHARE = "share"  # the metric name of the two share measures
CHANCE = {"pairwise": 0.5, "top": 0.25}  # a random ranking against any strict order


@dataclass(frozen=True)
class Measure:
    name: str
    block: str
    metric: str


MEASURES: tuple[Measure, ...] = (
    *(Measure(AGREEMENT, b, m) for b in config.BLOCKS for m in config.METRICS),
    Measure(FLAGGED, UNACCEPTABLE, SHARE),
    Measure(PERSONAL_DIFFERS, MATCHED, SHARE),
    *(Measure(PERSONAL_WORLD, MATCHED, m) for m in config.METRICS),
)


def crowd_ranks(release: CodedAssessments, block: str) -> tuple[np.ndarray, np.ndarray]:
    """(crowd order, other raters) per assessment: the tie-group order of the other participants' mid-rank sums.

    For the assessment of prompt p by participant i, the crowd is every ranking of p in `block` by anyone but i
    (all of i's own assessments of p left out). Smaller sum first; equal sums tie. Rows whose crowd is empty get
    rank 0 (no ranking), so every agreement with them is undefined.
    """
    ranks = release.ranks[block]
    has = metrics.present(ranks)
    mid = np.where(has[:, None], metrics.mid_ranks(ranks), 0.0)  # multiples of 0.5: sums are exact in float64
    n_people = len(release.participant_ids)
    key = release.prompt * n_people + release.participant
    _, pair = np.unique(key, return_inverse=True)
    pair = pair.ravel()
    n_pairs = int(pair.max()) + 1 if len(pair) else 0
    n_prompts = len(release.prompt_ids)
    own = np.stack([np.bincount(pair, weights=mid[:, k], minlength=n_pairs) for k in range(4)], axis=1)
    own_n = np.bincount(pair, weights=has, minlength=n_pairs)
    total = np.stack([np.bincount(release.prompt, weights=mid[:, k], minlength=n_prompts) for k in range(4)], axis=1)
    total_n = np.bincount(release.prompt, weights=has, minlength=n_prompts)
    sums = total[release.prompt] - own[pair]
    others = (total_n[release.prompt] - own_n[pair]).astype(np.int64)
    order = metrics.order_from_scores(-sums)  # a smaller sum is a better place
    order[others == 0] = 0
    return order, others


def flags(asked: np.ndarray, letters: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(flagged at least one response, asked) per assessment, from the stored flag columns."""
    asked = np.asarray([bool(a) for a in asked], dtype=bool)
    flagged = np.asarray([bool(x) for x in letters], dtype=bool) & asked
    return flagged.astype(float), asked


def measure_values(release: CodedAssessments, flag_columns: dict[str, np.ndarray]) -> dict[Measure, tuple]:
    """(value, defined) per assessment for every measure in MEASURES."""
    out: dict[Measure, tuple] = {}
    for block in config.BLOCKS:
        crowd, _ = crowd_ranks(release, block)
        for metric in config.METRICS:
            out[Measure(AGREEMENT, block, metric)] = metrics.AGREEMENT_METRICS[metric](release.ranks[block], crowd)
    out[Measure(FLAGGED, UNACCEPTABLE, SHARE)] = flags(
        flag_columns["unacceptable_asked"], flag_columns["unacceptable_letters"]
    )
    world, personal = release.ranks["world"], release.ranks["personal"]
    both = metrics.present(world) & metrics.present(personal)
    differs = (world != personal).any(axis=1)
    out[Measure(PERSONAL_DIFFERS, MATCHED, SHARE)] = (differs.astype(float), both)
    for metric in config.METRICS:
        out[Measure(PERSONAL_WORLD, MATCHED, metric)] = metrics.AGREEMENT_METRICS[metric](personal, world)
    return out
