"""Crowd-versus-ranker agreement for one ranker run: overall, by section, by group, by section × group, per prompt."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from core import config
from core.rankings import metrics
from core.stats import bootstrap, variants
from core.stats.bootstrap import resample_counts
from core.stats.inputs import CodedAssessments

THRESHOLDS = config.THRESHOLDS
COMBOS = [(block, metric) for block in config.BLOCKS for metric in config.METRICS]


@dataclass
class Layout:
    """Estimates of one run as a grid per combo: base rows × participant masks.

    Base row 0 is each participant's own assessments, row 1 + t·S + s section s at threshold t; mask 0 keeps
    every participant, mask 1 + level only that group level's. So (0, 0) is overall, (0, 1 + level) a group,
    (1 + st, 0) a section and (1 + st, 1 + level) a section × group.
    """

    anchors: np.ndarray
    field_offset: dict[str, int]
    field_of_level: np.ndarray  # per flattened group level: field name
    level_name: np.ndarray  # per flattened group level: level label
    n_levels: int

    @property
    def n_st(self) -> int:
        return len(THRESHOLDS) * len(self.anchors)

    @property
    def shape(self) -> tuple[int, int, int]:
        return len(COMBOS), 1 + self.n_st, 1 + self.n_levels


def _layout(release: CodedAssessments, anchors: np.ndarray) -> Layout:
    offsets, fields, names, total = {}, [], [], 0
    for field in config.GROUP_FIELDS:
        levels = release.groups[field][1]
        offsets[field] = total
        fields += [field] * len(levels)
        names += list(levels)
        total += len(levels)
    return Layout(anchors, offsets, np.array(fields, dtype=object), np.array(names, dtype=object), total)


def _assessments_of(prompts: np.ndarray, release: CodedAssessments) -> tuple[np.ndarray, np.ndarray]:
    """Expand prompt rows to (row, assessment) pairs: every assessment of each row's prompt."""
    n_prompts = len(release.prompt_ids)
    by_prompt = np.argsort(release.prompt, kind="stable")
    counts = np.bincount(release.prompt, minlength=n_prompts)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    per_row = counts[prompts]
    row = np.repeat(np.arange(len(prompts)), per_row)
    within = np.arange(per_row.sum()) - np.repeat(np.cumsum(per_row) - per_row, per_row)
    return row, by_prompt[starts[prompts][row] + within]


def _section_rows(layout: Layout, rel_prompt, rel_section, rel_grade) -> tuple[np.ndarray, np.ndarray]:
    """(prompt, section-threshold) rows: every prompt graded at or above each threshold."""
    st_prompt, st_id = [], []
    for t_idx, t in enumerate(THRESHOLDS):
        keep = rel_grade >= t
        st_prompt.append(rel_prompt[keep])
        st_id.append(t_idx * len(layout.anchors) + rel_section[keep])
    return np.concatenate(st_prompt), np.concatenate(st_id)


def _masks(release: CodedAssessments, layout: Layout) -> np.ndarray:
    """Participant × mask membership (mask 0: everyone; 1 + level: that group level)."""
    members = np.zeros((len(release.participant_ids), 1 + layout.n_levels))
    members[:, 0] = 1
    for field in config.GROUP_FIELDS:
        code = release.groups[field][0]
        known = np.flatnonzero(code >= 0)
        members[known, 1 + layout.field_offset[field] + code[known]] = 1
    return members


def _ordered_sums(base: np.ndarray, members: np.ndarray) -> np.ndarray:
    """Σ of each base row per mask, added participant by participant in index order.

    The estimates were always sums over (estimate, participant) entries in that order; keeping it keeps every
    published estimate identical to the last bit.
    """
    out = np.zeros((members.shape[1], len(base)))
    columns = np.ascontiguousarray(base.T)
    for person, masks in enumerate(members):
        out[np.flatnonzero(masks)] += columns[person]
    return out.T


