"""Agreement and crowd metrics on rank arrays (one row per ranking, one column per letter), vectorised in numpy.

A rank array holds each letter's tie-group position (1 = best, as in `assessment_ranks.rank`); a row with a
0 anywhere is a missing ranking. Every function takes whole arrays so the build never loops per assessment.
"""

from __future__ import annotations

import numpy as np

from core.rankings.grammar import Ranks

N_LETTERS = 4
# The six unordered pairs of letters (i < j), as two index arrays.
PAIR_I, PAIR_J = np.triu_indices(N_LETTERS, k=1)


def present(ranks: np.ndarray) -> np.ndarray:
    """True for rows that hold a complete ranking."""
    return np.asarray((ranks > 0).all(axis=-1))


def pair_signs(ranks: np.ndarray) -> np.ndarray:
    """Sign of each pair's order: +1 when the first letter is ahead, -1 behind, 0 tied (shape ... × 6)."""
    return np.sign(ranks[..., PAIR_J].astype(np.int64) - ranks[..., PAIR_I])


def pairwise_counts(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pairs ordered the same way, pairs both order strictly) per row of two rank arrays."""
    sx, sy = pair_signs(x), pair_signs(y)
    kept = (sx != 0) & (sy != 0)
    return (kept & (sx == sy)).sum(axis=-1), kept.sum(axis=-1)


def pairwise_agreement(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(value, defined) per row: share of strictly ordered pairs ordered alike; undefined when no pair is kept."""
    same, kept = pairwise_counts(x, y)
    defined = (kept > 0) & present(x) & present(y)
    value = np.divide(same, kept, out=np.zeros(same.shape, dtype=float), where=defined)
    return value, defined


def single_top(ranks: np.ndarray) -> np.ndarray:
    """Index (0 = A) of the single first choice per row, -1 when first place is shared or the row is missing."""
    firsts = ranks == 1
    top = np.argmax(firsts, axis=-1)
    return np.where((firsts.sum(axis=-1) == 1) & present(ranks), top, -1)


def top_agreement(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(value, defined) per row: 1 when both single first choices are the same letter, 0 when they differ."""
    tx, ty = single_top(x), single_top(y)
    defined = (tx >= 0) & (ty >= 0)
    return (defined & (tx == ty)).astype(float), defined


AGREEMENT_METRICS = {"pairwise": pairwise_agreement, "top": top_agreement}


def mid_ranks(ranks: np.ndarray) -> np.ndarray:
    """Mid-ranks 1–4 (tied letters share the mean of the places they span): `A>B=C>D` gives 1, 2.5, 2.5, 4."""
    r = ranks[..., :, None]
    others = ranks[..., None, :]
    ahead = (others < r).sum(axis=-1)
    tied = (others == r).sum(axis=-1)  # includes the letter itself
    return ahead + (tied + 1) / 2.0


def tie_term(ranks: np.ndarray) -> np.ndarray:
    """Σ (t³ − t) over a ranking's tie groups, per row (Kendall's tie correction)."""
    tied = (ranks[..., None, :] == ranks[..., :, None]).sum(axis=-1)
    # A group of size t has t letters each with `tied` = t, so Σ_letters (t² − 1) = Σ_groups (t³ − t).
    return (tied**2 - 1).sum(axis=-1)


def kendall_w(rank_sums: np.ndarray, n_raters: np.ndarray, tie_sums: np.ndarray) -> np.ndarray:
    """Kendall's W with the tie correction from per-group mid-rank sums (… × 4), rater counts and Σ tie terms.

    W = 12 S / (m²(n³ − n) − m Σ T), S = Σ_i (R_i − m(n + 1)/2)². NaN when m < 2 or every rater tied everything.
    """
    n = rank_sums.shape[-1]
    m = np.asarray(n_raters, dtype=float)
    s = ((rank_sums - m[..., None] * (n + 1) / 2.0) ** 2).sum(axis=-1)
    denom = m**2 * (n**3 - n) - m * tie_sums
    ok = (m >= 2) & (denom > 0)
    return np.where(ok, 12.0 * s / np.where(ok, denom, 1.0), np.nan)


def normalised_entropy(counts: np.ndarray) -> np.ndarray:
    """Shannon entropy of count rows divided by log(number of columns): 0 unanimous, 1 even; NaN for empty rows."""
    total = counts.sum(axis=-1, keepdims=True)
    p = np.divide(counts, total, out=np.zeros(counts.shape, dtype=float), where=total > 0)
    logs = np.log(p, out=np.zeros_like(p), where=p > 0)
    h = -(p * logs).sum(axis=-1) / np.log(counts.shape[-1])
    return np.where(total[..., 0] > 0, np.abs(h), np.nan)


def borda_points(ranks: np.ndarray) -> np.ndarray:
    """Borda points per letter: 3 for first … 0 for last; tied letters share the mean of their places' points."""
    return N_LETTERS - mid_ranks(ranks)


def order_from_scores(scores: np.ndarray) -> np.ndarray:
    """Tie-group positions (1 = highest score, equal scores share a position) per row of scores."""
    higher = scores[..., None, :] > scores[..., :, None]
    # Position = 1 + number of distinct scores above this one.
    distinct_above = np.zeros(scores.shape, dtype=np.int64)
    for j in range(scores.shape[-1]):
        first_of_value = (scores[..., :j] != scores[..., j : j + 1]).all(axis=-1)
        distinct_above += higher[..., :, j] & first_of_value[..., None]
    return distinct_above + 1


def total_variation(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Total-variation distance ½ Σ |p − q| between distributions along the last axis."""
    return 0.5 * np.abs(p - q).sum(axis=-1)


def reversed_pairs(world: np.ndarray, personal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(strict world pairs ordered the opposite way in personal, strict world pairs) per row."""
    sw, sp = pair_signs(world), pair_signs(personal)
    strict = sw != 0
    return (strict & (sp == -sw)).sum(axis=-1), strict.sum(axis=-1)


def wilson_interval(k: np.ndarray, n: np.ndarray, z: float = 1.959963984540054) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score 95% interval for k successes of n; NaN where n = 0."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    safe = np.where(n > 0, n, 1.0)
    p = k / safe
    centre = (p + z**2 / (2 * safe)) / (1 + z**2 / safe)
    half = z * np.sqrt(p * (1 - p) / safe + z**2 / (4 * safe**2)) / (1 + z**2 / safe)
    low = np.clip(centre - half, 0.0, 1.0)
    high = np.clip(centre + half, 0.0, 1.0)
    return np.where(n > 0, low, np.nan), np.where(n > 0, high, np.nan)


def to_array(ranks: Ranks, letters: tuple[str, ...] = ("A", "B", "C", "D")) -> np.ndarray:
    """One parsed ranking as a rank row in letter order."""
    return np.array([ranks[x] for x in letters], dtype=np.int64)


def pairwise_agreement_one(a: Ranks, b: Ranks) -> float | None:
    """Pairwise agreement of two parsed rankings; None when no pair is ordered strictly by both."""
    value, defined = pairwise_agreement(to_array(a), to_array(b))
    return float(value) if defined else None


def top_agreement_one(a: Ranks, b: Ranks) -> float | None:
    """Top-choice agreement of two parsed rankings; None unless both have a single first choice."""
    value, defined = top_agreement(to_array(a), to_array(b))
    return float(value) if defined else None
