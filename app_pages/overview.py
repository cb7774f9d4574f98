"""Overview: who took part, how often they agree with each other and with the Model Spec Ranker, and where."""
import streamlit as st

from components import charts, crowd, data, frame, intervals, labels, quote, state
from components.frame import md_escape
from core import config, privacy, wording
from core.reads import figures
from views import overview_text

st.title("Do people agree with the Model Spec?")
st.markdown(
    "In 2025 OpenAI asked about a thousand people in 19 countries to rank four possible AI answers to the same "
    "conversation, for over a thousand conversations. OpenAI also had a model rank the same answers by its "
    "**Model Spec** (the document that says how its models should behave), the *Model Spec Ranker*. This site "
    "shows how often people and the spec agreed, where they disagreed, and how much the answer depends on who "
    "you ask."
)
answer = overview_text.answer(state.current_view())
if answer:
    st.markdown(f"**In short:** {answer}")
st.caption(f"{wording.REPRODUCTION} {wording.site_published_by()}")

counts = data.read(figures.counts).iloc[0]
with st.container(horizontal=True):
    for title, key in (("Participants", "participants"), ("Countries", "countries"), ("Prompts", "prompts"),
                       ("Assessments", "assessments")):
        st.metric(title, f"{int(counts[key]):,}", border=True)

view = state.filter_controls(("run", "block", "metric"))

if view.run is None:
    crowd.findings(view)
    crowd.ranker_line()
else:
    overall = data.read_shown(figures.agreement_overall, view.run, view.block, view.metric)
    st.header("Overall agreement")
    if overall.empty or overall["suppressed"].iloc[0]:
        st.text(f"Overall agreement: not reported ({privacy.SUPPRESSED_TEXT}).")
    else:
        row = overall.iloc[0]
        st.metric("Agreement with the Model Spec Ranker", privacy.pct(row["estimate"]),
                  help=overview_text.MEASURE_HELP[view.metric])
        st.markdown(f"{privacy.ci_text(row['ci_low'], row['ci_high'])} · {int(row['n_participants']):,} "
                    f"participants · {int(row['n_assessments']):,} assessments · resampling the prompts too "
                    f"(two-way): {privacy.ci_text(row['ci_low_2w'], row['ci_high_2w'])}")
        sentence = privacy.estimate_sentence("Everyone in the study", row["estimate"], row["ci_low"], row["ci_high"],
                                             row["n_participants"], context=quote.context(view),
                                             comparisons=[wording.chance_text(view.metric)])
        quote.quote_box(sentence, state.permalink("", pin=("run", "block", "metric"), group=None))
        crowd.beside_ranker(view, sections=False)
        intervals.matched_note(row, view.block)
    frame.how_computed(
        "For every assessment, the pairs of responses that both the participant and the ranker put in a strict "
        "order are compared (*pairwise*); *top choice* compares only single first choices. "
        "The estimate averages over assessments; the 95% confidence interval comes from resampling "
        "participants (cluster bootstrap), so people who answered many prompts do not count as independent "
        "evidence. See Methodology."
    )

    if view.group:
        overview_text.group_quote(view, None if overall.empty else overall.iloc[0])

    sections = data.read_shown(figures.agreement_sections, view.run, view.block, view.metric, view.threshold)
    # Two-way intervals (participants and prompts), and only sections resting on enough prompts to be ranked.
    ranked = intervals.with_interval(sections, "two-way")
    ranked = ranked[ranked["n_prompts"].fillna(0) >= config.MIN_PROMPTS]
    highest, lowest = charts.tied_extremes(ranked, "title")
    st.header("Where the crowd and the spec agree most and least")
    if highest.empty:
        st.text("No section has enough participants at this relevance level to report.")
    elif len(highest) == len(charts.shown(ranked)):
        st.markdown("The 95% confidence intervals of all sections overlap: no section stands out from the others.")
    else:
        for name, rows in (("Highest agreement", highest), ("Lowest agreement", lowest)):
            top = rows.iloc[0]
            tied = [md_escape(t) for t in rows["title"].iloc[1:6]] + (
                [f"{len(rows) - 6} more"] if len(rows) > 6 else [])
            st.markdown(
                f"**{name}: {md_escape(top['title'])}**, {privacy.pct(top['estimate'])} "
                f"({privacy.ci_text(top['ci_low'], top['ci_high'])}, {privacy.n_label(top['n_participants'])})"
                + (f". Its confidence interval overlaps those of: {', '.join(tied)}." if tied else ".")
            )
            st.page_link("app_pages/sections.py", label=f"See {md_escape(top['title'])}", icon=":material/arrow_forward:",
                         query_params={"section": top["anchor"]})
    hidden = int(sections["suppressed"].sum())
    st.caption(f"Sections whose prompts the ranker graded {view.threshold} for relevance, resting on at least "
               f"{config.MIN_PROMPTS} prompts; intervals resample participants and prompts."
               + (f" {hidden} section(s) not reported ({privacy.SUPPRESSED_TEXT})." if hidden else ""))

if view.run is not None and (box := frame.lazy_expander(
        "The crowd reference: how often people agree with each other", "open:crowd", icon=":material/groups:")):
    with box:
        crowd.findings(view)

st.page_link("app_pages/people.py", label=f"Who took part: {labels.FIELDS['country'].lower()}, age, gender and more",
             icon=":material/public:")
