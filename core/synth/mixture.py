"""The ranking mixture: follow a planted order with probability q, else symmetric noise; exact expectations."""

from __future__ import annotations

import random
from functools import cache
from itertools import combinations, permutations

from core.config import LETTERS

Order = tuple[str, ...]  # the four letters, best first

# Tie shapes (sizes of the tie groups, best first) with weights per mille. The shape is drawn independently
# of the letters, so whether a metric is defined never depends on q. Shares match the release: ~2.4% all-tied,
# ~88.5% with a single first choice.
SHAPES: dict[tuple[int, ...], int] = {
    (1, 1, 1, 1): 730,
    (1, 1, 2): 80,
    (1, 2, 1): 50,
    (1, 3): 25,
    (2, 1, 1): 50,
    (2, 2): 25,
    (3, 1): 16,
    (4,): 24,
}
_SHAPE_LIST = list(SHAPES)
_SHAPE_CUM = []
_acc = 0
for _w in SHAPES.values():
    _acc += _w
    _SHAPE_CUM.append(_acc)
ALL_ORDERS: list[Order] = list(permutations(LETTERS))
ALL_TIED = "A=B=C=D"


def draw_shape(rng: random.Random) -> tuple[int, ...]:
    """A tie shape from the fixed distribution."""
    x = rng.randrange(1000)
    for shape, cum in zip(_SHAPE_LIST, _SHAPE_CUM):
        if x < cum:
            return shape
    raise AssertionError("unreachable")


def ranking_string(order: Order, shape: tuple[int, ...]) -> str:
    """Pour an order into a tie shape; letters inside a tie keep the order's sequence (so `D=A` happens)."""
    if shape == (4,):
        return ALL_TIED
    groups, i = [], 0
    for size in shape:
        groups.append("=".join(order[i : i + size]))
        i += size
    return ">".join(groups)


def ranks_of(order: Order, shape: tuple[int, ...]) -> dict[str, int]:
    """Letter -> tie-group position (1 = best)."""
    ranks, i = {}, 0
    for position, size in enumerate(shape, start=1):
        for letter in order[i : i + size]:
            ranks[letter] = position
        i += size
    return ranks


def draw_order(rng: random.Random, q: float, follow: Order) -> Order:
    """The planted order with probability q, else a uniformly random order (which may equal it)."""
    if rng.random() < q:
        return follow
    return tuple(rng.sample(LETTERS, 4))


def pairwise(a: dict[str, int], b: dict[str, int]) -> float | None:
    """Share of letter pairs ordered the same way, over pairs both order strictly; None when there are none."""
    agree = total = 0
    for x, y in combinations(LETTERS, 2):
        da, db = a[x] - a[y], b[x] - b[y]
        if da and db:
            total += 1
            agree += (da > 0) == (db > 0)
    return agree / total if total else None


def top(ranks: dict[str, int]) -> str | None:
    """The single first choice, or None when first place is shared."""
    firsts = [x for x, r in ranks.items() if r == 1]
    return firsts[0] if len(firsts) == 1 else None


@cache
def branch_moments(order: Order | None, ranker: Order) -> tuple[float, float, float, float]:
    """(E[pairwise·defined], P(pairwise defined), E[top·defined], P(top defined)) for one branch of the mixture.

    `order` is the followed order; None means the noise branch (uniform over the 24 orders). Exact enumeration
    over every tie shape (and every order for noise) against the ranker's strict order.
    """
    ranker_ranks = ranks_of(ranker, (1, 1, 1, 1))
    orders = ALL_ORDERS if order is None else [order]
    pw = pd = tw = td = 0.0
    for shape, weight in SHAPES.items():
        for o in orders:
            p = weight / 1000 / len(orders)
            ranks = ranks_of(o, shape)
            value = pairwise(ranks, ranker_ranks)
            if value is not None:
                pw += p * value
                pd += p
            first = top(ranks)
            if first is not None:
                tw += p * (first == ranker[0])
                td += p
    return pw, pd, tw, td


def expected_agreement(q: float, follow: Order, ranker: Order) -> tuple[float, float]:
    """Expected (pairwise, top) agreement with the ranker, each conditional on the metric being defined."""
    f, n = branch_moments(follow, ranker), branch_moments(None, ranker)
    mix = [q * a + (1 - q) * b for a, b in zip(f, n)]
    return mix[0] / mix[1], mix[2] / mix[3]
