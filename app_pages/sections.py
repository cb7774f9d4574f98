"""Spec sections: agreement per section with 95% CIs and CI-aware ties; one section in depth."""

import streamlit as st

from components import charts, crowd, data, frame, labels, quote, state, tables
from core import config, exports, privacy
from core.reads import figures

st.title("Agreement by spec section")
st.markdown("Each dot is how often participants ordered the responses the way the Model Spec Ranker did, for "
            "conversations the ranker judged relevant to that section. Bars are 95% confidence intervals. "
            "A section ranks above another only when its whole interval lies above the other's, so each section "
            "has a rank range (e.g. rank 2–7); grey bands join runs of sections whose intervals overlap.")
view = state.filter_controls(group_fields=tuple(labels.FIELDS))
if view.run is None:
    crowd.ranker_line()
    st.subheader("Meanwhile: how often people agree with each other")
    st.markdown("Sections need a ranker run's relevance grades; the release alone says how much people agree.")
    crowd.by_question(view)
    frame.how_computed(crowd.HOW)
else:
    sections = data.read(figures.agreement_sections, view.run, view.block, view.metric, view.threshold)
    titles = dict(zip(sections["anchor"], sections["title"], strict=True))
    overall = data.read_shown(figures.agreement_overall, view.run, view.block, view.metric)
    reference = None if overall.empty else overall["estimate"].iloc[0]
    if view.group:
        field, level = view.group
        by_group = data.read_shown(figures.agreement_section_group, view.run, view.block, view.metric,
                                   view.threshold, field)
        df = by_group[by_group["level"] == level].assign(title=lambda d: d["anchor"].map(titles))
        df = df[["title", "anchor", "estimate", "ci_low", "ci_high", "n_participants", "n_assessments",
                 "reliability", "suppressed"]]
        fig = charts.estimate_figure(df, "title", reference=reference)
        caption = f"Agreement by section for one group: {state.group_label(':'.join(view.group))}."
    else:
        df = privacy.rule_of(figures.agreement_sections).apply(sections).assign(
            rank_range=lambda d: [charts.rank_text(b, w) for b, w in zip(d["rank_best"], d["rank_worst"], strict=True)])
        df = df[["title", "anchor", "estimate", "ci_low", "ci_high", "n_participants", "n_assessments",
                 "n_prompts", "rank_range", "tie_group", "reliability", "suppressed"]]
        fig = charts.estimate_figure(df, "title", reference=reference, tie_col="tie_group")
        caption = "Agreement by section, highest first; the dashed line is the overall agreement."
    tables.figure_with_table(fig, df, name="sections", caption=caption,
                             n_note=f"Relevance grade {view.threshold} or more. Sections with "
                                    f"{privacy.SUPPRESSED_TEXT} are listed in the table but not drawn.",
                             summary=charts.describe(df, "title"), view_slug=view.slug(), filters=view.as_dict())
    frame.how_computed("A conversation counts for a section when the ranker graded its relevance to the section at "
                       "the chosen level (5 = highest, as in the study's Figure 1). Ranks are CI-aware: a section "
                       "ranks above another only when its whole 95% interval lies above the other's.")
    st.subheader("Beside each section: how often people agree with each other", anchor=False)
    crowd.beside_ranker(view)

    st.header("One section in depth")
    anchor = state.select_page_param("section", "Section", [None, *sections["anchor"]], None,
                                     format_func=lambda a: "Choose a section…" if a is None else titles.get(a, a))
    if anchor:
        spec = data.read(figures.spec_sections, view.run)
        version = spec["spec_version"].iloc[0] if not spec.empty else config.SPEC_DEFAULT_VERSION
        st.subheader(frame.md_escape(titles.get(anchor, anchor)), anchor=False)
        st.link_button(f"Read this section in the Model Spec ({version})", icon=":material/open_in_new:",
                       url=config.SPEC_PAGE_URL.format(version=version, anchor=anchor))
        row = df[df["anchor"] == anchor].iloc[0]
        sentence = privacy.estimate_sentence(f"Section '{titles.get(anchor, anchor)}'", row["estimate"],
                                             row["ci_low"], row["ci_high"], row["n_participants"])
        quote.quote_box(sentence, state.permalink("sections", pin=("run", "block", "metric", "threshold"),
                                                  section=anchor))

        countries = data.read_shown(figures.agreement_section_group, view.run, view.block, view.metric,
                                    view.threshold, "country")
        countries = countries[countries["anchor"] == anchor].assign(
            name=lambda d: d["level"].map(labels.country_name))
        countries = countries[["name", "level", "estimate", "ci_low", "ci_high", "n_participants",
                               "n_assessments", "reliability", "suppressed"]]
        st.subheader("By country of residence", anchor=False)
        tables.figure_with_table(charts.estimate_figure(countries, "name", reference=row["estimate"],
                                                        reference_label="This section"),
                                 countries, name="section_countries", caption="Agreement in this section by country.",
                                 n_note=f"Countries with {privacy.SUPPRESSED_TEXT} are not shown.",
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
