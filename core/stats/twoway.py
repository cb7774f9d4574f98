"""Two-way bootstrap (participants × prompts): each replicate resamples both, independently; exact whole-number sums."""

from __future__ import annotations

import numpy as np

from core.stats import bootstrap

PROMPT_STREAM = 1  # prompts draw from their own random stream: participants' draws stay those of the one-way bootstrap


def prompt_weights(n_prompts: int, b: int, seed: int) -> np.ndarray:
    """n_prompts × B: how often each prompt is drawn per replicate (the one-way bootstrap draws every prompt once)."""
    return bootstrap.resample_counts(n_prompts, b, seed, stream=PROMPT_STREAM)


def replicate_sums(
    pairs: list[tuple[np.ndarray, np.ndarray]],
    participant: np.ndarray,
    prompt: np.ndarray,
    members: np.ndarray,
    sections: np.ndarray,
    people_weights: np.ndarray,
    prompt_weights: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Replicate sums Σ x · W[participant] · V[prompt] of per-assessment whole numbers, two rows per pair.

    Each pair (num, cnt) holds SCALE × values and SCALE × counts per assessment; assessments with cnt 0 are
    skipped. Returns (by_mask, by_section): 2k × masks × B sums over every prompt for each participant mask
    (members: n_people × masks), and 2k × sections × B sums over each section's prompts (sections: n_sections ×
    n_prompts, 0/1) for everyone. Every partial sum is a whole number below 2^53, so the result does not depend on
    order, chunking or BLAS.
    """
    n_people, b = people_weights.shape
    n_prompts = sections.shape[1]
    by_mask = np.zeros((2 * len(pairs), members.shape[1], b))
    by_section = np.zeros((2 * len(pairs), len(sections), b))
    most = float(people_weights.max(initial=1.0)) * float(prompt_weights.max(initial=1.0))
    cell = participant.astype(np.int64) * n_prompts + prompt
    step = max(16, bootstrap.CELLS // max(n_people, n_prompts, 1))  # replicates per block: bounds each at CELLS
    for k, (num, cnt) in enumerate(pairs):
        if max(np.abs(num).sum(), cnt.sum()) * most >= bootstrap.EXACT:
            raise ValueError("two-way sums would exceed 2^53: float64 could no longer hold them exactly")
        kept = cnt != 0
        for j, x in enumerate((np.where(kept, num, 0.0), np.where(kept, cnt, 0.0))):
            # The participant × prompt table of x (an assessment repeated in a cell adds up). Dense on purpose: at
            # ~2% filled, BLAS over it beat gathering B weights per assessment by 2× at full scale.
            table = np.bincount(cell, weights=x, minlength=n_people * n_prompts).reshape(n_people, n_prompts)
            for lo in range(0, b, step):
                cols = slice(lo, min(b, lo + step))
                w, v = people_weights[:, cols], prompt_weights[:, cols]
                # Σ over a participant's prompts of x · V, then × W; Σ over a prompt's participants of x · W, then × V.
                by_mask[2 * k + j, :, cols] = members.T @ ((table @ v) * w)
                by_section[2 * k + j, :, cols] = sections @ ((table.T @ w) * v)
    return by_mask, by_section


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
