"""Changelog: the Model Spec changes that followed the study, each with its evidence."""
import streamlit as st

from components import crowd, state
from core.changelog import entries as changelog
from views import changelog_view

ALL = "all"

st.title("Changelog")
st.markdown("What changed in OpenAI's Model Spec after the collective-alignment study, what was deferred and "
            "what was set aside. Each entry shows the wording before and after, the reason OpenAI gave, how sure "
            "we are that the change came from the study, and what this site's data says about that section.")
log = changelog_view.changelog_or_error()
if log is not None:
    if log.summary_quote:
        changelog_view.blockquote(log.summary_quote)
    changelog_view.summary(log)

    titles = changelog.section_titles()
    # "all" rather than None: a None option would show as an empty selector.
    with st.container(horizontal=True):
        status = state.select_page_param("status", "Status", [ALL, *changelog.STATUSES], ALL,
                                         format_func=lambda s: "All statuses" if s == ALL else s.capitalize())
        section = state.select_page_param("section", "Spec section", [ALL, *log.sections()], ALL,
                                          format_func=lambda a: "All sections" if a == ALL else titles.get(a, a))
    view = state.filter_controls()
    st.subheader("What the crowd said", anchor=False)
    if view.run is None:
        st.markdown("The evidence the release alone gives for any change: how much people agree with each other, "
                    "and where countries part ways.")
        row = crowd.headline(view, page="changelog")
        crowd.countries(view, None if row is None else row["estimate"])
        crowd.ranker_line()
    else:
        st.markdown("For the sections these changes touch: agreement with the ranker beside people's agreement with "
                    "each other, on the same assessments.")
        crowd.beside_ranker(view, anchors=tuple(log.sections()))
    entries = log.select(status=None if status == ALL else status, section=None if section == ALL else section)
    # One element for the note and the count: every element costs a first visit some browser time (issue 17).
    st.markdown(changelog_view.small("The ranker run, question, measure and relevance level above choose the "
                                     "evidence from this site's data shown under each entry.")
                + f"\n\n**{len(entries)} of {len(log.entries)} changes shown**, newest first.")
    evidence = changelog_view.load_evidence(view.run, view.block, view.metric, view.threshold, tuple(log.sections()))
    changelog_view.entries_view(entries, evidence, titles, lambda p: state.permalink("prompts", prompt=p))
    changelog_view.category_legend(log)
changelog_view.correction_note()
