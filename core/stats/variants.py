"""What the headline figures rest on: two-way intervals, the anchor prompt, prompt counts, ties, matched blocks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from core import config
from core.rankings import metrics
from core.stats import bootstrap, twoway
from core.stats.inputs import CodedAssessments

COMBOS = [(block, metric) for block in config.BLOCKS for metric in config.METRICS]


def anchor_prompts(release: CodedAssessments) -> np.ndarray:
    """Per prompt: True for an anchor prompt, one seen by at least ANCHOR_MIN_SHARE of all participants and by at
    least ANCHOR_MEDIAN_FACTOR times as many as the median prompt (CA-1: one prompt, all 1,012 participants)."""
    n_prompts, n_people = len(release.prompt_ids), len(release.participant_ids)
    if n_prompts == 0:
        return np.zeros(0, dtype=bool)
    keys = np.unique(release.prompt * n_people + release.participant)
    people = np.bincount(keys // n_people, minlength=n_prompts)
    return (people >= config.ANCHOR_MIN_SHARE * n_people) & (people >= config.ANCHOR_MEDIAN_FACTOR * np.median(people))


def anchor_table(release: CodedAssessments) -> dict[str, np.ndarray]:
    """The anchor_prompts table: each anchor prompt with its participants, assessments and share of all assessments."""
    n_prompts, n_people = len(release.prompt_ids), len(release.participant_ids)
    anchor = np.flatnonzero(anchor_prompts(release))
    keys = np.unique(release.prompt * n_people + release.participant)
    people = np.bincount(keys // n_people, minlength=n_prompts)
    assessments = np.bincount(release.prompt, minlength=n_prompts)
    return {
        "prompt_id": release.prompt_ids[anchor].astype(object),
        "n_participants": people[anchor].astype(np.int64),
        "n_assessments": assessments[anchor].astype(np.int64),
        "share_of_assessments": assessments[anchor] / max(len(release.prompt), 1),
    }


def prompt_presence(release: CodedAssessments, defined: np.ndarray, members: np.ndarray) -> np.ndarray:
    """n_prompts × masks, 1 where someone in the mask has a defined value on the prompt."""
    n_prompts = len(release.prompt_ids)
    out = np.zeros((n_prompts, members.shape[1]))
    for m in range(members.shape[1]):
        keep = defined & (members[release.participant, m] > 0)
        out[:, m] = np.bincount(release.prompt[keep], minlength=n_prompts) > 0
    return out


def tie_rates(release: CodedAssessments, block: str, ranker_at: np.ndarray, defined: np.ndarray, members):
    """Per mask: assessments with both rankings but no value (n_no_value), and the share of the six response
    pairs per such assessment left out because either ranking ties them (tied_pair_share)."""
    ranks = release.ranks[block]
    asked = metrics.present(ranks) & metrics.present(ranker_at)
    _, kept = metrics.pairwise_counts(ranks, ranker_at)
    n = len(release.participant_ids)

    def per_mask(weight: np.ndarray) -> np.ndarray:
        return members.T @ np.bincount(release.participant, weights=weight.astype(float), minlength=n)

    n_asked = per_mask(asked)
    tied = per_mask(asked * (metrics.PAIR_I.size - kept))
    share = np.divide(tied, metrics.PAIR_I.size * n_asked, out=np.full(len(n_asked), np.nan), where=n_asked > 0)
    return {"n_no_value": per_mask(asked & ~defined).astype(np.int64), "tied_pair_share": share}


def matched_world(values: dict, release: CodedAssessments, block: str, metric: str, b: int, seed: int, n_rows: int):
    """On the personal block's overall row: world and personal agreement on the same assessments (both defined),
    and personal − world with its participant-bootstrap interval. NaN on world rows."""
    keys = ("matched_world", "matched_personal", "matched_diff_low", "matched_diff_high", "n_matched")
    if block != "personal" or n_rows == 0:
        return {k: np.full(n_rows, np.nan) for k in keys}
    (world, w_def), (personal, p_def) = values[("world", metric)], values[("personal", metric)]
    both = w_def & p_def
    n = len(release.participant_ids)
    rows = np.array(
        [np.bincount(release.participant, weights=x * both, minlength=n) for x in (world, personal, np.ones(len(both)))]
    )
    scaled = bootstrap.scaled_integers(rows)
    sums = bootstrap.resampled_sums(scaled, bootstrap.resample_counts(n, b, seed))
    w_rep, p_rep = bootstrap.ratios(sums[0:1], sums[2:3]), bootstrap.ratios(sums[1:2], sums[2:3])
    low, high, _ = bootstrap.difference_summary(p_rep, w_rep)
    total = scaled.sum(axis=1)
    point = np.divide(total[:2], total[2], out=np.full(2, np.nan), where=total[2] > 0)
    return {
        "matched_world": point[:1],
        "matched_personal": point[1:],
        "matched_diff_low": low,
        "matched_diff_high": high,
        "n_matched": np.array([int(both.sum())]),
    }


@dataclass(frozen=True)
class TwoWaySums:
    """The costly half of the two-way bootstrap: its whole-number inputs, the prompts' resampling counts, and the
    replicate sums by mask and by section (core.stats.twoway.replicate_sums)."""

    pairs: list[tuple[np.ndarray, np.ndarray]]  # per combo: (SCALE × value, SCALE × defined) per assessment
    prompt_weights: np.ndarray  # n_prompts × B
    by_mask: np.ndarray
    by_section: np.ndarray


def two_way_sums(values: dict, release: CodedAssessments, members, sections, weights, seed) -> TwoWaySums:
    """The two-way replicate sums of every combo: they need nothing from the one-way bootstrap, so they can be
    computed alongside it, and `two_way` finishes the job."""
    pairs = []
    for combo in COMBOS:
        value, defined = values[combo]
        pairs.append((bootstrap.scaled_integers(value * defined), bootstrap.SCALE * defined.astype(float)))
    prompt_w = twoway.prompt_weights(len(release.prompt_ids), weights.shape[1], seed)
    by_mask, by_section = twoway.replicate_sums(
        pairs, release.participant, release.prompt, members, sections, weights, prompt_w
    )
    return TwoWaySums(pairs, prompt_w, by_mask, by_section)


def two_way(
    values: dict, release: CodedAssessments, members, sections, anchor_prompt, weights, sums, replicated: TwoWaySums
) -> dict:
    """Per combo: two-way intervals for everyone and each mask (overall, groups) and each section, with the
    difference of a group from the rest and of a section from overall; and the same figures without the anchor
    prompt (point estimates, one-way and two-way intervals), by subtracting its share from every sum.

    weights: the participants' resampling counts (n_people × B); sums: per combo, (Σ num, Σ cnt) replicate sums
    of the participant bootstrap per base row (overall row, then each section), as core.stats.agreement has them;
    replicated: what `two_way_sums` returned for the same values and weights.
    """
    n_people = weights.shape[0]
    n_prompts = len(release.prompt_ids)
    prompt_w = replicated.prompt_weights
    rows = [x for pair in replicated.pairs for x in pair]
    two_mask, two_sec = replicated.by_mask, replicated.by_section
    per_person = np.array([np.bincount(release.participant, weights=x, minlength=n_people) for x in rows])
    per_prompt = np.array([np.bincount(release.prompt, weights=x, minlength=n_prompts) for x in rows])
    one_mask = np.stack([(members.T * p) @ weights for p in per_person])
    one_sec = np.stack([sums[r // 2][r % 2][1:] for r in range(len(rows))])
    point_mask = per_person @ members
    point_sec = per_prompt @ sections.T
    # Without the anchor prompt(s): the same sums less their share, replicate by replicate.
    wo = {
        "two_mask": two_mask.copy(),
        "two_sec": two_sec.copy(),
        "one_mask": one_mask.copy(),
        "one_sec": one_sec.copy(),
        "point_mask": point_mask.copy(),
        "point_sec": point_sec.copy(),
    }
    stacked = np.array(rows)
    for a in np.flatnonzero(anchor_prompt).tolist():
        at = np.flatnonzero(release.prompt == a)
        part_mask, part_sec = twoway.prompt_part(stacked, release.participant, at, a, members, sections, weights)
        wo["one_mask"] -= part_mask
        wo["one_sec"] -= part_sec
        wo["two_mask"] -= part_mask * prompt_w[a]
        wo["two_sec"] -= part_sec * prompt_w[a]
        point_mask, point_sec = twoway.prompt_part(
            stacked, release.participant, at, a, members, sections, np.ones((n_people, 1))
        )
        wo["point_mask"] -= point_mask[:, :, 0]
        wo["point_sec"] -= point_sec[:, :, 0]
    out: dict[str, list[dict]] = {"all": [], "without": []}
    for c in range(len(COMBOS)):
        n, d = 2 * c, 2 * c + 1
        mask, sec = bootstrap.ratios(two_mask[n], two_mask[d]), bootstrap.ratios(two_sec[n], two_sec[d])
        rest = bootstrap.ratios(two_mask[n, :1] - two_mask[n, 1:], two_mask[d, :1] - two_mask[d, 1:])
        g = bootstrap.difference_summary(mask[1:], rest)
        s = bootstrap.difference_summary(sec, np.broadcast_to(mask[:1], sec.shape))
        nan = np.full(1, np.nan)
        low, high = bootstrap.percentile_interval(mask)
        s_low, s_high = bootstrap.percentile_interval(sec)
        out["all"].append(
            {
                "mask_low": low,
                "mask_high": high,
                "diff_low": np.r_[nan, g[0]],
                "diff_high": np.r_[nan, g[1]],
                "p_diff": np.r_[nan, g[2]],
                "section_low": s_low,
                "section_high": s_high,
                "section_diff_low": s[0],
                "section_diff_high": s[1],
                "section_p_diff": s[2],
            }
        )
        without: dict[str, np.ndarray] = {
            "mask_n_ass": wo["point_mask"][d] / bootstrap.SCALE,
            "section_n_ass": wo["point_sec"][d] / bootstrap.SCALE,
            "mask_estimate": bootstrap.ratios(wo["point_mask"][n], wo["point_mask"][d]),
            "section_estimate": bootstrap.ratios(wo["point_sec"][n], wo["point_sec"][d]),
            "support": values[COMBOS[c]][1] & ~anchor_prompt[release.prompt],
        }
        for key, name in (("one", ""), ("two", "_2w")):
            for where in ("mask", "sec"):
                ratio = bootstrap.ratios(wo[f"{key}_{where}"][n], wo[f"{key}_{where}"][d])
                label = "mask" if where == "mask" else "section"
                without[f"{label}_low{name}"], without[f"{label}_high{name}"] = bootstrap.percentile_interval(ratio)
        out["without"].append(without)
    return out


def _ranks(estimate, low, high, eligible):
    """rank_best, rank_worst among eligible rows (NaN elsewhere), as core.stats.agreement ranks sections."""
    best, worst = np.full(len(estimate), np.nan), np.full(len(estimate), np.nan)
    idx = np.flatnonzero(eligible)
    lo, hi = low[idx], high[idx]
    best[idx] = 1 + (lo[None, :] > hi[:, None]).sum(axis=1)
    worst[idx] = len(idx) - (hi[None, :] < lo[:, None]).sum(axis=1)
    return best, worst


def without_anchor_rows(head: dict, w: dict, layout, anchors, release, members, sections, st_cell, st_assessment):
    """agreement_without_anchor rows of one combo: overall (no threshold, section or group), each group, and each
    section at each threshold, from the assessments of every prompt but the anchor prompt."""
    n_people = len(release.participant_ids)
    sup = w["support"]
    presence = prompt_presence(release, sup, members)
    n_part_mask = members.T @ (np.bincount(release.participant, weights=sup.astype(float), minlength=n_people) > 0)
    per_cell = np.bincount(st_cell, weights=sup[st_assessment].astype(float), minlength=layout.n_st * n_people)
    n_part_sec = (per_cell.reshape(layout.n_st, n_people) > 0).sum(axis=1)
    n_prompts_sec = sections @ presence[:, 0]
    n_sections = len(anchors)
    parts = []
    mask = np.flatnonzero(w["mask_n_ass"] > 0)
    parts.append(
        {
            "threshold": np.full(len(mask), None, dtype=object),
            "anchor": np.full(len(mask), None, dtype=object),
            "field": np.r_[np.array([None], dtype=object), layout.field_of_level][mask],
            "level": np.r_[np.array([None], dtype=object), layout.level_name][mask],
            "estimate": w["mask_estimate"][mask],
            "ci_low": w["mask_low"][mask],
            "ci_high": w["mask_high"][mask],
            "ci_low_2w": w["mask_low_2w"][mask],
            "ci_high_2w": w["mask_high_2w"][mask],
            "n_participants": n_part_mask[mask].astype(np.int64),
            "n_assessments": w["mask_n_ass"][mask].astype(np.int64),
            "n_prompts": presence.sum(axis=0)[mask].astype(np.int64),
            "rank_best": np.full(len(mask), np.nan),
            "rank_worst": np.full(len(mask), np.nan),
            "rank_best_2w": np.full(len(mask), np.nan),
            "rank_worst_2w": np.full(len(mask), np.nan),
        }
    )
    for t_idx, threshold in enumerate(config.THRESHOLDS):
        st = t_idx * n_sections + np.arange(n_sections)
        est = w["section_estimate"][st]
        eligible = (
            (n_part_sec[st] >= config.MIN_PARTICIPANTS) & (n_prompts_sec[st] >= config.MIN_PROMPTS) & np.isfinite(est)
        )
        best, worst = _ranks(est, w["section_low"][st], w["section_high"][st], eligible)
        best2, worst2 = _ranks(est, w["section_low_2w"][st], w["section_high_2w"][st], eligible)
        shown = w["section_n_ass"][st] > 0
        k = int(shown.sum())
        parts.append(
            {
                "threshold": np.full(k, threshold, dtype=object),
                "anchor": anchors[shown].astype(object),
                "field": np.full(k, None, dtype=object),
                "level": np.full(k, None, dtype=object),
                "estimate": est[shown],
                "ci_low": w["section_low"][st][shown],
                "ci_high": w["section_high"][st][shown],
                "ci_low_2w": w["section_low_2w"][st][shown],
                "ci_high_2w": w["section_high_2w"][st][shown],
                "n_participants": n_part_sec[st][shown].astype(np.int64),
                "n_assessments": w["section_n_ass"][st][shown].astype(np.int64),
                "n_prompts": n_prompts_sec[st][shown].astype(np.int64),
                "rank_best": best[shown],
                "rank_worst": worst[shown],
                "rank_best_2w": best2[shown],
                "rank_worst_2w": worst2[shown],
            }
        )
    table = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    n = len(table["estimate"])
    return {**{k: np.full(n, v, dtype=object) for k, v in head.items()}, **table}
