"""The crowd tables: every crowd measure overall, per group against everyone else, and per prompt, with 95% CIs."""

from __future__ import annotations

import numpy as np

from core import config
from core.rankings import metrics
from core.stats.bootstrap import percentile_interval, resample_counts, resampled_sums, scaled_integers
from core.stats.crowd import AGREEMENT, FLAGGED, MEASURES, Measure
from core.stats.inputs import CodedAssessments

Z95 = 1.959963984540054


def group_members(release: CodedAssessments) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(participant × (1 + levels) membership, field per level, level label per level); column 0 is everyone."""
    fields, names, columns = [], [], [np.ones(len(release.participant_ids))]
    for field in config.GROUP_FIELDS:
        code, levels = release.groups[field]
        for k, level in enumerate(levels):
            fields.append(field)
            names.append(level)
            columns.append((code == k).astype(float))
    return np.stack(columns, axis=1), np.array(fields, dtype=object), np.array(names, dtype=object)


def per_participant(release: CodedAssessments, value: np.ndarray, defined: np.ndarray) -> tuple[np.ndarray, ...]:
    """(Σ values, number of defined assessments) per participant."""
    n = len(release.participant_ids)
    d = defined.astype(float)
    return (
        np.bincount(release.participant, weights=value * d, minlength=n),
        np.bincount(release.participant, weights=d, minlength=n),
    )


def ratio_replicates(num: np.ndarray, cnt: np.ndarray, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Resampled (Σ num, Σ cnt) for k × n rows of per-participant sums, as exact whole numbers (× SCALE)."""
    return resampled_sums(scaled_integers(num), weights), resampled_sums(scaled_integers(cnt), weights)


def _divide(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(b > 0, a / np.where(b > 0, b, 1), np.nan)


def group_tables(values: dict[Measure, tuple], release: CodedAssessments, b: int, seed: int) -> dict[str, dict]:
    """crowd_overall and crowd_group: each measure overall and per group level, the group against the rest."""
    members, field_of, level_of = group_members(release)
    weights = resample_counts(len(release.participant_ids), b, seed)
    overall: dict[str, list] = {}
    groups: dict[str, list] = {}
    for measure in MEASURES:
        num, cnt = per_participant(release, *values[measure])
        g_num, g_cnt = members.T * num, members.T * cnt  # (1 + levels) × participants
        n_ass, n_part = g_cnt.sum(axis=1), (g_cnt > 0).sum(axis=1)
        estimate = _divide(g_num.sum(axis=1), n_ass)
        rep_num, rep_cnt = ratio_replicates(g_num, g_cnt, weights)
        ratio = _divide(rep_num, rep_cnt)
        low, high = percentile_interval(ratio)
        # The rest of a level is everyone else: the total minus the level, exact in whole numbers.
        rest_num, rest_cnt = g_num[0] - g_num[1:], g_cnt[0] - g_cnt[1:]
        rest_est = _divide(rest_num.sum(axis=1), rest_cnt.sum(axis=1))
        rest_rep = _divide(rep_num[0] - rep_num[1:], rep_cnt[0] - rep_cnt[1:])
        diff_low, diff_high = percentile_interval(ratio[1:] - rest_rep)
        head = {"measure": measure.name, "block": measure.block, "metric": measure.metric}
        if n_ass[0] > 0:
            _append(
                overall,
                {
                    **head,
                    "estimate": estimate[0],
                    "ci_low": low[0],
                    "ci_high": high[0],
                    "n_participants": int(n_part[0]),
                    "n_assessments": int(n_ass[0]),
                },
            )
        for k in np.flatnonzero(n_ass[1:] > 0):
            _append(groups, {
                **head, "field": field_of[k], "level": level_of[k],
                "estimate": estimate[1 + k], "ci_low": low[1 + k], "ci_high": high[1 + k],
                "n_participants": int(n_part[1 + k]), "n_assessments": int(n_ass[1 + k]),
                "rest_estimate": rest_est[k], "rest_n_participants": int((rest_cnt[k] > 0).sum()),
                "difference": estimate[1 + k] - rest_est[k], "difference_ci_low": diff_low[k],
                "difference_ci_high": diff_high[k],
            })  # fmt: skip
    return {"crowd_overall": _arrays(overall), "crowd_group": _arrays(groups)}


def prompt_table(values: dict[Measure, tuple], release: CodedAssessments) -> dict[str, np.ndarray]:
    """crowd_prompt: agreement with the rest of the crowd and the flag share per prompt.

    Shares get the Wilson interval; mean agreement the normal interval mean ± 1.96 sd/√n (clipped to 0–1; NaN
    below two assessments): a prompt's assessments are almost always from distinct participants.
    """
    n_prompts, n_people = len(release.prompt_ids), len(release.participant_ids)
    rows: dict[str, list] = {}
    for measure in MEASURES:
        if measure.name not in (AGREEMENT, FLAGGED):
            continue
        value, defined = values[measure]
        pi = release.prompt[defined]
        v = value[defined]
        n = np.bincount(pi, minlength=n_prompts)
        s = np.bincount(pi, weights=v, minlength=n_prompts)
        s2 = np.bincount(pi, weights=v * v, minlength=n_prompts)
        people = np.bincount(np.unique(pi * n_people + release.participant[defined]) // n_people, minlength=n_prompts)
        mean = _divide(s, n)
        if measure.name == FLAGGED:
            low, high = metrics.wilson_interval(s, n)
        else:
            var = _divide(s2 - n * mean**2, n - 1)
            half = Z95 * np.sqrt(np.clip(var, 0, None) / np.maximum(n, 1))
            ok = n >= 2
            low = np.where(ok, np.clip(mean - half, 0, 1), np.nan)
            high = np.where(ok, np.clip(mean + half, 0, 1), np.nan)
        keep = np.flatnonzero(n > 0)
        _extend(rows, {
            "prompt_id": release.prompt_ids[keep].astype(object),
            "measure": np.full(len(keep), measure.name, dtype=object),
            "block": np.full(len(keep), measure.block, dtype=object),
            "metric": np.full(len(keep), measure.metric, dtype=object),
            "estimate": mean[keep], "ci_low": low[keep], "ci_high": high[keep],
            "n_assessments": n[keep], "n_participants": people[keep],
        })  # fmt: skip
    return {k: np.concatenate(v) for k, v in rows.items()}


def _append(rows: dict[str, list], row: dict) -> None:
    for k, v in row.items():
        rows.setdefault(k, []).append(v)


def _extend(rows: dict[str, list], columns: dict[str, np.ndarray]) -> None:
    for k, v in columns.items():
        rows.setdefault(k, []).append(v)


def _arrays(rows: dict[str, list]) -> dict[str, np.ndarray]:
    return {k: np.array(v, dtype=object if isinstance(v[0], str) else None) for k, v in rows.items()}
