"""Cluster bootstrap: resampling counts, percentile intervals, batching against a plain loop, and coverage."""
from __future__ import annotations

import numpy as np
import pytest

from core.stats import bootstrap

# The probabilities exactly as the code forms them ((1 − 0.95) / 2 is not the float 0.025).
Q95 = ((1 - 0.95) / 2, (1 + 0.95) / 2)


def test_resample_counts_draw_n_clusters_per_replicate():
    w = bootstrap.resample_counts(7, 500, seed=3)
    assert w.shape == (7, 500)
    assert (w >= 0).all() and (w.sum(axis=0) == 7).all()
    # Each cluster is drawn once per replicate on average.
    assert w.mean() == pytest.approx(1.0, abs=0.05)
    assert np.array_equal(w, bootstrap.resample_counts(7, 500, seed=3))
    assert not np.array_equal(w, bootstrap.resample_counts(7, 500, seed=4))


def test_percentile_interval_matches_numpy_linear_quantiles():
    rng = np.random.default_rng(0)
    reps = rng.normal(size=(5, 1000))
    low, high = bootstrap.percentile_interval(reps)
    expected = np.quantile(reps, Q95, axis=1)
    assert np.array_equal(low, expected[0]) and np.array_equal(high, expected[1])
    # Planted: 0…999 in any order puts the bounds at positions 24.975 and 974.025.
    low, high = bootstrap.percentile_interval(rng.permutation(np.arange(1000.0))[None, :])
    assert (low[0], high[0]) == pytest.approx((24.975, 974.025), abs=1e-9)


def test_percentile_interval_skips_nan_replicates_as_nanquantile_does():
    rng = np.random.default_rng(1)
    reps = np.round(rng.normal(size=(8, 1000)), 2)  # rounding makes ties
    reps[1, rng.choice(1000, 37, replace=False)] = np.nan
    reps[2, :999] = np.nan  # one value left: both bounds are that value
    reps[3] = np.nan  # nothing left: no interval
    reps[4, ::2] = np.nan
    low, high = bootstrap.percentile_interval(reps)
    with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
        expected = np.nanquantile(reps, Q95, axis=1)
    # Bit for bit: the stored intervals must not move when the implementation does.
    assert np.array_equal(low, expected[0], equal_nan=True) and np.array_equal(high, expected[1], equal_nan=True)
    assert low[2] == high[2] == reps[2, 999] and np.isnan(low[3]) and np.isnan(high[3])
    for level in (0.5, 0.9):
        got = bootstrap.percentile_interval(reps, level)
        with np.errstate(all="ignore"), pytest.warns(RuntimeWarning):
            want = np.nanquantile(reps, [(1 - level) / 2, (1 + level) / 2], axis=1)
        assert np.array_equal(got[0], want[0], equal_nan=True) and np.array_equal(got[1], want[1], equal_nan=True)


def _grid_values(rng, shape):
    """Per-participant sums of agreement values: whole counts of 1/60, some large, some participants absent."""
    return rng.integers(0, 60 * 3000, shape) * (rng.random(shape) < 0.4) / 60


def test_resampled_sums_equal_the_integer_sums_exactly():
    # Sums above 2^24 (float32 would round them), sizes as in a store (participants × replicates above 10^6).
    rng = np.random.default_rng(2)
    rows = bootstrap.scaled_integers(_grid_values(rng, (9, 1100)))
    w = bootstrap.resample_counts(1100, 1000, seed=4)
    exact = np.einsum("kn,nb->kb", rows.astype(np.int64), w.astype(np.int64))
    assert exact.max() > 2 ** 24
    got = bootstrap.resampled_sums(rows, w)
    assert np.array_equal(got, exact) and np.array_equal(bootstrap.resampled_sums(rows[4:5], w), exact[4:5])
    with pytest.raises(ValueError, match="2\\^53"):
        bootstrap.resampled_sums(np.full((1, 2), 2.0 ** 52), np.ones((2, 3)))


def test_bounds_do_not_depend_on_participant_order_or_on_the_other_rows():
    rng = np.random.default_rng(3)
    num = _grid_values(rng, (9, 1100))
    cnt = np.ceil(num) + rng.integers(0, 3, num.shape) * (num > 0)
    w = bootstrap.resample_counts(1100, 1000, seed=4)
    low, high = bootstrap.ratio_intervals(num, cnt, w)
    perm = rng.permutation(1100)
    shuffled = bootstrap.ratio_intervals(num[:, perm], cnt[:, perm], w[perm])
    assert np.array_equal(shuffled[0], low) and np.array_equal(shuffled[1], high)
    for i in range(len(num)):  # one row alone takes another BLAS routine (a vector product)
        alone = bootstrap.ratio_intervals(num[i:i + 1], cnt[i:i + 1], w)
        assert (alone[0][0], alone[1][0]) == (low[i], high[i])


def test_values_off_the_sixtieths_grid_are_refused():
    assert np.array_equal(bootstrap.scaled_integers(np.array([0.1 + 0.2, 7 / 60, 2.0])), [18, 7, 120])
    with pytest.raises(ValueError, match="1/60"):
        bootstrap.scaled_integers(np.array([0.5, 1 / 7]))
    with pytest.raises(ValueError, match="1/60"):
        bootstrap.cluster_ratio_interval(np.array([1.0, 0.5 + 1e-5]), np.array([2.0, 1.0]), 50, seed=1)


def _reference(estimate, cluster, num, cnt, n_estimates, n_clusters, b, seed):
    """The definition, one estimate and one replicate at a time: resample the study's participants."""
    w = bootstrap.resample_counts(n_clusters, b, seed)
    low, high = np.full(n_estimates, np.nan), np.full(n_estimates, np.nan)
    for e in np.unique(estimate):
        who, x, c = cluster[estimate == e], num[estimate == e], cnt[estimate == e]
        with np.errstate(invalid="ignore"):  # a replicate that drew none of them has no ratio
            ratios = np.array([(x * w[who, r]).sum() / (c * w[who, r]).sum() for r in range(b)])
        low[e], high[e] = np.nanquantile(ratios, Q95)
    return low, high


