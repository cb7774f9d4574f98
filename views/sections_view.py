"""The Spec sections page below its chart: the anchor prompt, sections that differ, one section in depth."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components import charts, data, frame, intervals, labels, quote, state, tables
from core import config, exports, privacy
from core.reads import figures


def anchor_note(anchor_rows: pd.DataFrame, all_prompts: pd.DataFrame) -> None:
    """Disclose the prompt every participant saw, and the sections it dominates."""
    if anchor_rows.empty:
        return
    a = anchor_rows.iloc[0]
    dominated = all_prompts[(all_prompts["anchor_share"] >= 0.2) & ~all_prompts["suppressed"]]
    st.markdown(f"**The anchor prompt.** One prompt was shown to every participant "
                f"({int(a['n_participants']):,} people): {privacy.pct(a['share_of_assessments'], 1)} of all "
                "assessments. "
                + (f"It is at least a fifth of the evidence of {len(dominated)} section(s) here: "
                   + ", ".join(f"{frame.md_escape(r['title'])} ({privacy.pct(r['anchor_share'])})"
                               for _, r in dominated.iterrows())
                   + ". " if len(dominated) else "")
                + "Choose *Without the anchor prompt* above to see every figure without it.")


def differing_sections(whole: pd.DataFrame, reference: float | None) -> None:
    """Sections whose difference from overall agreement passes Benjamini–Hochberg over the sections shown."""
    if "p_diff" not in whole or not whole["p_diff"].notna().any():
        return
    shown = intervals.flag_differences(whole[~whole["suppressed"]])
    differing = shown[shown["differs"]].assign(
        difference=lambda d: d["estimate"] - (reference if reference is not None else float("nan")))
    st.subheader("Sections that differ from overall agreement", anchor=False)
    tables.reading_table(differing[["title", "estimate", "difference", "diff_low", "diff_high", "q_value", "n_prompts",
                                    "reliability", "suppressed"]], hide=("suppressed", "reliability"))
    st.caption(f"{len(differing)} of {len(shown)} sections. Difference = section − overall in percentage points, with "
               "its own 95% interval from the same resamples. " + intervals.bh_note(len(shown)))


def section_in_depth(view: state.View, anchor: str, title: str, df: pd.DataFrame, all_prompts: pd.DataFrame,
                     interval: str, prompts_choice: str, group_name: str | None) -> None:
    """One section: link to the spec, the quote (naming its population), countries, contested prompts."""
    spec = data.read(figures.spec_sections, view.run)
    version = spec["spec_version"].iloc[0] if not spec.empty else config.SPEC_DEFAULT_VERSION
    st.subheader(frame.md_escape(title), anchor=False)
    st.link_button(f"Read this section in the Model Spec ({version})", icon=":material/open_in_new:",
                   url=config.SPEC_PAGE_URL.format(version=version, anchor=anchor))
    mine = df[df["anchor"] == anchor]
    section_row = all_prompts[all_prompts["anchor"] == anchor].iloc[0]
    # The quote names exactly the population its number describes: the group's participants, or everyone.
    subject = f"Section '{title}', " + (f"participants in group {group_name} only" if view.group
                                         else "all participants")
    if mine.empty:
        st.text(f"{subject}: no assessments by this group on this section's prompts.")
    else:
        row = mine.iloc[0]
        sentence = privacy.estimate_sentence(subject, row["estimate"], row["ci_low"], row["ci_high"],
                                             row["n_participants"])
        if intervals.few_prompts(row.get("n_prompts")) and not row["suppressed"]:
            sentence += " " + intervals.few_prompts_warning(row["n_prompts"])
        if not view.group and interval == "two-way":
            sentence += " (The interval resamples participants and prompts.)"
        if prompts_choice == "without-anchor" and not view.group:
            sentence += " (Without the anchor prompt.)"
        quote.quote_box(sentence, state.permalink(
            "sections", pin=("run", "block", "metric", "threshold"), section=anchor,
            interval=None if interval == intervals.DEFAULT else interval,
            prompts=None if prompts_choice == "all" else prompts_choice))
        if intervals.few_prompts(row.get("n_prompts")) and not row["suppressed"]:
            st.warning(intervals.few_prompts_warning(row["n_prompts"]), icon=":material/warning:")
    if not section_row["suppressed"] and section_row.get("anchor_share", 0) >= 0.2:
        st.warning(f"{privacy.pct(section_row['anchor_share'])} of this section's assessments come from the "
                   "anchor prompt that every participant saw"
                   + (" (the figure quoted above leaves it out)." if prompts_choice == "without-anchor" and
                      not view.group else "; choose *Without the anchor prompt* to leave it out."),
                   icon=":material/info:")

    countries = data.read_shown(figures.agreement_section_group, view.run, view.block, view.metric,
                                view.threshold, "country")
    countries = countries[countries["anchor"] == anchor].assign(
        name=lambda d: d["level"].map(labels.country_name))
    countries = intervals.flag_differences(countries)
    countries = countries[["name", "level", "estimate", "ci_low", "ci_high", "diff_low", "diff_high", "q_value",
                           "differs", "n_participants", "n_assessments", "n_prompts", "reliability",
                           "suppressed"]]
    st.subheader("By country of residence", anchor=False)
    tables.figure_with_table(charts.estimate_figure(countries, "name", reference=section_row["estimate"],
                                                    reference_label="This section, everyone"),
                             countries, name="section_countries",
                             caption="Agreement in this section by country (all prompts of the section, "
                                     "participant-only intervals).",
                             n_note=f"Countries with {privacy.SUPPRESSED_TEXT} are not shown. diff_low–diff_high: "
                                    "95% interval of the country minus everyone else in this section. "
                                    + intervals.bh_note(int((~countries["suppressed"]).sum())),
                             summary=charts.describe(countries, "name"),
                             view_slug=exports.slug(view.slug(), anchor), filters=view.as_dict())

    st.subheader("Its most contested prompts", anchor=False)
    # Rank only prompts whose values may be shown: ordering by a hidden value would leak it.
    prompts = data.read_shown(figures.section_prompts, view.run, view.block, view.threshold, anchor, 200)
    prompts = prompts[~prompts["suppressed"]].head(10)
    tables.prompt_links_table(tables.with_prompt_links(prompts),
                              ["contestedness", "crowd_ranker_pairwise", "n_participants", "reliability"])
    st.caption("Contestedness is 1 − Kendall's W: 0 when everyone ranked the responses the same way, 1 when "
               "rankings are spread evenly. Open a prompt to read it and rank it yourself.")
