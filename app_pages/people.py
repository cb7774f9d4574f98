"""People and countries: who took part, agreement by country and demographic group, where groups diverge."""
import streamlit as st

from components import alt_text, charts, crowd, data, frame, intervals, labels, state, tables
from core import exports, privacy
from core.reads import figures
from views import people_view

st.title("People and countries")
st.markdown("Who took part, and whether agreement with the Model Spec Ranker depends on where people live or who "
            f"they are. Figures from groups of {privacy.SUPPRESSED_TEXT} are not reported, nor any whose size could "
            "be worked out by subtracting the others from the total: a reliability rule (the release itself is "
            "public, row by row).")

counts = labels.with_names(data.read_shown(figures.demographic_counts))
st.header("Who took part")
countries = counts[counts["field"] == "country"][["name", "level", "n_participants", "reliability", "suppressed"]]
tables.figure_with_table(charts.country_map_figure(countries, iso_col="level"), countries,
                         name="participants_by_country", caption="Participants by country of residence.",
                         n_note="Darker: more people; blank: no participants, or fewer than 10 (not shown).",
                         summary=alt_text.counts(countries.sort_values("n_participants", ascending=False), "name",
                                                 "Participants by country of residence"))
# One demographic at a time, chosen in the URL: drawing all five at once cost most of the page's run time.
breakdown = state.select_page_param("breakdown", "Participants by", [f for f in labels.FIELDS if f != "country"],
                                    "age", format_func=lambda f: labels.FIELDS[f])
part = labels.in_natural_order(counts[counts["field"] == breakdown], breakdown)
part = part[["name", "n_participants", "reliability", "suppressed"]]
tables.figure_with_table(charts.counts_figure(part, "name", keep_order=breakdown in labels.ORDINAL), part,
                         name=f"participants_by_{breakdown}",
                         summary=alt_text.counts(part, "name", f"Participants by {labels.FIELDS[breakdown].lower()}"),
                         caption=f"Participants — {labels.FIELDS[breakdown]}.", n_note="As answered in the intake survey.")

view = state.filter_controls(("run", "block", "metric"))
if view.run is None:  # the crowd's findings lead without a run; with one, they follow the ranker's
    crowd.people_section(view)
st.header("Agreement with the ranker by group")
if view.run is None:
    crowd.ranker_line()
else:
    interval = intervals.interval_control()
    groups = labels.with_names(data.read_shown(figures.agreement_group, view.run, view.block, view.metric))
    groups = intervals.with_interval(groups, interval).assign(
        no_value_share=lambda d: d["n_no_value"] / (d["n_assessments"] + d["n_no_value"]))
    overall = data.read(figures.agreement_overall, view.run, view.block, view.metric)
    reference = None if overall.empty else overall["estimate"].iloc[0]
    field = state.select_page_param("field", "Group by", list(labels.FIELDS), "country",
                                    format_func=lambda f: labels.FIELDS[f])
    part = groups[groups["field"] == field][["name", "level", "estimate", "ci_low", "ci_high", "diff_low",
                                             "diff_high", "n_participants", "n_assessments", "n_prompts",
                                             "no_value_share", "tied_pair_share", "reliability", "suppressed"]]
    tables.figure_with_table(charts.estimate_figure(part, "name", reference=reference), part,
                             name=f"agreement_by_{field}",
                             caption=f"Agreement with the ranker — {labels.FIELDS[field]}.",
                             n_note="The dashed line is everyone together. " + intervals.EXPLAIN[interval]
                                    + " diff_low–diff_high: the 95% interval of the group minus everyone else. "
                                    "no_value_share: assessments with no strictly ordered pair (or no single first "
                                    "choice), left out; tied_pair_share: response pairs skipped as tied.",
                             summary=charts.describe(part, "name"),
                             view_slug=exports.slug(view.slug(), interval), filters=view.as_dict())
    frame.how_computed("Each group's estimate uses only its own participants' assessments. Whether a group differs "
                       "is read from the interval of its difference from everyone else, not from overlapping "
                       "intervals, and the list below controls for the number of groups compared. Ties change "
                       "what is measured: groups that tie more often have more pairs left out.")

    shown = groups[~groups["suppressed"]]
    eligible = sorted(shown.loc[shown["field"] == "country", "level"])
    country = state.select_page_param(
        "country", "Look at one country", [None, *eligible], None,
        format_func=lambda c: "Choose a country…" if c is None else labels.country_name(c))
    if country:
        people_view.country_quote(view, shown, overall, country)

    people_view.differences_later(view, shown)

if view.run is not None:
    crowd.people_section(view)
