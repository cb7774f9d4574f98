"""The methodology page's small-group rule (a reliability rule) and its notes on intervals, ties and comparisons."""
from textwrap import dedent

import streamlit as st

from core import config, privacy
from core.stats import multiplicity


def small_groups_and_intervals() -> None:
    """Two sections of the methodology page: small groups, then intervals, ties and comparisons."""
    st.header("Small groups")
    rules = privacy.rules()
    st.markdown(dedent(f"""
    A reliability rule. The release itself is public, row by row: anyone can read every participant's answers. The rule
    therefore protects no one's privacy; it keeps this site from reporting figures too unreliable to quote.
    - A figure computed from **{rules['suppressed_label']}** is not reported: not in a chart, table, sentence or download,
      and its counts are blank too.
    - {config.MIN_PARTICIPANTS}–{config.LOW_RELIABILITY_BELOW - 1} participants: shown, marked **low reliability**.
    - **Complementary suppression:** {rules['complementary_suppression']}.
    - A figure resting on fewer than {config.MIN_PROMPTS} prompts is not ranked and is quoted only with a warning.
    - Counted in distinct participants, not assessments. Rule set version {rules['version']}; every download's manifest
      records it.
    - Known gaps: subtraction across tables (a group's all-prompt figure minus its visible section cells; threshold 4
      minus threshold 5) can approach hidden cells. The rows are public anyway; docs/methodology.md explains.
    """))

    st.header("Intervals, ties and comparisons")
    st.markdown(dedent(f"""
    - **Two intervals.** Every overall, section and group figure has two 95% intervals: one resamples participants only
      (the prompts asked are taken as fixed), the other resamples participants *and* prompts (two-way bootstrap), so it
      also carries the luck of which conversations were asked: shown by default, about twice as wide for sections.
      Section × group cells have the participant-only interval only.
    - **The anchor prompt.** One prompt was shown to every participant, about 5.5% of all assessments in CA-1 and most of
      one section's threshold-5 evidence. The Spec sections page names the sections it dominates and shows every figure
      without it (`prompts=without-anchor`).
    - **Rank ranges, not tie bands.** A section ranks above another only when its whole interval lies above; overlap does
      not chain, so the site shows each section's range of possible ranks and no shaded "tied" runs.
    - **Differences.** A claim that a group or section differs comes with the interval of the difference itself (group
      minus everyone else; section minus overall, from the same resamples) and a bootstrap p-value. Where a page picks
      out differing rows it applies {multiplicity.RULE}.
    - **Ties change the estimand.** Tied pairs are skipped; People shows per group how often (ties as half agreement
      would give 0.760 instead of 0.783 on CA-1's world block). World and personal are compared on the same assessments.
    """))
