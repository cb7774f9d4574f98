"""Cluster bootstrap over participants for ratio-of-sums estimates, vectorised over replicates and estimates."""

from __future__ import annotations

import functools
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

CI_LEVEL = 0.95
# Cells (estimates × participants) per dense block of work: bounds each block at ~32 MB of float64.
CELLS = 4_000_000
# Every agreement value is a multiple of 1/60 (pairwise: concordant / ordered pairs, 1..6 pairs; top: 0 or 1), so
# 60 × any sum of them is a whole number: the bootstrap sums those integers, exactly.
SCALE = 60
EXACT = 2.0**53  # float64 holds every whole number below this, so integer sums below it are exact in any order
# float32 holds every whole number below 2^24: a product of whole-number matrices whose partial sums stay below it is
# as exact in float32 as in float64, and BLAS multiplies float32 twice as fast (issue 17: the build's largest sums).
EXACT_FLOAT32 = 2.0**24


def scaled_integers(values: np.ndarray) -> np.ndarray:
    """SCALE × values as whole numbers in float64; raises ValueError unless every one is within 1e-6 of an integer."""
    scaled = np.asarray(values, dtype=np.float64) * SCALE
    whole = np.round(scaled)
    off = np.abs(scaled - whole)
    if not (off < 1e-6).all():  # also catches NaN: other data must not be rounded into place
        bad = np.flatnonzero(~(off < 1e-6).ravel())[0]
        raise ValueError(f"value {np.ravel(values)[bad]!r} is not a multiple of 1/{SCALE}")
    return whole


def resample_counts(n: int, b: int, seed: int, dtype=np.float64, stream: int | None = None) -> np.ndarray:
    """n × B matrix: how often each of n units is drawn when n are drawn with replacement, per replicate.

    Participants use the stream seeded by (seed, n); `stream` gives other units (prompts) their own stream.
    """
    rng = np.random.default_rng([seed, n] if stream is None else [seed, n, stream])
    draws = rng.integers(0, n, size=(b, n))
    # Participant-major layout: each replicate is a column, so one participant's counts are one row.
    flat = (draws * b + np.arange(b)[:, None]).ravel()
    return np.bincount(flat, minlength=n * b).reshape(n, b).astype(dtype)


