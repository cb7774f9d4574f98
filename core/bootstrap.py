"""Cluster bootstrap over participants for ratio-of-sums estimates, vectorised over replicates and estimates."""
from __future__ import annotations

import warnings

import numpy as np

CI_LEVEL = 0.95
# Cells (estimates × participants) per dense block of work: bounds each block at ~32 MB of float32.
CELLS = 4_000_000


def resample_counts(n: int, b: int, seed: int) -> np.ndarray:
    """n × B matrix: how often each of n participants is drawn when n are drawn with replacement, per replicate."""
    rng = np.random.default_rng([seed, n])
    draws = rng.integers(0, n, size=(b, n))
    # Participant-major layout: each replicate is a column, so one participant's counts are one row.
    flat = (draws * b + np.arange(b)[:, None]).ravel()
    return np.bincount(flat, minlength=n * b).reshape(n, b).astype(np.float64)


def percentile_interval(replicates: np.ndarray, level: float = CI_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per row of a k × B replicate matrix (linear interpolation); NaN replicates are skipped."""
    q = ((1 - level) / 2, (1 + level) / 2)
    low, high = np.full(len(replicates), np.nan), np.full(len(replicates), np.nan)
    gaps = np.isnan(replicates).any(axis=1)
    if (~gaps).any():
        low[~gaps], high[~gaps] = np.quantile(replicates[~gaps], q, axis=1)
    if gaps.any():
        # A replicate that drew nobody from a small group has no ratio; such groups are never shown anyway.
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            low[gaps], high[gaps] = np.nanquantile(replicates[gaps], q, axis=1)
    return low, high


def cluster_ratio_intervals(
    estimate: np.ndarray, cluster: np.ndarray, num: np.ndarray, cnt: np.ndarray,
    n_estimates: int, n_clusters: int, b: int, seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """95% percentile intervals of Σ num / Σ cnt for many estimates at once.

    Input has one entry per (estimate, participant) with cnt > 0: the participant's index in 0..n_clusters-1, its
    sum of values and its count of values inside that estimate. Every replicate resamples the study's
    participants with replacement (one n_clusters × B multinomial matrix shared by all estimates) and keeps all of
    each drawn participant's assessments; an estimate's replicate is the ratio of its resampled sums. Estimates are
    stacked into dense blocks (estimates × participants) multiplied by that matrix: no loop over replicates.
    Returns (low, high) indexed by estimate; NaN without entries.
    """
    low = np.full(n_estimates, np.nan)
    high = np.full(n_estimates, np.nan)
    if len(estimate) == 0:
        return low, high
    # float32 halves the cost of the products; sums of at most a few hundred thousand small counts stay exact.
    weights = resample_counts(n_clusters, b, seed).astype(np.float32)
    order = np.argsort(estimate, kind="stable")
    estimate, cluster, num, cnt = estimate[order], cluster[order], num[order], cnt[order]
    used, first = np.unique(estimate, return_index=True)
    bounds = np.r_[first, len(estimate)]
    rows = max(64, CELLS // max(n_clusters, 1))  # estimates per block, bounding the block at CELLS cells
    for start in range(0, len(used), rows):
        ids = used[start:start + rows]
        take = slice(bounds[start], bounds[min(start + rows, len(used))])
        local = np.searchsorted(ids, estimate[take])
        k = len(ids)
        block = np.zeros((2 * k, n_clusters), dtype=np.float32)
        block[local, cluster[take]] = num[take]
        block[k + local, cluster[take]] = cnt[take]
        resampled = block @ weights  # rows 0..k-1: resampled sums; k..2k-1: resampled counts (2k × B)
        with np.errstate(invalid="ignore", divide="ignore"):
            ratios = resampled[:k].astype(np.float64) / resampled[k:]
        low[ids], high[ids] = percentile_interval(ratios)
    return low, high


def cluster_ratio_interval(num: np.ndarray, cnt: np.ndarray, b: int, seed: int) -> tuple[float, float]:
    """95% percentile interval of Σ num / Σ cnt over clusters (one entry per cluster)."""
    n = len(num)
    low, high = cluster_ratio_intervals(np.zeros(n, dtype=np.int64), np.arange(n), num, cnt, 1, n, b, seed)
    return float(low[0]), float(high[0])
