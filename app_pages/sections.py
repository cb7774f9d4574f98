"""Spec sections: agreement per section with 95% CIs and rank ranges; one section in depth."""

import streamlit as st

from components import charts, crowd, data, frame, intervals, labels, state, tables
from core import config, exports, privacy
from core.reads import figures
from views import rubric_view, sections_view

st.title("Agreement by spec section")
st.markdown("Each dot is how often participants ordered the responses the way the Model Spec Ranker did, for "
            "conversations the ranker judged relevant to that section. Bars are 95% confidence intervals. "
            "A section ranks above another only when its whole interval lies above the other's, so each section "
            "has a rank range (e.g. rank 2–7): the ranks it could take. Two sections whose ranges overlap cannot be "
            f"ordered; sections resting on fewer than {config.MIN_PROMPTS} prompts are not ranked at all.")
view = state.filter_controls(group_fields=tuple(labels.FIELDS))
if view.run is None:
    crowd.ranker_line()
    st.subheader("Meanwhile: how often people agree with each other")
    st.markdown("Sections need a ranker run's relevance grades; the release alone says how much people agree.")
    crowd.by_question(view)
    frame.how_computed(crowd.HOW)
else:
    with st.container(horizontal=True):
        interval = intervals.interval_control()
        prompts_choice = intervals.prompts_control()
    anchor_rows = data.read_shown(figures.anchor_prompts)
    sections = data.read(figures.agreement_sections, view.run, view.block, view.metric, view.threshold,
                         prompts_choice)
    # Section × group cells and the countries below always use every prompt: they are compared with these.
    all_prompts = intervals.with_interval(data.read_shown(figures.agreement_sections, view.run, view.block,
                                                          view.metric, view.threshold), interval)
    titles = dict(zip(sections["anchor"], sections["title"], strict=True))
    overall = data.read_shown(figures.agreement_overall, view.run, view.block, view.metric)
    reference = None if overall.empty else overall["estimate"].iloc[0]
    whole = intervals.with_interval(privacy.rule_of(figures.agreement_sections).apply(sections), interval)
    group_name = state.group_label(":".join(view.group)) if view.group else None
    if view.group:
        field, level = view.group
        by_group = data.read_shown(figures.agreement_section_group, view.run, view.block, view.metric,
                                   view.threshold, field)
        df = by_group[by_group["level"] == level].assign(title=lambda d: d["anchor"].map(titles))
        df = df[["title", "anchor", "estimate", "ci_low", "ci_high", "n_participants", "n_assessments", "n_prompts",
                 "reliability", "suppressed"]]
        fig = charts.estimate_figure(df, "title", reference=reference)
        caption = f"Agreement by section among {group_name} only (the group's participants, not everyone)."
        interval_note = ("Within one group, intervals resample the group's participants only: a two-way interval "
                         "is not computed for section × group cells, and they always include every prompt.")
    else:
        df = whole.assign(rank_range=lambda d: [
            charts.rank_text(b, w) for b, w in zip(d["rank_best"], d["rank_worst"], strict=True)])
        df = df[["title", "anchor", "estimate", "ci_low", "ci_high", "n_participants", "n_assessments",
                 "n_prompts", "rank_range", "anchor_share", "reliability", "suppressed"]]
        fig = charts.estimate_figure(df, "title", reference=reference)
        caption = "Agreement by section, highest first; the dashed line is the overall agreement."
        interval_note = intervals.EXPLAIN[interval]
    if prompts_choice == "without-anchor" and not view.group:
        caption += " Without the anchor prompt."
    tables.figure_with_table(fig, df, name="sections", caption=caption,
                             n_note=f"Relevance grade {view.threshold} or more. Sections with "
                                    f"{privacy.SUPPRESSED_TEXT} are listed in the table but not drawn. {interval_note}",
                             summary=charts.describe(df, "title"),
                             view_slug=exports.slug(view.slug(), interval, prompts_choice), filters=view.as_dict())
    frame.how_computed("A conversation counts for a section when the ranker graded its relevance to the section at "
                       "the chosen level (5 = highest, as in the study's Figure 1). Rank ranges: a section ranks "
                       "above another only when its whole 95% interval lies above the other's. Overlap is not "
                       "transitive: A may overlap B and B overlap C while A lies wholly above C, so the site does "
                       "not shade runs of overlapping sections as if they were one tied group. "
                       + intervals.EXPLAIN[interval])
    sections_view.anchor_note(anchor_rows, all_prompts)
    if not view.group:
        sections_view.differing_sections(whole, reference)
    st.subheader("Beside each section: how often people agree with each other", anchor=False)
    crowd.beside_ranker(view)

    st.header("One section in depth")
    anchor = state.select_page_param("section", "Section", [None, *sections["anchor"]], None,
                                     format_func=lambda a: "Choose a section…" if a is None else titles.get(a, a))
    if anchor:
        sections_view.section_in_depth(view, anchor, titles.get(anchor, anchor), df, all_prompts, interval,
                                       prompts_choice, group_name)
        if rubric_view.available():
            st.subheader("What people said a good answer must do", anchor=False)
            rubric_view.section_panel(view.run, anchor, view.threshold)