def test_batched_intervals_equal_the_one_by_one_definition(monkeypatch):
    rng = np.random.default_rng(5)
    # Estimates over overlapping sets of 40 participants (like a section and a country inside it), one estimate
    # without entries (id 3), and blocks small enough that the batching splits them.
    monkeypatch.setattr(bootstrap, "CELLS", 120)  # 3 estimates per block of 40 participants
    people = 40
    sizes = {0: 5, 1: 5, 2: 40, 4: 1, 5: 30, 6: 38, 7: 21}
    estimate = np.concatenate([np.full(n, e) for e, n in sizes.items()])
    cluster = np.concatenate([rng.choice(people, n, replace=False) for n in sizes.values()])
    cnt = rng.integers(1, 6, len(estimate)).astype(float)
    num = rng.binomial(cnt.astype(int), 0.6).astype(float)
    low, high = bootstrap.cluster_ratio_intervals(estimate, cluster, num, cnt, 8, people, 300, seed=11)
    ref_low, ref_high = _reference(estimate, cluster, num, cnt, 8, people, 300, seed=11)
    assert np.isnan(low[3]) and np.isnan(high[3])
    # Whole-number sums are exact in both, so the ratios and bounds agree to the bit.
    assert np.array_equal(low, ref_low, equal_nan=True) and np.array_equal(high, ref_high, equal_nan=True)
    # A single participant has nothing to vary: every replicate that draws them gives the same ratio.
    assert low[4] == high[4] == num[estimate == 4][0] / cnt[estimate == 4][0]


def test_interval_of_an_estimate_does_not_depend_on_the_others():
    rng = np.random.default_rng(8)
    num, cnt = rng.integers(0, 3, 30).astype(float), np.full(30, 2.0)
    alone = bootstrap.cluster_ratio_interval(num, cnt, 400, seed=2)
    estimate = np.r_[np.zeros(30, int), np.ones(12, int)]
    cluster = np.r_[np.arange(30), np.arange(12)]
    both = bootstrap.cluster_ratio_intervals(estimate, cluster, np.r_[num, np.ones(12)],
                                             np.r_[cnt, np.full(12, 2.0)], 2, 30, 400, seed=2)
    assert (both[0][0], both[1][0]) == alone


def _clustered_sample(rng, n_clusters: int, truth: float):
    """Participants with 1–8 assessments each and a participant effect; the assessment-weighted mean is `truth`."""
    m = rng.integers(1, 9, n_clusters)
    effect = rng.uniform(-0.2, 0.2, n_clusters)  # independent of m, so E[Σ values / Σ m] = truth
    values = rng.binomial(m, truth + effect).astype(float)
    return values, m.astype(float)


@pytest.mark.parametrize("n_clusters, replications", [(60, 200), (250, 120)])
def test_interval_covers_the_truth_at_about_the_nominal_rate(n_clusters, replications):
    # A small and a larger number of clusters; independent seeds per replication.
    rng = np.random.default_rng(20250827 + n_clusters)
    truth = 0.6
    hits = 0
    for rep in range(replications):
        num, cnt = _clustered_sample(rng, n_clusters, truth)
        low, high = bootstrap.cluster_ratio_interval(num, cnt, 1000, seed=rep)
        hits += low <= truth <= high
    coverage = hits / replications
    # Binomial tolerance: 3 standard errors around 95% (percentile intervals run slightly short at small n).
    se = (0.95 * 0.05 / replications) ** 0.5
    print(f"coverage {coverage:.3f} over {replications} replications")
    assert 0.95 - 3 * se <= coverage <= 0.95 + 3 * se, coverage


def test_whole_products_are_exact_in_float32_below_its_limit_and_in_float64_above():
    rng = np.random.default_rng(5)
    left = rng.integers(0, 120, (30, 400)).astype(float)
    right = rng.integers(0, 9, (400, 50)).astype(float)
    assert np.abs(left).sum(axis=1).max() * right.max() < bootstrap.EXACT_FLOAT32  # the float32 path
    assert np.array_equal(bootstrap.whole_product(left, right), left @ right)
    assert bootstrap.whole_product(left, right).dtype == np.float64
    # Planted: 2^24 + 1 has no float32; the bound sends this product to float64, which holds it.
    big = np.array([[2.0**24, 1.0]])
    assert bootstrap.whole_product(big, np.ones((2, 1)))[0, 0] == 2.0**24 + 1
    with pytest.raises(ValueError, match="2\\^53"):
        bootstrap.whole_product(np.array([[2.0**52, 2.0**52]]), np.ones((2, 1)))


def test_intervals_of_many_rows_shared_out_over_threads_match_numpy(monkeypatch):
    # Enough rows for several pieces (PARALLEL_MIN_ROWS each), with ties as ratio replicates have them.
    rng = np.random.default_rng(6)
    reps = rng.integers(0, 40, size=(9 * bootstrap.PARALLEL_MIN_ROWS + 5, 1000)) / 40
    pool, cores = bootstrap._threads()
    seen = []
    if pool is not None:
        real = pool.map
        monkeypatch.setattr(pool, "map", lambda fn, *args: seen.append(len(args[0])) or real(fn, *args))
    low, high = bootstrap.percentile_interval(reps)
    expected = np.quantile(reps, Q95, axis=1)
    assert np.array_equal(low, expected[0]) and np.array_equal(high, expected[1])
    assert seen == ([min(cores, 9)] if pool is not None else [])
