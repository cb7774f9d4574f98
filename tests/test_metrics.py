"""Agreement and crowd metrics: hand-worked examples (ties, all-tied) and properties (hypothesis)."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.rankings import metrics
from core.rankings.grammar import RankingError, format_ranking, parse_ranking


def ranks(text: str) -> np.ndarray:
    return metrics.to_array(parse_ranking(text))


def pairwise(a: str, b: str) -> float | None:
    return metrics.pairwise_agreement_one(parse_ranking(a), parse_ranking(b))


def top(a: str, b: str) -> float | None:
    return metrics.top_agreement_one(parse_ranking(a), parse_ranking(b))


# --- hand-worked pairwise agreement -------------------------------------------------------------------------

@pytest.mark.parametrize("a, b, expected", [
    ("A>B>C>D", "A>B>C>D", 1.0),
    ("A>B>C>D", "D>C>B>A", 0.0),
    # CD tied for the participant: 5 pairs kept, AB reversed, the other 4 alike.
    ("A>B>C=D", "B>A>C>D", 4 / 5),
    # Only the 4 cross-group pairs are strict in both; all alike / all reversed.
    ("A=B>C=D", "A=B>C=D", 1.0),
    ("A=B>C=D", "C=D>A=B", 0.0),
    # Strict in both: AC, AD (A ahead in both) — AB and BC/BD are tied on one side.
    ("A=B>C=D", "A>B=C=D", 1.0),
    # Unalphabetised tie as released: B>C>D=A against A>B>C>D: kept AB AC BC BD CD (AD tied); AB, AC reversed.
    ("B>C>D=A", "A>B>C>D", 3 / 5),
])
def test_pairwise_hand_examples(a, b, expected):
    assert pairwise(a, b) == pytest.approx(expected)


@pytest.mark.parametrize("a, b", [("A=B=C=D", "A>B>C>D"), ("A>B>C>D", "A=B=C=D"), ("A=B=C=D", "A=B=C=D")])
def test_pairwise_undefined_when_no_pair_is_strict_in_both(a, b):
    assert pairwise(a, b) is None


@pytest.mark.parametrize("a, b, expected", [
    ("A>B>C>D", "A>C>B>D", 1.0),
    ("A>B>C>D", "B>A>C>D", 0.0),
    ("C>A=B=D", "C>D>B>A", 1.0),
    ("A=B>C>D", "A>B>C>D", None),  # participant's first place is shared
    ("A>B>C>D", "A=B=C=D", None),
])
def test_top_hand_examples(a, b, expected):
    assert top(a, b) == expected


def test_vectorised_rows_match_one_by_one():
    xs = ["A>B>C=D", "A=B=C=D", "D>C>B>A", "B>A>C>D"]
    ys = ["B>A>C>D", "A>B>C>D", "D>C>B>A", "A=B>C>D"]
    value, defined = metrics.pairwise_agreement(np.stack([ranks(x) for x in xs]), np.stack([ranks(y) for y in ys]))
    assert defined.tolist() == [True, False, True, True]
    # Row 4: AB tied for the ranker, the 5 other pairs alike.
    assert value[defined].tolist() == pytest.approx([0.8, 1.0, 1.0])
    # A missing ranking (zeros) is undefined, never agreement 0.
    value, defined = metrics.top_agreement(np.zeros((1, 4), dtype=int), ranks("A>B>C>D")[None, :])
    assert not defined[0]


# --- Kendall's W, entropy, Borda, TV, Wilson, reversals ----------------------------------------------------------

THREE = ["A>B>C>D", "A>B=C>D", "B>A>C=D"]


def test_mid_ranks_and_tie_terms():
    assert metrics.mid_ranks(ranks("A>B=C>D")).tolist() == [1, 2.5, 2.5, 4]
    assert metrics.mid_ranks(ranks("B>C>D=A")).tolist() == [3.5, 1, 2, 3.5]
    assert metrics.mid_ranks(ranks("A=B=C=D")).tolist() == [2.5] * 4
    assert metrics.tie_term(np.stack([ranks(x) for x in THREE])).tolist() == [0, 6, 6]
    assert metrics.tie_term(ranks("A=B=C=D")) == 60


def test_kendall_w_with_ties_hand_computed():
    # Mid-rank sums A 4, B 5.5, C 9, D 11.5; S = 34.5; denominator 9·60 − 3·(0 + 6 + 6) = 504; W = 414/504.
    r = np.stack([ranks(x) for x in THREE])
    sums = metrics.mid_ranks(r).sum(axis=0)
    assert sums.tolist() == [4, 5.5, 9, 11.5]
    w = metrics.kendall_w(sums[None, :], np.array([3]), np.array([metrics.tie_term(r).sum()]))
    assert w[0] == pytest.approx(23 / 28)


def test_kendall_w_limits():
    same = np.stack([ranks("B>A>D>C")] * 5)
    assert metrics.kendall_w(metrics.mid_ranks(same).sum(0)[None], np.array([5]),
                             np.array([0]))[0] == pytest.approx(1.0)
    # Two opposite strict rankings: every rank sum equals m(n+1)/2, so W = 0.
    opposite = np.stack([ranks("A>B>C>D"), ranks("D>C>B>A")])
    assert metrics.kendall_w(metrics.mid_ranks(opposite).sum(0)[None], np.array([2]), np.array([0]))[0] == 0
    # Everyone tied everything, or a single rater: undefined.
    tied = np.stack([ranks("A=B=C=D")] * 3)
    assert math.isnan(metrics.kendall_w(metrics.mid_ranks(tied).sum(0)[None], np.array([3]), np.array([180]))[0])
    assert math.isnan(metrics.kendall_w(np.array([[1.0, 2, 3, 4]]), np.array([1]), np.array([0]))[0])


@pytest.mark.parametrize("counts, expected", [
    ([4, 0, 0, 0], 0.0), ([1, 1, 1, 1], 1.0), ([2, 2, 0, 0], 0.5),
    ([2, 1, 0, 0], -(2 / 3 * math.log(2 / 3) + 1 / 3 * math.log(1 / 3)) / math.log(4)),
])
def test_normalised_entropy(counts, expected):
    assert metrics.normalised_entropy(np.array([counts]))[0] == pytest.approx(expected)


def test_normalised_entropy_empty_is_undefined():
    assert math.isnan(metrics.normalised_entropy(np.array([[0, 0, 0, 0]]))[0])


def test_borda_points_and_order():
    r = np.stack([ranks(x) for x in THREE])
    points = metrics.borda_points(r)
    assert points.tolist() == [[3, 2, 1, 0], [3, 1.5, 1.5, 0], [2, 3, 0.5, 0.5]]
    totals = points.sum(axis=0)
    assert totals.tolist() == [8, 6.5, 3, 0.5]
    assert format_ranking(dict(zip("ABCD", metrics.order_from_scores(totals).tolist()))) == "A>B>C>D"
    # Ties in the totals make tie groups: A 5, B 5, C 1, D 1.
    tied = metrics.borda_points(np.stack([ranks("A>B>C>D"), ranks("B>A>D>C")])).sum(axis=0)
    assert format_ranking(dict(zip("ABCD", metrics.order_from_scores(tied).tolist()))) == "A=B>C=D"
    assert metrics.order_from_scores(np.array([1.0, 3.0, 3.0, 2.0])).tolist() == [3, 1, 1, 2]


def test_total_variation():
    assert metrics.total_variation(np.array([1, 0, 0, 0.0]), np.array([0, 1, 0, 0.0])) == 1.0
    assert metrics.total_variation(np.array([0.5, 0.5, 0, 0]), np.array([0.5, 0, 0.5, 0])) == 0.5
    assert metrics.total_variation(np.array([0.25] * 4), np.array([0.25] * 4)) == 0.0


def test_wilson_interval_known_values():
    low, high = metrics.wilson_interval(np.array([0, 5, 10]), np.array([10, 10, 10]))
    z2 = 1.959963984540054**2
    assert low[0] == 0 and high[0] == pytest.approx(z2 / (10 + z2))
    assert (low[1], high[1]) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert high[2] == pytest.approx(1) and low[2] == pytest.approx(10 / (10 + z2))
    nan_low, _ = metrics.wilson_interval(np.array([0]), np.array([0]))
    assert math.isnan(nan_low[0])


def test_reversed_pairs():
    flipped, strict = metrics.reversed_pairs(ranks("A>B>C>D"), ranks("B>A>C=D"))
    assert (flipped, strict) == (1, 6)  # AB reversed; CD tied in personal is not a reversal
    flipped, strict = metrics.reversed_pairs(ranks("A>B=C>D"), ranks("D>C>B>A"))
    assert (flipped, strict) == (5, 5)


# --- properties --------------------------------------------------------------------------------------------------

@st.composite
def rankings(draw, allow_ties: bool = True) -> dict[str, int]:
    order = draw(st.permutations("ABCD"))
    cuts = draw(st.lists(st.booleans(), min_size=3, max_size=3)) if allow_ties else [True] * 3
    position, out = 1, {order[0]: 1}
    for letter, cut in zip(order[1:], cuts):
        position += cut
        out[letter] = position
    return out


def _reverse(r: dict[str, int]) -> dict[str, int]:
    top_position = max(r.values())
    return {x: top_position + 1 - p for x, p in r.items()}


@settings(max_examples=300, deadline=None)
@given(rankings(), rankings())
def test_agreement_is_symmetric_and_bounded(a, b):
    for f in (metrics.pairwise_agreement_one, metrics.top_agreement_one):
        assert f(a, b) == f(b, a)
        value = f(a, b)
        assert value is None or 0.0 <= value <= 1.0


@settings(max_examples=200, deadline=None)
@given(rankings())
def test_identical_rankings_agree_fully(a):
    all_tied = len(set(a.values())) == 1
    assert metrics.pairwise_agreement_one(a, a) == (None if all_tied else 1.0)
    single_first = list(a.values()).count(1) == 1
    assert metrics.top_agreement_one(a, a) == (1.0 if single_first else None)


@settings(max_examples=100, deadline=None)
@given(rankings(allow_ties=False))
def test_reversed_strict_ranking_disagrees_fully(a):
    assert metrics.pairwise_agreement_one(a, _reverse(a)) == 0.0
    assert metrics.top_agreement_one(a, _reverse(a)) == 0.0


@settings(max_examples=200, deadline=None)
@given(rankings(), rankings(), st.permutations("ABCD"))
def test_relabelling_letters_changes_nothing(a, b, perm):
    relabel = dict(zip("ABCD", perm))
    a2 = {relabel[x]: p for x, p in a.items()}
    b2 = {relabel[x]: p for x, p in b.items()}
    assert metrics.pairwise_agreement_one(a2, b2) == metrics.pairwise_agreement_one(a, b)
    assert metrics.top_agreement_one(a2, b2) == metrics.top_agreement_one(a, b)


@settings(max_examples=300, deadline=None)
@given(rankings())
def test_format_then_parse_round_trips(r):
    text = format_ranking(r)
    assert parse_ranking(text) == r
    assert format_ranking(parse_ranking(text)) == text


@settings(max_examples=200, deadline=None)
@given(rankings(), st.randoms(use_true_random=False))
def test_parse_ignores_order_inside_tie_groups(r, rnd):
    groups = format_ranking(r).split(">")
    shuffled = []
    for g in groups:
        letters = g.split("=")
        rnd.shuffle(letters)
        shuffled.append("=".join(letters))
    assert parse_ranking(">".join(shuffled)) == r


@pytest.mark.parametrize("text, reason", [
    ("A>B>C", "ranking_missing_letter"), ("A>B>C>D>A", "ranking_repeated_letter"),
    ("A>>B>C>D", "ranking_syntax"), ("A>B>C>E", "ranking_bad_letter"), ("", "ranking_empty"),
])
def test_parse_rejects_malformed(text, reason):
    with pytest.raises(RankingError) as err:
        parse_ranking(text)
    assert err.value.reason == reason
