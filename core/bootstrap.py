"""Cluster bootstrap over participants for ratio-of-sums estimates, vectorised over replicates and estimates."""
from __future__ import annotations

import contextlib
import itertools

import numpy as np

CI_LEVEL = 0.95


CHUNK = 2048  # estimates per matrix product at most, to bound memory (2 × CHUNK × B doubles)


def resample_counts(n: int, b: int, seed: int) -> np.ndarray:
    """n × B matrix: how often each of n clusters is drawn when n are drawn with replacement, per replicate.

    The stream depends only on (seed, n), so an estimate's interval does not change when other estimates are
    added or removed, and estimates over the same number of clusters share one matrix (computed once).
    """
    rng = np.random.default_rng([seed, n])
    draws = rng.integers(0, n, size=(b, n))
    # Cluster-major layout: each replicate is a column, so an estimate's replicates come out as one row.
    flat = (draws * b + np.arange(b)[:, None]).ravel()
    return np.bincount(flat, minlength=n * b).reshape(n, b).astype(np.float64)


def percentile_interval(replicates: np.ndarray, level: float = CI_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per row of a k × B replicate matrix (linear interpolation, as numpy's default)."""
    b = replicates.shape[1]
    ordered = np.sort(replicates, axis=1)
    bounds = []
    for q in ((1 - level) / 2, (1 + level) / 2):
        pos = q * (b - 1)
        lo = int(np.floor(pos))
        hi = min(lo + 1, b - 1)
        frac = pos - lo
        bounds.append(ordered[:, lo] + frac * (ordered[:, hi] - ordered[:, lo]))
    return bounds[0], bounds[1]


def single_threaded_blas():
    """Context that keeps BLAS to one thread: the products here are many and small, and on 2 shared cores
    OpenBLAS threads mostly spin (measured: half the CPU time, a third of the wall time, single-threaded).
    threadpoolctl is a pinned dependency; without it the results are the same, only slower."""
    try:
        from threadpoolctl import threadpool_limits
    except ModuleNotFoundError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def cluster_ratio_intervals(
    estimate: np.ndarray, num: np.ndarray, cnt: np.ndarray, n_estimates: int, b: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """95% percentile intervals of Σ num / Σ cnt for many estimates at once.

    Input has one entry per (estimate, cluster) with cnt > 0, sorted by estimate: the cluster's sum of values
    and its count of values inside that estimate. Each estimate resamples its own clusters (n = its number of
    entries). Estimates are stacked into a few matrix products (sums and counts × resampling counts), so there
    is no loop over replicates or estimates. Returns (low, high) indexed by estimate; NaN without entries.
    """
    low = np.full(n_estimates, np.nan)
    high = np.full(n_estimates, np.nan)
    if len(estimate) == 0:
        return low, high
    sizes = np.bincount(estimate, minlength=n_estimates)
    first = np.r_[0, np.cumsum(sizes)[:-1]]
    slot = np.arange(len(estimate)) - first[estimate]  # the entry's position among its estimate's clusters

    # Batches: one per size n (estimates over n clusters share one resampling matrix), split into chunks of
    # at most CHUNK estimates.
    used = np.flatnonzero(sizes > 0)
    used = used[np.argsort(sizes[used], kind="stable")]
    group_start = np.flatnonzero(np.r_[True, sizes[used][1:] != sizes[used][:-1]])
    rank_in_group = np.arange(len(used)) - np.repeat(group_start, np.diff(np.r_[group_start, len(used)]))
    batch = np.zeros(n_estimates, dtype=np.int64)
    batch[used] = sizes[used] * (n_estimates // CHUNK + 1) + rank_in_group // CHUNK
    order = np.argsort(batch[estimate], kind="stable")
    entry_batch = batch[estimate[order]]
    cuts = np.flatnonzero(np.r_[True, entry_batch[1:] != entry_batch[:-1], True])
    exact: tuple[int, np.ndarray] | None = None  # the last matrix, reused while the size repeats
    with single_threaded_blas():
        for start, end in itertools.pairwise(cuts):
            rows = order[start:end]
            ids = np.unique(estimate[rows])
            width = int(sizes[ids].max())
            if exact is None or exact[0] != width:
                exact = (width, resample_counts(width, b, seed))
            weights = exact[1]
            local = np.searchsorted(ids, estimate[rows])
            k = len(ids)
            stacked = np.zeros((2 * k, width))
            stacked[local, slot[rows]] = num[rows]
            stacked[k + local, slot[rows]] = cnt[rows]
            both = stacked @ weights  # rows 0..k-1: resampled sums; k..2k-1: resampled counts (2k × B)
            low[ids], high[ids] = percentile_interval(both[:k] / both[k:])
    return low, high


def cluster_ratio_interval(num: np.ndarray, cnt: np.ndarray, b: int, seed: int) -> tuple[float, float]:
    """95% percentile interval of Σ num / Σ cnt over clusters (one entry per cluster, cnt > 0)."""
    keep = cnt > 0
    low, high = cluster_ratio_intervals(
        np.zeros(int(keep.sum()), dtype=np.int64), num[keep], cnt[keep], 1, b, seed
    )
    return float(low[0]), float(high[0])
