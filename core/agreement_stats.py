"""Crowd-versus-ranker agreement for one ranker run: overall, by section, by group, by section × group, per prompt.

Every estimate is a mean of per-assessment agreement over a set of assessments. Each set is written as
(estimate id, participant) entries holding the participant's sum of values and count of values in it, so all
estimates — and their cluster bootstraps — come from the same few array operations.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import config, metrics
from core.aggregates import GROUP_FIELDS, Release
from core.bootstrap import cluster_ratio_intervals

THRESHOLDS = config.THRESHOLDS
COMBOS = [(block, metric) for block in config.BLOCKS for metric in config.METRICS]


@dataclass
class Layout:
    """How estimate ids are laid out for one run: overall, groups, sections × thresholds, and their product."""

    anchors: np.ndarray
    field_offset: dict[str, int]
    field_of_level: np.ndarray  # per flattened group level: field name
    level_name: np.ndarray  # per flattened group level: level label
    n_levels: int

    @property
    def n_st(self) -> int:
        return len(THRESHOLDS) * len(self.anchors)

    @property
    def group_base(self) -> int:
        return 1

    @property
    def section_base(self) -> int:
        return 1 + self.n_levels

    @property
    def section_group_base(self) -> int:
        return 1 + self.n_levels + self.n_st

    @property
    def size(self) -> int:
        return self.section_group_base + self.n_st * self.n_levels


def _layout(release: Release, anchors: np.ndarray) -> Layout:
    offsets, fields, names, total = {}, [], [], 0
    for field in GROUP_FIELDS:
        levels = release.groups[field][1]
        offsets[field] = total
        fields += [field] * len(levels)
        names += list(levels)
        total += len(levels)
    return Layout(anchors, offsets, np.array(fields, dtype=object), np.array(names, dtype=object), total)


def _assessments_of(prompts: np.ndarray, release: Release) -> tuple[np.ndarray, np.ndarray]:
    """Expand prompt rows to (row, assessment) pairs: every assessment of each row's prompt."""
    n_prompts = len(release.prompt_ids)
    by_prompt = np.argsort(release.prompt, kind="stable")
    counts = np.bincount(release.prompt, minlength=n_prompts)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    per_row = counts[prompts]
    row = np.repeat(np.arange(len(prompts)), per_row)
    within = np.arange(per_row.sum()) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    return row, by_prompt[starts[prompts][row] + within]


def _memberships(release: Release, layout: Layout, rel_prompt, rel_section, rel_grade):
    """(assessment, estimate id) rows for every estimate; plus the (prompt, section-threshold) rows."""
    n = len(release.prompt)
    st_prompt, st_id = [], []
    for t_idx, t in enumerate(THRESHOLDS):
        keep = rel_grade >= t
        st_prompt.append(rel_prompt[keep])
        st_id.append(t_idx * len(layout.anchors) + rel_section[keep])
    st_prompt, st_id = np.concatenate(st_prompt), np.concatenate(st_id)
    row, st_assessment = _assessments_of(st_prompt, release)
    st_of_assessment = st_id[row]

    a_parts = [np.arange(n), st_assessment]
    e_parts = [np.zeros(n, dtype=np.int64), layout.section_base + st_of_assessment]
    for field in GROUP_FIELDS:
        code = release.groups[field][0]
        level = code[release.participant]
        known = level >= 0
        flat = layout.field_offset[field] + level
        a_parts.append(np.flatnonzero(known))
        e_parts.append(layout.group_base + flat[known])
        known_st = known[st_assessment]
        a_parts.append(st_assessment[known_st])
        e_parts.append(layout.section_group_base + st_of_assessment[known_st] * layout.n_levels
                       + flat[st_assessment[known_st]])
    return np.concatenate(a_parts), np.concatenate(e_parts), st_prompt, st_id


def _section_ranks(est, low, high, eligible):
    """rank, rank_best, rank_worst, tie_group among eligible sections (others get NaN)."""
    out = [np.full(len(est), np.nan) for _ in range(4)]
    idx = np.flatnonzero(eligible)
    if len(idx) == 0:
        return out
    e, lo, hi = est[idx], low[idx], high[idx]
    out[0][idx] = 1 + (e[None, :] > e[:, None]).sum(axis=1)
    out[1][idx] = 1 + (lo[None, :] > hi[:, None]).sum(axis=1)
    out[2][idx] = len(idx) - (hi[None, :] < lo[:, None]).sum(axis=1)
    order = idx[np.argsort(-e, kind="stable")]
    separate = (high[order[1:]] < low[order[:-1]]) | (low[order[1:]] > high[order[:-1]])
    out[3][order] = np.r_[1, 1 + np.cumsum(separate)]
    return out


