"""Per-prompt crowd statistics: contestedness, Borda order, first choices, country and personal-world divergence."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import config
from core.rankings import metrics
from core.rankings.grammar import format_ranking

N = metrics.N_LETTERS
LETTER_ARRAY = np.array(config.LETTERS, dtype=object)


@dataclass
class Crowd:
    """The per-prompt tables plus what the agreement stage reuses."""

    tables: dict[str, dict[str, np.ndarray]]
    order: dict[str, np.ndarray]  # block -> P × 4 tie-group positions of the Borda order (0: no rankings)
    order_text: dict[str, np.ndarray]  # block -> P crowd orders in the ranking grammar (None: no rankings)


def count_pairs(first: np.ndarray, second: np.ndarray, n_second: int, n_first: int) -> np.ndarray:
    """Distinct (first, second) pairs per value of `first`, e.g. participants per prompt."""
    keys = np.unique(first * n_second + second)
    return np.bincount(keys // n_second, minlength=n_first)


def order_strings(order: np.ndarray) -> np.ndarray:
    """Ranking-grammar text per row of tie-group positions; None for rows without a ranking."""
    out = np.full(len(order), None, dtype=object)
    ok = metrics.present(order)
    if ok.any():
        # At most 75 distinct orders of four letters: format each once.
        distinct, which = np.unique(order[ok], axis=0, return_inverse=True)
        text = [format_ranking(dict(zip(config.LETTERS, row.tolist()))) for row in distinct]
        out[ok] = np.array(text, dtype=object)[which.ravel()]
    return out


def _country_tables(release, block: str, pi: np.ndarray, part: np.ndarray, top: np.ndarray, n_prompts: int):
    """Country first-choice rows and, per prompt, the largest TV distance between eligible countries."""
    code_of, levels = release.groups["country"]
    c = code_of[part]
    known = c >= 0
    n_c = max(len(levels), 1)
    cell = pi * n_c + c  # (prompt, country) cell, valid where known
    people = count_pairs(cell[known], part[known], len(release.participant_ids), n_prompts * n_c)
    has = known & (top >= 0)
    firsts = np.bincount(cell[has] * N + top[has], minlength=n_prompts * n_c * N).reshape(n_prompts, n_c, N)
    singles = firsts.sum(axis=-1)
    people = people.reshape(n_prompts, n_c)

    cells = np.argwhere(people > 0)  # (prompt, country) pairs with anyone, in prompt then country order
    p_idx, c_idx = np.repeat(cells[:, 0], N), np.repeat(cells[:, 1], N)
    letter = np.tile(np.arange(N), len(cells))
    n_first = firsts[p_idx, c_idx, letter]
    n_single = singles[p_idx, c_idx]
    rows = {
        "prompt_id": release.prompt_ids[p_idx].astype(object),
        "block": np.full(len(p_idx), block, dtype=object),
        "country": levels[c_idx].astype(object) if len(levels) else np.array([], dtype=object),
        "letter": LETTER_ARRAY[letter],
        "n_participants": people[p_idx, c_idx],
        "n_single_top": n_single,
        "n_first": n_first,
        "share": np.divide(n_first, n_single, out=np.full(len(p_idx), np.nan), where=n_single > 0),
    }

    eligible = (people >= config.MIN_PARTICIPANTS) & (singles > 0)
    n_eligible = eligible.sum(axis=1)
    some = np.flatnonzero(n_eligible >= 2)  # prompts with two countries to compare
    ok = eligible[some]
    share = np.divide(
        firsts[some], singles[some, :, None], out=np.zeros((len(some), n_c, N)), where=singles[some, :, None] > 0
    )
    first, second = np.triu_indices(n_c, k=1)  # each pair of countries once, in alphabetical order of alpha-3 codes
    tv = np.where(ok[:, first] & ok[:, second], metrics.total_variation(share[:, first], share[:, second]), -1.0)
    best = tv.argmax(axis=1) if len(some) else np.zeros(0, dtype=np.int64)  # first maximum
    divergence = np.full(n_prompts, np.nan)
    divergence[some] = tv[np.arange(len(some)), best]
    pair = np.full(n_prompts, None, dtype=object)
    for p, k in zip(some, best):
        pair[p] = f"{levels[first[k]]}–{levels[second[k]]}"
    return rows, divergence, pair, n_eligible


def _personal_world(release, n_prompts: int) -> tuple[np.ndarray, np.ndarray]:
    """Per prompt: share of strict world pairs reversed in personal (pooled), and assessments with both."""
    world, personal = release.ranks["world"], release.ranks["personal"]
    both = metrics.present(world) & metrics.present(personal)
    flipped, strict = metrics.reversed_pairs(world[both], personal[both])
    pi = release.prompt[both]
    flipped = np.bincount(pi, weights=flipped, minlength=n_prompts)
    strict = np.bincount(pi, weights=strict, minlength=n_prompts)
    share = np.divide(flipped, strict, out=np.full(n_prompts, np.nan), where=strict > 0)
    return share, np.bincount(pi, minlength=n_prompts)


def prompt_tables(release) -> Crowd:
    """prompt_stats, prompt_first_choice and prompt_country_first_choice for both blocks."""
    n_prompts = len(release.prompt_ids)
    tables: dict[str, list[dict[str, np.ndarray]]] = {
        "prompt_stats": [],
        "prompt_first_choice": [],
        "prompt_country_first_choice": [],
    }
    order_by_block, text_by_block = {}, {}
    pw_share, pw_n = _personal_world(release, n_prompts)
    for block in config.BLOCKS:
        ranks = release.ranks[block]
        ok = metrics.present(ranks)
        r, pi, part = ranks[ok], release.prompt[ok], release.participant[ok]
        n_ass = np.bincount(pi, minlength=n_prompts)
        n_part = count_pairs(pi, part, len(release.participant_ids), n_prompts)
        top = metrics.single_top(r)
        has = top >= 0
        firsts = np.bincount(pi[has] * N + top[has], minlength=n_prompts * N).reshape(n_prompts, N)
        n_single = firsts.sum(axis=1)
        mids = metrics.mid_ranks(r)
        rank_sums = np.stack([np.bincount(pi, weights=mids[:, j], minlength=n_prompts) for j in range(N)], axis=1)
        ties = np.bincount(pi, weights=metrics.tie_term(r), minlength=n_prompts)
        w = metrics.kendall_w(rank_sums, n_ass, ties)
        borda_sum = n_ass[:, None] * N - rank_sums  # Σ (4 − mid-rank) = Σ Borda points
        order = np.where(n_ass[:, None] > 0, metrics.order_from_scores(borda_sum), 0)
        text = order_strings(order)
        order_by_block[block], text_by_block[block] = order, text
        country_rows, divergence, pair, n_eligible = _country_tables(release, block, pi, part, top, n_prompts)

        rows = np.flatnonzero(n_ass > 0)
        borda_mean = borda_sum[rows] / n_ass[rows, None]
        is_world = block == "world"
        tables["prompt_stats"].append(
            {
                "prompt_id": release.prompt_ids[rows].astype(object),
                "block": np.full(len(rows), block, dtype=object),
                "n_assessments": n_ass[rows],
                "n_participants": n_part[rows],
                "n_single_top": n_single[rows],
                "top_entropy": metrics.normalised_entropy(firsts[rows]),
                "kendall_w": w[rows],
                "contestedness": 1.0 - w[rows],
                "crowd_order": text[rows],
                **{f"borda_{x}": borda_mean[:, j] for j, x in enumerate(config.LETTERS)},
                "country_divergence": divergence[rows],
                "country_divergence_pair": pair[rows],
                "n_countries_eligible": n_eligible[rows],
                "personal_world_divergence": pw_share[rows] if is_world else np.full(len(rows), np.nan),
                "n_personal_assessments": pw_n[rows] if is_world else np.full(len(rows), np.nan),
            }
        )

        p_idx = np.repeat(rows, N)
        letter = np.tile(np.arange(N), len(rows))
        n_first, n_single_rows = firsts[p_idx, letter], n_single[p_idx]
        low, high = metrics.wilson_interval(n_first, n_single_rows)
        tables["prompt_first_choice"].append(
            {
                "prompt_id": release.prompt_ids[p_idx].astype(object),
                "block": np.full(len(p_idx), block, dtype=object),
                "letter": LETTER_ARRAY[letter],
                "n_first": n_first,
                "n_single_top": n_single_rows,
                "share": np.divide(n_first, n_single_rows, out=np.full(len(p_idx), np.nan), where=n_single_rows > 0),
                "ci_low": low,
                "ci_high": high,
                "n_participants": n_part[p_idx],
            }
        )
        tables["prompt_country_first_choice"].append(country_rows)
    merged = {
        name: {k: np.concatenate([part[k] for part in parts]) for k in parts[0]} for name, parts in tables.items()
    }
    return Crowd(merged, order_by_block, text_by_block)
