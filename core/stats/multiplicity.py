"""Benjamini–Hochberg control of the false discovery rate over the comparisons one page makes."""

from __future__ import annotations

import numpy as np

FDR = 0.05
RULE = (
    "Benjamini–Hochberg at a 5% false discovery rate over every comparison the page shows: sort the m p-values, "
    "find the largest k with p(k) ≤ 0.05 · k / m, and call the k smallest different"
)


def bh_adjusted(p_values) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (q-values); NaN stays NaN and is not counted among the m tests."""
    p = np.asarray(p_values, dtype=float)
    out = np.full(p.shape, np.nan)
    ok = np.flatnonzero(np.isfinite(p))
    if len(ok) == 0:
        return out
    order = ok[np.argsort(p[ok], kind="stable")]
    m = len(order)
    scaled = p[order] * m / np.arange(1, m + 1)
    # The step-up rule as a running minimum from the largest p-value down.
    out[order] = np.minimum(1.0, np.minimum.accumulate(scaled[::-1])[::-1])
    return out


def bh_different(p_values, fdr: float = FDR) -> np.ndarray:
    """True where Benjamini–Hochberg at `fdr` calls the comparison different (False for NaN p-values)."""
    q = bh_adjusted(p_values)
    return np.isfinite(q) & (q <= fdr)
