"""People page pieces in reader's units: group gaps in pts, country pairs by name, a country's quote."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components import data, intervals, labels, later, prompt_links, quote, state, tables
from core import exports, privacy, wording
from core.reads import figures


def spread_table(shown: pd.DataFrame) -> pd.DataFrame:
    """Per field with two or more groups shown: the lowest and highest group (name and %) and the gap in pts,
    largest gap first. `shown` holds only rows whose values may be shown."""
    rows = []
    for field, part in shown[shown["estimate"].notna()].groupby("field", sort=False):
        if len(part) < 2:
            continue
        lo, hi = part.loc[part["estimate"].idxmin()], part.loc[part["estimate"].idxmax()]
        rows.append({"Field": labels.FIELDS.get(field, field),
                     "Lowest": f"{labels.level_name(field, lo['level'])}: {wording.pct(lo['estimate'])}",
                     "Highest": f"{labels.level_name(field, hi['level'])}: {wording.pct(hi['estimate'])}",
                     "Gap": wording.pts(hi["estimate"] - lo["estimate"]),
                     "gap": hi["estimate"] - lo["estimate"]})
    # The gap second, so a phone shows it without scrolling sideways.
    out = pd.DataFrame(rows, columns=["Field", "Gap", "Lowest", "Highest", "gap"])
    return out.sort_values("gap", ascending=False).drop(columns="gap").reset_index(drop=True)



def context(view: state.View) -> str:
    """Measure, question and ranker run of the People page's figures."""
    return quote.context(view)


def country_quote(view: state.View, shown: pd.DataFrame, overall: pd.DataFrame, country: str) -> None:
    """One country's figure as a quote, beside everyone's and chance."""
    row = shown[(shown["field"] == "country") & (shown["level"] == country)].iloc[0]
    comparisons = [wording.chance_text(view.metric)]
    if not overall.empty and not bool(overall.iloc[0].get("suppressed", False)) and pd.notna(overall["estimate"].iloc[0]):
        everyone = overall.iloc[0]
        comparisons.insert(0, wording.reference_text("everyone in the study", everyone["estimate"],
                                                     everyone["ci_low"], everyone["ci_high"]))
    sentence = privacy.estimate_sentence(wording.group_subject("country", labels.country_name(country)),
                                         row["estimate"], row["ci_low"], row["ci_high"], row["n_participants"],
                                         context=quote.context(view), comparisons=comparisons)
    quote.quote_box(sentence, state.permalink("people", pin=("run", "block", "metric"), country=country))


@st.fragment
def differences_later(view: state.View, shown: pd.DataFrame) -> None:
    """The groups that differ from everyone else and the prompts where countries differ most, far below People's
    first screen, drawn once that screen is up (components.later): a fragment, so drawing them reruns only this part.
    Neither reads a page parameter (a part that did would miss the link's parameters on the page's own run)."""
    if later.shown("people:differences", "Show the groups that differ from everyone else"):
        differing_groups(shown)
        diverging_prompts(view)


def differing_groups(shown: pd.DataFrame) -> None:
    """Every shown group whose difference from everyone else holds after the correction for multiple comparisons."""
    st.header("Groups that differ from everyone else")
    compared = intervals.flag_differences(shown.assign(field_name=lambda d: d["field"].map(labels.FIELDS)))
    differing = compared[compared["differs"]][["field_name", "name", "estimate", "diff_low", "diff_high", "q_value",
                                               "n_participants", "reliability", "suppressed"]].sort_values("q_value")
    tables.reading_table(differing, hide=("suppressed", "reliability"))
    st.caption(f"{len(differing)} of {len(compared)} groups shown differ from the rest of the participants. "
               "Difference, 95% CI: the group minus everyone else, in percentage points. "
               + intervals.bh_note(len(compared)))


def diverging_prompts(view: state.View) -> None:
    """The ten prompts whose countries' first choices differ most, with same-tab links and downloads."""
    diverging = data.read_shown(figures.country_divergence, view.block, 200)
    diverging = diverging[~diverging["suppressed"]].head(10)  # never rank by a hidden value
    diverging = tables.with_prompt_links(diverging).assign(
        country_divergence_pair=lambda d: d["country_divergence_pair"].map(labels.pair_names))
    st.subheader("Prompts where countries' first choices differ most", anchor=False)
    tables.prompt_links_table(diverging, ["country_divergence", "country_divergence_pair", "n_countries_eligible",
                                          "n_participants"])
    st.caption("Country divergence: the largest difference between two countries' first-choice shares, from 0% "
               "(the same choices) to 100% (no choice in common); technically the total-variation distance. Only "
               "countries with enough participants on the prompt are compared. Open a prompt:")
    prompt_links.links(diverging)
    tables.downloads(diverging, name="country_divergence", view_slug=exports.slug(view.block), filters=view.as_dict())