def _prompt_ranker(run_id, release, crowd, ranker_ranks, ranker_text, matched, values):
    """prompt_ranker rows: the Borda order against the ranker, and mean participant agreement per prompt."""
    n_prompts = len(release.prompt_ids)
    parts = []
    for block in config.BLOCKS:
        order = crowd.order[block]
        value, defined = values[(block, "pairwise")]
        pi, part = release.prompt[defined], release.participant[defined]
        n_def = np.bincount(pi, minlength=n_prompts)
        sums = np.bincount(pi, weights=value[defined], minlength=n_prompts)
        keys = np.unique(pi * len(release.participant_ids) + part)
        people = np.bincount(keys // len(release.participant_ids), minlength=n_prompts)
        crowd_vs, crowd_def = metrics.pairwise_agreement(order, ranker_ranks)
        ct, rt = metrics.single_top(order), metrics.single_top(ranker_ranks)
        differs = np.where((ct >= 0) & (rt >= 0), ct != rt, None).astype(object)
        rows = np.flatnonzero(matched & metrics.present(order))
        parts.append({
            "run_id": np.full(len(rows), run_id, dtype=object),
            "prompt_id": release.prompt_ids[rows].astype(object),
            "block": np.full(len(rows), block, dtype=object),
            "ranker_ranking": ranker_text[rows],
            "crowd_order": crowd.order_text[block][rows],
            "crowd_ranker_pairwise": np.where(crowd_def, crowd_vs, np.nan)[rows],
            "top_differs": differs[rows],
            "mean_agreement": np.divide(sums, n_def, out=np.full(n_prompts, np.nan), where=n_def > 0)[rows],
            "n_assessments": n_def[rows],
            "n_participants": people[rows],
        })
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _prompt_index(release: Release, prompt_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position of each id in release.prompt_ids, and whether it is there at all."""
    ids = prompt_ids.astype(str)
    n = len(release.prompt_ids)
    pos = np.searchsorted(release.prompt_ids, ids)
    hit = (pos < n) & (release.prompt_ids[np.minimum(pos, max(n - 1, 0))] == ids) if n else np.zeros(len(ids), bool)
    return pos, hit


def run_tables(run_id: str, release: Release, crowd, ranker: dict, relevance: dict, b: int, seed: int):
    """All agreement tables of one run, as column dicts keyed by table name."""
    n_prompts, n_people = len(release.prompt_ids), len(release.participant_ids)
    # Ranker rankings on prompts of this store (others are ignored: they have no assessments).
    pos, hit = _prompt_index(release, ranker["prompt_id"])
    ranker_ranks = np.zeros((n_prompts, metrics.N_LETTERS), dtype=np.int64)
    ranker_ranks[pos[hit]] = np.stack([ranker[f"rank_{x.lower()}"] for x in config.LETTERS], axis=1)[hit]
    ranker_text = np.full(n_prompts, None, dtype=object)
    ranker_text[pos[hit]] = ranker["ranking"][hit]
    matched = np.zeros(n_prompts, dtype=bool)
    matched[pos[hit]] = True

    anchors, section = np.unique(relevance["anchor"].astype(str), return_inverse=True)
    rpos, rhit = _prompt_index(release, relevance["prompt_id"])
    layout = _layout(release, anchors)
    a_rows, e_rows, st_prompt, st_id = _memberships(
        release, layout, rpos[rhit], section[rhit].astype(np.int64), relevance["grade"][rhit].astype(np.int64)
    )
    keys, inverse = np.unique(e_rows * n_people + release.participant[a_rows], return_inverse=True)
    entry_estimate, entry_person = keys // n_people, keys % n_people

    at_assessment = ranker_ranks[release.prompt]
    values, parts = {}, []
    for combo_idx, (block, metric) in enumerate(COMBOS):
        value, defined = metrics.AGREEMENT_METRICS[metric](release.ranks[block], at_assessment)
        values[(block, metric)] = (value, defined)
        num = np.bincount(inverse, weights=(value * defined)[a_rows], minlength=len(keys))
        cnt = np.bincount(inverse, weights=defined[a_rows].astype(float), minlength=len(keys))
        keep = cnt > 0
        per_prompt = np.bincount(release.prompt, weights=defined, minlength=n_prompts) > 0
        n_prompts_st = np.bincount(st_id, weights=per_prompt[st_prompt], minlength=layout.n_st)
        parts.append((combo_idx * layout.size + entry_estimate[keep], num[keep], cnt[keep],
                      entry_person[keep], n_prompts_st))
    est_id = np.concatenate([p[0] for p in parts])
    num = np.concatenate([p[1] for p in parts])
    cnt = np.concatenate([p[2] for p in parts])
    total = len(COMBOS) * layout.size
    sums = np.bincount(est_id, weights=num, minlength=total)
    n_ass = np.bincount(est_id, weights=cnt, minlength=total)
    n_part = np.bincount(est_id, minlength=total)
    estimate = np.divide(sums, n_ass, out=np.full(total, np.nan), where=n_ass > 0)
    person = np.concatenate([p[3] for p in parts])
    low, high = cluster_ratio_intervals(est_id, person, num, cnt, total, n_people, b, seed)

    def stats(ids: np.ndarray) -> dict[str, np.ndarray]:
        return {"estimate": estimate[ids], "ci_low": low[ids], "ci_high": high[ids],
                "n_participants": n_part[ids], "n_assessments": n_ass[ids].astype(np.int64)}

    out: dict[str, list[dict]] = {k: [] for k in (
        "agreement_overall", "agreement_section", "agreement_group", "agreement_section_group", "participant_agreement")}
    n_sections = len(anchors)
    for combo_idx, (block, metric) in enumerate(COMBOS):
        base = combo_idx * layout.size
        head = {"run_id": run_id, "block": block, "metric": metric}
        overall = np.array([base])[n_ass[[base]] > 0]
        out["agreement_overall"].append({**_constant(head, len(overall)), **stats(overall)})

        level = np.arange(layout.n_levels)
        level = level[n_ass[base + layout.group_base + level] > 0]
        out["agreement_group"].append({
            **_constant(head, len(level)), "field": layout.field_of_level[level], "level": layout.level_name[level],
            **stats(base + layout.group_base + level)})

        for t_idx, threshold in enumerate(THRESHOLDS):
            st = t_idx * n_sections + np.arange(n_sections)
            ids = base + layout.section_base + st
            eligible = (n_part[ids] >= config.MIN_PARTICIPANTS) & np.isfinite(estimate[ids])
            rank, best, worst, tie = _section_ranks(estimate[ids], low[ids], high[ids], eligible)
            shown = n_ass[ids] > 0
            out["agreement_section"].append({
                **_constant({**head, "threshold": threshold}, int(shown.sum())),
                "anchor": anchors[shown].astype(object), **stats(ids[shown]),
                "n_prompts": parts[combo_idx][4][st][shown].astype(np.int64),
                "rank": rank[shown], "rank_best": best[shown], "rank_worst": worst[shown], "tie_group": tie[shown]})

            cell = (st[:, None] * layout.n_levels + np.arange(layout.n_levels)[None, :]).ravel()
            cell = cell[n_ass[base + layout.section_group_base + cell] > 0]
            out["agreement_section_group"].append({
                **_constant({**head, "threshold": threshold}, len(cell)),
                "anchor": anchors[(cell // layout.n_levels) % n_sections].astype(object),
                "field": layout.field_of_level[cell % layout.n_levels],
                "level": layout.level_name[cell % layout.n_levels],
                **stats(base + layout.section_group_base + cell)})

        # Per participant: the overall estimate's entries are exactly each participant's own sums.
        est_ids, sums_p, cnt_p, person = parts[combo_idx][:4]
        mine = est_ids == base
        out["participant_agreement"].append({
            **_constant(head, int(mine.sum())),
            "annotator_id": release.participant_ids[person[mine]].astype(object),
            "n_assessments": cnt_p[mine].astype(np.int64),
            "mean_agreement": sums_p[mine] / cnt_p[mine]})
    tables = {k: {c: np.concatenate([p[c] for p in v]) for c in v[0]} for k, v in out.items()}
    tables["prompt_ranker"] = _prompt_ranker(run_id, release, crowd, ranker_ranks, ranker_text, matched, values)
    return tables


def _constant(columns: dict, n: int) -> dict[str, np.ndarray]:
    """Columns that repeat one value on every row."""
    return {k: np.full(n, v, dtype=object) for k, v in columns.items()}