def _intervals(num, cnt, n_ass, members, weights: np.ndarray, overall_of: np.ndarray) -> dict[str, np.ndarray]:
    """Participant bootstrap per (base row, mask) with assessments (NaN elsewhere): low, high, and the difference
    with its interval and p-value (diff_low, diff_high, p_diff): a group against the rest of the study on the same
    base row, a base row of everyone against its combo's overall row (`overall_of`: that row per base row).
    """
    out = {k: np.full(n_ass.shape, np.nan) for k in ("low", "high", "diff_low", "diff_high", "p_diff")}
    b = weights.shape[1]
    masks, rows = np.nonzero(n_ass.T > 0)  # mask-major
    if len(rows) == 0:
        out["tot_num"] = out["tot_cnt"] = np.zeros((len(num), b))
        return out
    snum, scnt = bootstrap.scaled_integers(num), bootstrap.scaled_integers(cnt)
    # Everyone's replicate sums of every base row: the totals a group is compared against.
    tot_num, tot_cnt = np.zeros((len(num), b)), np.zeros((len(num), b))
    step = max(1, bootstrap.CELLS // max(num.shape[1], 1))
    for i in range(0, len(num), step):
        tot_num[i : i + step] = bootstrap.resampled_sums(snum[i : i + step], weights)
        tot_cnt[i : i + step] = bootstrap.resampled_sums(scnt[i : i + step], weights)
    everyone = bootstrap.ratios(tot_num, tot_cnt)
    out["tot_num"], out["tot_cnt"] = tot_num, tot_cnt

    def one_mask(mask: int) -> None:
        at = rows[masks == mask]
        if mask == 0:
            out["low"][at, 0], out["high"][at, 0] = bootstrap.percentile_interval(everyone[at])
            versus = at[overall_of[at] != at]
            d = bootstrap.difference_summary(everyone[versus], everyone[overall_of[versus]])
            out["diff_low"][versus, 0], out["diff_high"][versus, 0], out["p_diff"][versus, 0] = d
            return
        # The resampled sums are exact integers in any order, so an estimate inside a group needs only the group's
        # participants: the others contribute zeros.
        who = np.flatnonzero(members[:, mask])
        step = max(64, bootstrap.CELLS // max(len(who), 1))  # estimates per block, bounding it at CELLS cells
        for i in range(0, len(at), step):
            r = at[i : i + step]
            pick = np.ix_(r, who)
            g_num = bootstrap.resampled_sums(snum[pick], weights[who])
            g_cnt = bootstrap.resampled_sums(scnt[pick], weights[who])
            group = bootstrap.ratios(g_num, g_cnt)
            out["low"][r, mask], out["high"][r, mask] = bootstrap.percentile_interval(group)
            rest = bootstrap.ratios(tot_num[r] - g_num, tot_cnt[r] - g_cnt)
            d = bootstrap.difference_summary(group, rest)
            out["diff_low"][r, mask], out["diff_high"][r, mask], out["p_diff"][r, mask] = d

    # Each mask fills its own column of `out`, from arrays nobody writes: two threads share the masks out, as numpy
    # lets go of the GIL in the products and partitions that take their time (issue 17).
    with ThreadPoolExecutor(2, thread_name_prefix="masks") as pool:
        list(pool.map(one_mask, np.unique(masks).tolist()))
    return out


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
        differs = np.asarray(np.where((ct >= 0) & (rt >= 0), ct != rt, None), dtype=object)
        rows = np.flatnonzero(matched & metrics.present(order))
        parts.append(
            {
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
            }
        )
    return {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}


def _prompt_index(release: CodedAssessments, prompt_ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Position of each id in release.prompt_ids, and whether it is there at all."""
    ids = prompt_ids.astype(str)
    n = len(release.prompt_ids)
    pos = np.searchsorted(release.prompt_ids, ids)
    hit = (pos < n) & (release.prompt_ids[np.minimum(pos, max(n - 1, 0))] == ids) if n else np.zeros(len(ids), bool)
    return pos, hit


def run_tables(
    run_id: str, release: CodedAssessments, crowd: Callable, ranker: dict, relevance: dict, b: int, seed: int
):
    """All agreement tables of one run, as column dicts keyed by table name.

    `crowd()` returns the per-prompt tables (core.stats.prompts.prompt_tables); it is called only at the end, so the
    caller can compute them meanwhile.
    """
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
    st_prompt, st_id = _section_rows(
        layout, rpos[rhit], section[rhit].astype(np.int64), relevance["grade"][rhit].astype(np.int64)
    )
    row, st_assessment = _assessments_of(st_prompt, release)
    st_cell = st_id[row] * n_people + release.participant[st_assessment]
    sections = np.zeros((layout.n_st, n_prompts))
    sections[st_id, st_prompt] = 1
    members = _masks(release, layout)
    anchor_prompt = variants.anchor_prompts(release)

    at_assessment = ranker_ranks[release.prompt]
    values: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    n_prompts_st: list[np.ndarray] = []
    presence: list[np.ndarray] = []
    num_rows: list[np.ndarray] = []
    cnt_rows: list[np.ndarray] = []
    for block, metric in COMBOS:
        value, defined = metrics.AGREEMENT_METRICS[metric](release.ranks[block], at_assessment)
        values[(block, metric)] = (value, defined)
        per_prompt = np.bincount(release.prompt, weights=defined, minlength=n_prompts) > 0
        n_prompts_st.append(np.bincount(st_id, weights=per_prompt[st_prompt], minlength=layout.n_st))
        presence.append(variants.prompt_presence(release, defined, members))
        # Base rows per participant, each summed over its assessments in the order it always was.
        for out_rows, weight in ((num_rows, value * defined), (cnt_rows, defined.astype(float))):
            out_rows.append(np.bincount(release.participant, weights=weight, minlength=n_people))
            out_rows.extend(
                np.bincount(st_cell, weights=weight[st_assessment], minlength=layout.n_st * n_people).reshape(
                    layout.n_st, n_people
                )
            )
    num, cnt = np.array(num_rows), np.array(cnt_rows)
    # Whole-number totals are exact in any order; only the sums of values depend on it.
    n_ass = (cnt @ members).reshape(layout.shape)
    n_part = ((cnt > 0) @ members).astype(np.int64).reshape(layout.shape)
    estimate = np.divide(
        _ordered_sums(num, members).reshape(layout.shape), n_ass, out=np.full(layout.shape, np.nan), where=n_ass > 0
    )
    per_combo = 1 + layout.n_st
    overall_of = np.arange(len(num)) // per_combo * per_combo
    weights = resample_counts(n_people, b, seed)
    # The two-way sums need nothing from the one-way intervals: they are computed alongside them (issue 17).
    with ThreadPoolExecutor(1, thread_name_prefix="two-way") as pool:
        replicated = pool.submit(variants.two_way_sums, values, release, members, sections, weights, seed)
        raw = _intervals(num, cnt, n_ass.reshape(len(num), -1), members, weights, overall_of)
        replicated_sums = replicated.result()
    boot = {k: raw[k].reshape(layout.shape) for k in ("low", "high", "diff_low", "diff_high", "p_diff")}
    low, high = boot["low"], boot["high"]
    sums = [
        (raw["tot_num"][c * per_combo : (c + 1) * per_combo], raw["tot_cnt"][c * per_combo : (c + 1) * per_combo])
        for c in range(len(COMBOS))
    ]
    two_way = variants.two_way(values, release, members, sections, anchor_prompt, weights, sums, replicated_sums)

    out: dict[str, list[dict]] = {
        k: []
        for k in (
            "agreement_overall",
            "agreement_section",
            "agreement_group",
            "agreement_section_group",
            "participant_agreement",
            "agreement_without_anchor",
        )
    }
    n_sections = len(anchors)

    def stats(c: int, r: np.ndarray, m: np.ndarray) -> dict[str, np.ndarray]:
        return {
            "estimate": estimate[c, r, m],
            "ci_low": low[c, r, m],
            "ci_high": high[c, r, m],
            "n_participants": n_part[c, r, m],
            "n_assessments": n_ass[c, r, m].astype(np.int64),
        }

    def diff(c: int, r: np.ndarray, m: np.ndarray) -> dict[str, np.ndarray]:
        return {k: boot[k][c, r, m] for k in ("diff_low", "diff_high", "p_diff")}

    for c, (block, metric) in enumerate(COMBOS):
        head = {"run_id": run_id, "block": block, "metric": metric}
        tw = two_way["all"][c]
        rates = variants.tie_rates(release, block, at_assessment, values[(block, metric)][1], members)
        n_prompts_mask = presence[c].sum(axis=0)
        overall = np.flatnonzero(n_ass[c, :1, 0] > 0)
        out["agreement_overall"].append(
            {
                **_constant(head, len(overall)),
                **stats(c, overall, overall),
                "ci_low_2w": tw["mask_low"][overall],
                "ci_high_2w": tw["mask_high"][overall],
                "n_prompts": n_prompts_mask[overall].astype(np.int64),
                **{k: v[overall] for k, v in rates.items()},
                **variants.matched_world(values, release, block, metric, b, seed, len(overall)),
            }
        )

        level = np.flatnonzero(n_ass[c, 0, 1:] > 0)
        out["agreement_group"].append(
            {
                **_constant(head, len(level)),
                "field": layout.field_of_level[level],
                "level": layout.level_name[level],
                **stats(c, np.zeros_like(level), 1 + level),
                **diff(c, np.zeros_like(level), 1 + level),
                "ci_low_2w": tw["mask_low"][1 + level],
                "ci_high_2w": tw["mask_high"][1 + level],
                "diff_low_2w": tw["diff_low"][1 + level],
                "diff_high_2w": tw["diff_high"][1 + level],
                "p_diff_2w": tw["p_diff"][1 + level],
                "n_prompts": n_prompts_mask[1 + level].astype(np.int64),
                **{k: v[1 + level] for k, v in rates.items()},
            }
        )
        prompts_by_cell = sections @ presence[c]
        per_prompt_cnt = np.bincount(release.prompt, weights=values[(block, metric)][1], minlength=n_prompts)

        for t_idx, threshold in enumerate(THRESHOLDS):
            st = t_idx * n_sections + np.arange(n_sections)
            r = 1 + st
            n_prompts_s = n_prompts_st[c][st]
            eligible = (
                (n_part[c, r, 0] >= config.MIN_PARTICIPANTS)
                & (n_prompts_s >= config.MIN_PROMPTS)
                & np.isfinite(estimate[c, r, 0])
            )
            rank, best, worst, tie = _section_ranks(estimate[c, r, 0], low[c, r, 0], high[c, r, 0], eligible)
            _, best2, worst2, _ = _section_ranks(
                estimate[c, r, 0], tw["section_low"][st], tw["section_high"][st], eligible
            )
            shown = n_ass[c, r, 0] > 0
            anchor_cnt = sections[st] @ (anchor_prompt * per_prompt_cnt)
            out["agreement_section"].append(
                {
                    **_constant({**head, "threshold": threshold}, int(shown.sum())),
                    "anchor": anchors[shown].astype(object),
                    **stats(c, r[shown], np.zeros(int(shown.sum()), np.int64)),
                    "n_prompts": n_prompts_s[shown].astype(np.int64),
                    "rank": rank[shown],
                    "rank_best": best[shown],
                    "rank_worst": worst[shown],
                    "tie_group": tie[shown],
                    "ci_low_2w": tw["section_low"][st][shown],
                    "ci_high_2w": tw["section_high"][st][shown],
                    "rank_best_2w": best2[shown],
                    "rank_worst_2w": worst2[shown],
                    **diff(c, r[shown], np.zeros(int(shown.sum()), np.int64)),
                    "diff_low_2w": tw["section_diff_low"][st][shown],
                    "diff_high_2w": tw["section_diff_high"][st][shown],
                    "p_diff_2w": tw["section_p_diff"][st][shown],
                    "anchor_share": (anchor_cnt / np.maximum(n_ass[c, r, 0], 1))[shown],
                }
            )

            cell_st, cell_level = np.nonzero(n_ass[c, r, 1:] > 0)  # section-major, then level: the stored order
            out["agreement_section_group"].append(
                {
                    **_constant({**head, "threshold": threshold}, len(cell_st)),
                    "anchor": anchors[cell_st].astype(object),
                    "field": layout.field_of_level[cell_level],
                    "level": layout.level_name[cell_level],
                    **stats(c, r[cell_st], 1 + cell_level),
                    **diff(c, r[cell_st], 1 + cell_level),
                    "n_prompts": prompts_by_cell[st[cell_st], 1 + cell_level].astype(np.int64),
                }
            )
        out["agreement_without_anchor"].append(
            variants.without_anchor_rows(
                head, two_way["without"][c], layout, anchors, release, members, sections, st_cell, st_assessment
            )
        )

        # Per participant: base row 0 holds each participant's own sums.
        own = c * (1 + layout.n_st)
        person = np.flatnonzero(cnt[own] > 0)
        out["participant_agreement"].append(
            {
                **_constant(head, len(person)),
                "annotator_id": release.participant_ids[person].astype(object),
                "n_assessments": cnt[own, person].astype(np.int64),
                "mean_agreement": num[own, person] / cnt[own, person],
            }
        )
    tables = {k: {c: np.concatenate([p[c] for p in v]) for c in v[0]} for k, v in out.items()}
    tables["prompt_ranker"] = _prompt_ranker(run_id, release, crowd(), ranker_ranks, ranker_text, matched, values)
    return tables


def _constant(columns: dict, n: int) -> dict[str, np.ndarray]:
    """Columns that repeat one value on every row."""
    return {k: np.full(n, v, dtype=object) for k, v in columns.items()}
