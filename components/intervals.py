"""Which 95% interval a page shows (participants only, or participants and prompts), the anchor-prompt choice, and
Benjamini–Hochberg flags for the comparisons a page picks out."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components import state
from core import config, privacy
from core.stats import multiplicity

INTERVALS = {"two-way": "Participants and prompts (two-way)", "participants": "Participants only"}
DEFAULT = "two-way"
EXPLAIN = {
    "two-way": ("Intervals resample participants and prompts (two-way bootstrap): they also carry the uncertainty "
                "from which conversations happened to be asked, so they hold for this kind of prompt in general. "
                "This is the default because a section is a handful of prompts."),
    "participants": ("Intervals resample participants only: they treat these exact prompts as fixed, so they "
                     "describe how people answered these conversations, not the section's kind of prompt in "
                     "general. They are about half as wide as two-way intervals here."),
}
PROMPTS = {"all": "All prompts", "without-anchor": "Without the anchor prompt"}
PAIRS = {"ci_low": "ci_low_2w", "ci_high": "ci_high_2w", "rank_best": "rank_best_2w", "rank_worst": "rank_worst_2w",
         "diff_low": "diff_low_2w", "diff_high": "diff_high_2w", "p_diff": "p_diff_2w"}


def interval_control() -> str:
    """The `interval` page parameter as a selector (two-way by default)."""
    return state.select_page_param("interval", "95% interval", list(INTERVALS), DEFAULT,
                                   format_func=lambda v: INTERVALS.get(v, str(v)))


def prompts_control() -> str:
    """The `prompts` page parameter: all prompts (default) or without the anchor prompt."""
    return state.select_page_param("prompts", "Prompts", list(PROMPTS), "all",
                                   format_func=lambda v: PROMPTS.get(v, str(v)))


def with_interval(df: pd.DataFrame, interval: str) -> pd.DataFrame:
    """The frame with ci_low/ci_high (and ranks, differences) taken from the chosen interval; the other dropped."""
    out = df.copy()
    for one, two in PAIRS.items():
        if two in out.columns:
            if interval == "two-way":
                out[one] = out[two]
            out = out.drop(columns=two)
    return out


def flag_differences(df: pd.DataFrame, p_col: str = "p_diff") -> pd.DataFrame:
    """Add q_value and differs: Benjamini–Hochberg over the rows shown (suppressed rows are not comparisons)."""
    out = df.copy()
    p = pd.to_numeric(out[p_col], errors="coerce").where(~out["suppressed"])
    out["q_value"] = multiplicity.bh_adjusted(p.to_numpy(dtype=float))
    out["differs"] = multiplicity.bh_different(p.to_numpy(dtype=float))
    return out


def bh_note(n: int) -> str:
    return (f"Called different: {multiplicity.RULE} (here m = {n}). The difference's own 95% interval is "
            "beside each row; an interval that excludes 0 is not by itself enough when many rows are compared.")


def few_prompts(n_prompts: object) -> bool:
    """True when a figure rests on fewer than MIN_PROMPTS prompts (it is then not ranked, and quoted with a warning)."""
    return bool(pd.notna(n_prompts) and int(n_prompts) < config.MIN_PROMPTS)


def few_prompts_warning(n_prompts: object) -> str:
    return (f"Warning: this figure rests on {int(n_prompts)} prompt{'s' if int(n_prompts) != 1 else ''} (fewer than "
            f"{config.MIN_PROMPTS}), so it says little about the section's kind of conversation; it is not ranked.")


def matched_note(row: pd.Series, block: str) -> None:
    """On the personal block: both blocks on the same assessments, and their difference with its interval."""
    if block != "personal" or pd.isna(row.get("matched_world")):
        return
    # Personal rankings exist only for long-form assessments: compare the blocks on those same assessments.
    st.markdown(f"On the same {int(row['n_matched']):,} assessments (those with both rankings), agreement "
                f"was {privacy.pct(row['matched_world'], 1)} for everyone (world) and "
                f"{privacy.pct(row['matched_personal'], 1)} for oneself (personal): a difference of "
                f"{100 * (row['matched_personal'] - row['matched_world']):+.1f} points (95% CI "
                f"{100 * row['matched_diff_low']:+.1f} to {100 * row['matched_diff_high']:+.1f}). The world "
                "figure over all its assessments is not comparable with the personal one.")
