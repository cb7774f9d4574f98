"""Two-way bootstrap (participants × prompts): each replicate resamples both, independently; exact whole-number sums."""

from __future__ import annotations

import numpy as np

from core.stats import bootstrap

PROMPT_STREAM = 1  # prompts draw from their own random stream: participants' draws stay those of the one-way bootstrap
# A dense participant × prompt table lets BLAS do the sums (3× faster at full scale, where 2% of the cells hold an
# assessment), but it grows with people × prompts: bigger or sparser data gathers the weights per assessment.
DENSE_MAX_CELLS = bootstrap.CELLS
DENSE_CELLS_PER_ASSESSMENT = 100


def prompt_weights(n_prompts: int, b: int, seed: int) -> np.ndarray:
    """n_prompts × B: how often each prompt is drawn per replicate (the one-way bootstrap draws every prompt once)."""
    return bootstrap.resample_counts(n_prompts, b, seed, stream=PROMPT_STREAM)


def _segments(key: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stable order by key, the start of each key's run in that order, and the key of each run."""
    order = np.argsort(key, kind="stable")
    ordered = key[order]
    starts = np.r_[0, np.flatnonzero(np.diff(ordered)) + 1] if len(key) else np.zeros(0, np.intp)
    return order, starts, ordered[starts]


def replicate_sums(
    pairs: list[tuple[np.ndarray, np.ndarray]],
    participant: np.ndarray,
    prompt: np.ndarray,
    members: np.ndarray,
    sections: np.ndarray,
    people_weights: np.ndarray,
    prompt_weights: np.ndarray,
    dense: bool | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Replicate sums Σ x · W[participant] · V[prompt] of per-assessment whole numbers, two rows per pair.

    Each pair (num, cnt) holds SCALE × values and SCALE × counts per assessment; assessments with cnt 0 are
    skipped. Returns (by_mask, by_section): 2k × masks × B sums over every prompt for each participant mask
    (members: n_people × masks), and 2k × sections × B sums over each section's prompts (sections: n_sections ×
    n_prompts, 0/1) for everyone. Every partial sum is a whole number below 2^53, so the result does not depend on
    order, chunking, BLAS or `dense` (the method: a participant × prompt table, or gathering per assessment;
    chosen by size when None).
    """
    n_people, b = people_weights.shape
    n_prompts = sections.shape[1]
    if dense is None:
        cells = n_people * n_prompts
        dense = cells <= DENSE_MAX_CELLS and cells <= DENSE_CELLS_PER_ASSESSMENT * len(participant)
    by_mask = np.zeros((2 * len(pairs), members.shape[1], b))
    by_section = np.zeros((2 * len(pairs), len(sections), b))
    most = float(people_weights.max(initial=1.0)) * float(prompt_weights.max(initial=1.0))
    for k, (num, cnt) in enumerate(pairs):
        if max(np.abs(num).sum(), cnt.sum()) * most >= bootstrap.EXACT:
            raise ValueError("two-way sums would exceed 2^53: float64 could no longer hold them exactly")
        keep = np.flatnonzero(cnt)
        if len(keep) == 0:
            continue
        parts = _tabled if dense else _gathered
        for cols, per_person, per_prompt in parts(
            num[keep], cnt[keep], participant[keep], prompt[keep], people_weights, prompt_weights
        ):
            w, v = people_weights[:, cols], prompt_weights[:, cols]
            for j in range(2):
                by_mask[2 * k + j, :, cols] = members.T @ (per_person[j] * w)
                by_section[2 * k + j, :, cols] = sections @ (per_prompt[j] * v)
    return by_mask, by_section


def _tabled(x, counts, participant, prompt, people_weights, prompt_weights):
    """Per block of replicates: Σ over each participant's prompts of (x, count) · V, and over each prompt's
    participants of (x, count) · W, through participant × prompt tables (a repeated assessment adds up)."""
    (n_people, b), n_prompts = people_weights.shape, prompt_weights.shape[0]
    cell = participant.astype(np.int64) * n_prompts + prompt
    tables = [
        np.bincount(cell, weights=y, minlength=n_people * n_prompts).reshape(n_people, n_prompts) for y in (x, counts)
    ]
    step = max(16, bootstrap.CELLS // max(n_people, n_prompts, 1))  # replicates per block: bounds it at CELLS
    for lo in range(0, b, step):
        cols = slice(lo, min(b, lo + step))
        w, v = people_weights[:, cols], prompt_weights[:, cols]
        per_person = np.stack([bootstrap.whole_product(t, v) for t in tables])
        yield cols, per_person, np.stack([bootstrap.whole_product(t.T, w) for t in tables])


def _gathered(x, counts, participant, prompt, people_weights, prompt_weights):
    """The same sums, gathering each assessment's B weights and adding them up by participant and by prompt."""
    (n_people, b), n_prompts = people_weights.shape, prompt_weights.shape[0]
    scale = np.unique(counts)  # SCALE × 1 on every kept assessment: counts need no multiplication
    if len(scale) != 1:
        raise ValueError("counts must be SCALE on every kept assessment (one value each)")
    by_p, p_starts, p_who = _segments(participant)
    by_q, q_starts, q_which = _segments(prompt)
    step = max(16, bootstrap.CELLS // len(x))  # replicates per block: bounds each gather at CELLS cells
    for lo in range(0, b, step):
        cols = slice(lo, min(b, lo + step))
        g, h = prompt_weights[prompt[by_p], cols], people_weights[participant[by_q], cols]
        per_person = np.zeros((2, n_people, g.shape[1]))
        per_person[0, p_who] = np.add.reduceat(g * x[by_p, None], p_starts)
        per_person[1, p_who] = np.add.reduceat(g, p_starts) * scale[0]
        per_prompt = np.zeros((2, n_prompts, g.shape[1]))
        per_prompt[0, q_which] = np.add.reduceat(h * x[by_q, None], q_starts)
        per_prompt[1, q_which] = np.add.reduceat(h, q_starts) * scale[0]
        yield cols, per_person, per_prompt


def prompt_part(
    rows: np.ndarray,
    participant: np.ndarray,
    at: np.ndarray,
    prompt_index: int,
    members: np.ndarray,
    sections: np.ndarray,
    people_weights: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """One prompt's share of the one-way replicate sums (by_mask: k × masks × B, by_section: k × sections × B) for
    k rows of per-assessment whole numbers; × that prompt's V row it is its share of the two-way sums. A figure
    without the prompt is the full sums minus this, with the same replicates and still exact."""
    w = people_weights[participant[at]]  # the prompt's assessments × B
    scaled = members[participant[at]].T[None, :, :] * rows[:, None, at]  # k × masks × its assessments
    by_mask = np.stack([m @ w for m in scaled])
    total = rows[:, at] @ w  # k × B
    by_section = sections[None, :, prompt_index, None] * total[:, None, :]
    return by_mask, by_section
