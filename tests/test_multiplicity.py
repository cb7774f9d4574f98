"""Benjamini–Hochberg against the step-up rule written out here, on random and hand-made p-values."""
from __future__ import annotations

import numpy as np
import pytest

from core.stats.multiplicity import bh_adjusted, bh_different


def _step_up(p: list[float], fdr: float) -> set[int]:
    """The textbook procedure: the largest k with p(k) <= fdr k / m; reject the k smallest (NaN not tested)."""
    tested = [(v, i) for i, v in enumerate(p) if v == v]
    tested.sort()
    m, k = len(tested), 0
    for rank, (v, _) in enumerate(tested, start=1):
        if v <= fdr * rank / m:
            k = rank
    return {i for _, i in tested[:k]}


def test_hand_worked_example():
    p = [0.01, 0.04, 0.03, 0.005, 0.2]
    # m = 5: thresholds 0.01, 0.02, 0.03, 0.04, 0.05 for the sorted 0.005, 0.01, 0.03, 0.04, 0.2.
    assert set(np.flatnonzero(bh_different(p))) == {0, 1, 2, 3}
    assert bh_adjusted(p)[3] == pytest.approx(0.025)
    assert bh_adjusted(p)[4] == pytest.approx(0.2)


@pytest.mark.parametrize("seed", range(25))
def test_matches_the_step_up_rule(seed):
    rng = np.random.default_rng(seed)
    m = int(rng.integers(1, 60))
    p = np.where(rng.random(m) < 0.3, rng.random(m) * 0.01, rng.random(m))
    p[rng.random(m) < 0.1] = np.nan
    p = np.round(p, 3)  # ties, as bootstrap p-values have
    for fdr in (0.05, 0.1):
        assert set(np.flatnonzero(bh_different(p, fdr))) == _step_up(p.tolist(), fdr)


def test_nan_only_and_empty():
    assert not bh_different([np.nan, np.nan]).any()
    assert bh_adjusted([]).shape == (0,)
