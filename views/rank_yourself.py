"""'Rank it yourself': the reader orders the four responses and sees where they stand. Nothing leaves the session."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import charts, data, labels, plotly_view
from core import privacy
from core.config import LETTERS
from core.rankings.grammar import format_ranking
from core.reads import prompt_data as rp

PLACES = (1, 2, 3, 4)


def reader_ranks(places: dict[str, int | None]) -> dict[str, int] | None:
    """The reader's places as tie-group ranks (`{A: 1, B: 1, C: 3, D: 4}` → A=B>C>D); None until all are set."""
    if any(places.get(x) is None for x in LETTERS):
        return None
    distinct = sorted({int(places[x]) for x in LETTERS})
    return {x: distinct.index(int(places[x])) + 1 for x in LETTERS}


def agreement_figure(participants: pd.Series, mine: float) -> go.Figure:
    """Share of participants at each level of agreement with the crowd's order, with the reader's level marked."""
    values = participants.dropna().round(4)
    shares = values.value_counts(normalize=True).sort_index()
    fig = go.Figure(go.Bar(x=shares.index, y=shares.values, marker_color=charts.OKABE_ITO["sky"],
                           name="Participants", width=0.06,
                           hovertemplate="%{x:.0%} agreement: %{y:.0%} of participants<extra></extra>"))
    fig.add_vline(x=mine, line={"color": charts.OKABE_ITO["vermillion"], "width": 3},
                  annotation_text="You", annotation_position="top")
    fig.update_xaxes(range=[-0.05, 1.05], tickformat=".0%", title_text="Pairwise agreement with the crowd's order")
    fig.update_yaxes(tickformat=".0%", title_text="Share of participants", gridcolor="#E5E5E5", automargin=True)
    fig.update_layout(height=280, margin={"l": 8, "r": 8, "t": 24, "b": 40}, font=charts.FONT, plot_bgcolor="white",
                      showlegend=False)
    return fig


def _inputs(prompt_id: str) -> dict[str, int | None]:
    st.text("Give each response a place (1 = best). Equal places mean a tie.")
    cols = st.columns(4)
    places: dict[str, int | None] = {}
    for col, letter in zip(cols, LETTERS, strict=True):
        with col:
            places[letter] = st.selectbox(f"Response {letter}", PLACES, index=None, placeholder="Place",
                                          key=f"ry:{prompt_id}:{letter}")
    return places


def panel(prompt_id: str, block: str, n_block: object, crowd_order: str | None, ranker_ranking: str | None) -> None:
    """The inputs and, once all four places are given, the comparison (computed here, stored nowhere)."""
    st.subheader("Rank it yourself")
    st.caption("Your ranking stays in this browser session: it is not saved, logged or put in the link.")
    if privacy.is_suppressed(n_block) or not crowd_order:
        st.text(f"Not available: this prompt has {privacy.SUPPRESSED_TEXT} for this question.")
        return
    reader = reader_ranks(_inputs(prompt_id))
    if reader is None:
        return
    if len(set(reader.values())) == 1:
        st.text("You tied all four responses: rank at least two of them differently to compare.")
        return
    ranks = data.read(rp.participant_ranks, prompt_id, block)
    # Countries under the same per-table rule as every table: the prompt's total is on this page, so one hidden
    # country would otherwise be total minus the listed ones.
    listed = data.read_shown(rp.country_participants, prompt_id, block)
    shown = set(listed.loc[~listed["suppressed"] & listed["country"].notna(), "country"])
    result = rp.reader_comparison(reader, crowd_order, ranks, ranker_ranking, privacy.MIN_PARTICIPANTS, shown)
    st.text(f"Your ranking: {format_ranking(reader)}")
    mine = result["crowd"]
    if mine is None:
        st.text("Your ranking and the crowd's order share no strictly ordered pair, so agreement is undefined.")
    else:
        st.metric("Agreement with the crowd", privacy.pct(mine),
                  help="Share of response pairs that you and the crowd's Borda order put the same way round "
                       "(pairs tied by either side are left out).")
        st.text(f"Crowd's order: {crowd_order}. {privacy.pct(result['share_at_or_below'])} of participants "
                "agree with it as much as you or less.")
        plotly_view.show(agreement_figure(result["participants"], mine), key=f"ry-fig:{prompt_id}",
                         summary="Bars: share of participants at each level of agreement with the crowd; a line marks you.")
    countries = result["countries"]
    if countries.empty:
        st.text(f"No country has {privacy.MIN_PARTICIPANTS} or more participants on this prompt to compare with.")
    else:
        st.caption(f"Countries with at least {privacy.MIN_PARTICIPANTS} participants on this prompt (one is also left "
                   "out when it would let a hidden country's count be worked out from the total)")
        countries = countries.assign(country=countries["country"].map(labels.country_name))
        st.dataframe(countries, hide_index=True, width="stretch", column_config={
            "country": st.column_config.Column("Country"),
            "n_participants": st.column_config.NumberColumn("Participants", format="localized"),
            "country_order": st.column_config.Column("Country's order"),
            "agreement": st.column_config.NumberColumn("Your agreement", format="percent"),
        })
    if result["ranker"] is not None:
        st.text(f"Agreement with the Model Spec Ranker ({ranker_ranking}): {privacy.pct(result['ranker'])}")
    elif ranker_ranking:
        st.text("Your ranking and the ranker's share no strictly ordered pair, so agreement is undefined.")
    else:
        st.text("The selected ranker run has no ranking for this prompt.")