def resampled_sums(rows: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """rows @ weights (k × B) for whole-number rows (k × n) and weights (n × B), exact in float64.

    Every partial sum is a whole number below 2^53, so the result is the same whatever the BLAS kernel, CPU, row
    count, block or participant order: callers may split, batch and restrict rows freely.
    """
    rows, weights = np.asarray(rows, dtype=np.float64), np.asarray(weights, dtype=np.float64)
    return whole_product(rows, weights)


def whole_product(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """left @ right in float64 for whole-number matrices, computed in float32 when that is exact too.

    No partial sum of row i can exceed Σ|left[i]| · max|right| in size: below 2^24 float32 holds every one of them
    exactly, so the product is the same to the last bit as in float64; at or above 2^53 not even float64 does.
    """
    if not (left.size and right.size):
        return left @ right
    bound = np.abs(left).sum(axis=1).max() * np.abs(right).max()
    if bound >= EXACT:
        raise ValueError("resampled sums would exceed 2^53: float64 could no longer hold them exactly")
    if bound < EXACT_FLOAT32:
        return (left.astype(np.float32) @ right.astype(np.float32)).astype(np.float64)
    return left @ right


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    # numpy's quantile interpolation step for step (it switches formula at t = 0.5), so bounds match it bit for bit.
    diff = b - a
    return np.where(t >= 0.5, b - diff * (1 - t), a + diff * t)


def percentile_interval(replicates: np.ndarray, level: float = CI_LEVEL) -> tuple[np.ndarray, np.ndarray]:
    """Percentile interval per row of a k × B replicate matrix, as np.quantile's default 'linear' method.

    NaN replicates are skipped, as np.nanquantile does; a row of NaN only gets NaN.
    """
    q = np.array([(1 - level) / 2, (1 + level) / 2])
    b = replicates.shape[1]
    count = b - np.isnan(replicates).sum(axis=1)
    out = np.full((2, len(replicates)), np.nan)
    full = (count == b) & (count > 0)
    if full.any():
        # Rows with all B replicates share their order statistics' positions: one partition around them.
        at = (b - 1) * q
        lo = np.floor(at).astype(np.intp)
        hi = np.minimum(lo + 1, b - 1)
        part = replicates[full]  # a copy: partitioned in place
        _partition(part, np.unique(np.r_[lo, hi]))
        out[:, full] = _lerp(part[:, lo].T, part[:, hi].T, (at - lo)[:, None])
    gaps = (count < b) & (count > 0)
    if gaps.any():
        # A replicate that drew nobody from a small group has no ratio (such groups are never shown): sort, NaN
        # last, and interpolate within each row's own count of values.
        m = count[gaps]
        ordered = replicates[gaps]  # a copy: sorted in place
        ordered.sort(axis=1)
        at = (m - 1) * q[:, None]
        lo = np.floor(at).astype(np.intp)
        hi = np.minimum(lo + 1, m - 1)
        rows = np.arange(len(m))
        out[:, gaps] = _lerp(ordered[rows, lo], ordered[rows, hi], at - lo)
    return out[0], out[1]


# Rows per thread at least: below this a thread's start-up is not worth its share of the work.
PARALLEL_MIN_ROWS = 64


@functools.cache
def _threads() -> tuple[ThreadPoolExecutor | None, int]:
    """A pool with a thread per core (at most 4), made once, and its size; no pool on one core."""
    cores = min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    return (ThreadPoolExecutor(cores, thread_name_prefix="partition") if cores > 1 else None), cores


def _partition(part: np.ndarray, kth: np.ndarray) -> None:
    """part.partition(kth, axis=1) in place, its rows shared out over the cores: numpy lets go of the GIL while it
    partitions, and a row's result depends on that row alone (issue 17: the statistics stage's largest step)."""
    pool, cores = _threads()
    pieces = min(cores, len(part) // PARALLEL_MIN_ROWS)
    if pool is None or pieces <= 1:
        part.partition(kth, axis=1)
        return
    bounds = np.linspace(0, len(part), pieces + 1).astype(np.intp)
    list(pool.map(lambda lo, hi: part[lo:hi].partition(kth, axis=1), bounds[:-1], bounds[1:]))


def ratios(num_sums: np.ndarray, cnt_sums: np.ndarray) -> np.ndarray:
    """Replicate ratios of exact whole-number sums, NaN where a replicate drew nothing with a count."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return num_sums / cnt_sums


def ratio_intervals(num_rows: np.ndarray, cnt_rows: np.ndarray, weights: np.ndarray):
    """95% percentile intervals of Σ num / Σ cnt per row of per-participant sums (k × n, matching weights' rows).

    Both sums are resampled as exact integers (SCALE × num, SCALE × cnt) and divided once in float64, so a
    replicate is the correctly rounded ratio; one that drew nobody with a count is NaN.
    """
    num_sums = resampled_sums(scaled_integers(num_rows), weights)
    cnt_sums = resampled_sums(scaled_integers(cnt_rows), weights)
    return percentile_interval(ratios(num_sums, cnt_sums))


def difference_summary(first: np.ndarray, second: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(low, high, p) per row of two k × B replicate matrices: the 95% percentile interval of first − second and
    a two-sided bootstrap p-value for "no difference", 2 × (1 + replicates on the rarer side of 0) / (1 + B),
    capped at 1 (never 0; replicates exactly at 0 count on both sides; NaN replicates are skipped).
    """
    diff = first - second
    low, high = percentile_interval(diff)
    valid = np.isfinite(diff)
    below = (valid & (diff <= 0)).sum(axis=1)
    above = (valid & (diff >= 0)).sum(axis=1)
    m = valid.sum(axis=1)
    p = np.where(m > 0, np.minimum(1.0, 2 * (1 + np.minimum(below, above)) / (1 + m)), np.nan)
    return low, high, p


def cluster_ratio_intervals(
    estimate: np.ndarray,
    cluster: np.ndarray,
    num: np.ndarray,
    cnt: np.ndarray,
    n_estimates: int,
    n_clusters: int,
    b: int,
    seed: int,
) -> tuple[np.ndarray, np.ndarray]:
    """95% percentile intervals of Σ num / Σ cnt for many estimates at once.

    Input has one entry per (estimate, participant) with cnt > 0: the participant's index in 0..n_clusters-1, its
    sum of values (a multiple of 1/SCALE) and its count of values inside that estimate. Every replicate resamples
    the study's participants with replacement (one n_clusters × B multinomial matrix shared by all estimates) and
    keeps all of each drawn participant's assessments; an estimate's replicate is the ratio of its resampled sums.
    Estimates are stacked into dense blocks (estimates × participants) multiplied by that matrix: no loop over
    replicates.
    Returns (low, high) indexed by estimate; NaN without entries.
    """
    low = np.full(n_estimates, np.nan)
    high = np.full(n_estimates, np.nan)
    if len(estimate) == 0:
        return low, high
    weights = resample_counts(n_clusters, b, seed)
    used, local = np.unique(estimate, return_inverse=True)
    order = np.argsort(local, kind="stable")
    local, cluster, num, cnt = local[order], cluster[order], num[order], cnt[order]
    rows = max(64, CELLS // max(n_clusters, 1))  # estimates per block, bounding the block at CELLS cells
    for start in range(0, len(used), rows):
        ids = used[start : start + rows]
        take = slice(*np.searchsorted(local, [start, start + len(ids)]))
        block = np.zeros((2, len(ids), n_clusters))
        block[0, local[take] - start, cluster[take]] = num[take]
        block[1, local[take] - start, cluster[take]] = cnt[take]
        low[ids], high[ids] = ratio_intervals(block[0], block[1], weights)
    return low, high


def cluster_ratio_interval(num: np.ndarray, cnt: np.ndarray, b: int, seed: int) -> tuple[float, float]:
    """95% percentile interval of Σ num / Σ cnt over clusters (one entry per cluster)."""
    n = len(num)
    low, high = cluster_ratio_intervals(np.zeros(n, dtype=np.int64), np.arange(n), num, cnt, 1, n, b, seed)
    return float(low[0]), float(high[0])
