"""The crowd reference beside one ranker run: both agreements on the same assessments, overall and per section."""

from __future__ import annotations

import numpy as np

from core import config
from core.rankings import metrics
from core.stats.bootstrap import percentile_interval, resample_counts
from core.stats.crowd import AGREEMENT, Measure
from core.stats.crowd_tables import _divide, ratio_replicates
from core.stats.inputs import CodedAssessments


def _ranker_at(release: CodedAssessments, ranker: dict) -> np.ndarray:
    """The run's rank row for each assessment's prompt (0 where the run has no ranking)."""
    n = len(release.prompt_ids)
    ids = ranker["prompt_id"].astype(str)
    pos = np.searchsorted(release.prompt_ids, ids)
    hit = pos < n
    hit[hit] = release.prompt_ids[pos[hit]] == ids[hit]
    table = np.zeros((n, metrics.N_LETTERS), dtype=np.int64)
    table[pos[hit]] = np.stack([ranker[f"rank_{x.lower()}"] for x in config.LETTERS], axis=1)[hit].astype(np.int64)
    return table[release.prompt]


def _incidence(release: CodedAssessments, relevance: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(prompt × scope incidence, threshold per scope, anchor per scope); scope 0 is every prompt."""
    n = len(release.prompt_ids)
    anchors, section = np.unique(relevance["anchor"].astype(str), return_inverse=True)
    ids = relevance["prompt_id"].astype(str)
    pos = np.searchsorted(release.prompt_ids, ids)
    hit = pos < n
    hit[hit] = release.prompt_ids[pos[hit]] == ids[hit]
    grade = relevance["grade"].astype(np.int64)
    columns: list[np.ndarray] = [np.ones((n, 1))]
    thresholds: list[int | None] = [None]
    names: list[str | None] = [None]
    for t in config.THRESHOLDS:
        block = np.zeros((n, len(anchors)))
        keep = hit & (grade >= t)
        block[pos[keep], section.ravel()[keep]] = 1.0
        columns.append(block)
        thresholds += [t] * len(anchors)
        names += list(anchors)
    return np.column_stack(columns), np.array(thresholds, dtype=object), np.array(names, dtype=object)


def run_table(run_id, values, release: CodedAssessments, ranker: dict, relevance: dict, b: int, seed: int) -> dict:
    """crowd_ranker rows of one run: crowd and ranker agreement over the assessments where both are defined."""
    at = _ranker_at(release, ranker)
    incidence, thresholds, anchors = _incidence(release, relevance)
    n_people, n_prompts = len(release.participant_ids), len(release.prompt_ids)
    weights = resample_counts(n_people, b, seed)
    cell = release.participant * n_prompts + release.prompt
    rows: dict[str, list] = {}
    for block in config.BLOCKS:
        for metric in config.METRICS:
            crowd_value, crowd_ok = values[Measure(AGREEMENT, block, metric)]
            ranker_value, ranker_ok = metrics.AGREEMENT_METRICS[metric](release.ranks[block], at)
            both = (crowd_ok & ranker_ok).astype(float)

            def scoped(weight: np.ndarray) -> np.ndarray:
                # participant × prompt sums, then into scopes: scopes × participants.
                grid = np.bincount(cell, weights=weight, minlength=n_people * n_prompts).reshape(n_people, n_prompts)
                return (grid @ incidence).T

            cnt = scoped(both)
            n_ass, n_part = cnt.sum(axis=1), (cnt > 0).sum(axis=1)
            prompts = (np.bincount(release.prompt, weights=both, minlength=n_prompts) > 0) @ incidence
            out = {}
            for who, value in (("crowd", crowd_value), ("ranker", ranker_value)):
                num = scoped(value * both)
                rep_num, rep_cnt = ratio_replicates(num, cnt, weights)
                out[who] = (_divide(num.sum(axis=1), n_ass), _divide(rep_num, rep_cnt))
            c_low, c_high = percentile_interval(out["crowd"][1])
            r_low, r_high = percentile_interval(out["ranker"][1])
            d_low, d_high = percentile_interval(out["ranker"][1] - out["crowd"][1])
            keep = np.flatnonzero(n_ass > 0)
            k = len(keep)
            columns = {
                "run_id": np.full(k, run_id, dtype=object), "block": np.full(k, block, dtype=object),
                "metric": np.full(k, metric, dtype=object), "threshold": thresholds[keep], "anchor": anchors[keep],
                "crowd_estimate": out["crowd"][0][keep], "crowd_ci_low": c_low[keep], "crowd_ci_high": c_high[keep],
                "ranker_estimate": out["ranker"][0][keep], "ranker_ci_low": r_low[keep],
                "ranker_ci_high": r_high[keep], "difference_ci_low": d_low[keep], "difference_ci_high": d_high[keep],
                "n_participants": n_part[keep], "n_assessments": n_ass[keep].astype(np.int64),
                "n_prompts": prompts[keep].astype(np.int64),
            }  # fmt: skip
            for name, column in columns.items():
                rows.setdefault(name, []).append(column)
    return {k: np.concatenate(v) for k, v in rows.items()}
