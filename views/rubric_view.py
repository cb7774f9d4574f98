"""What people said a good answer must do: a prompt's core criteria, pre-written items and people's own items;
and the rubrics of a spec section's prompts (Sections and Changelog pages)."""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import charts, data, labels, state, tables
from components.frame import lazy_expander
from core import exports, privacy
from core.reads import prompt_data as rp
from core.reads import rubrics as rr

STATUS_TEXT = {
    "joined_exact": "joined to this prompt by identical conversation text",
    "joined_tolerant": "joined to this prompt by the tolerant text match (the two copies differ slightly; "
                       "match score {score:.3f} of 1)",
}
NO_RUBRICS = ("This data store has no rubrics: its source has no conversation_rubrics.jsonl (the CA-1 repository "
              "and older copies do not; openai/coval does).")
OWN_ROWS = 200


def available() -> bool:
    return bool(data.read(rr.available_frame)["available"].iloc[0])


def weights_figure(df: pd.DataFrame) -> go.Figure:
    """Mean weight (−10 to +10) of each shown item with its 95% interval, heaviest first."""
    rows = df[~df["suppressed"] & df["mean_weight"].notna()].reset_index(drop=True)
    names = [charts.wrapped(t, 34) for t in rows["criterion"]]
    colours = [charts.OKABE_ITO["blue"] if w >= 0 else charts.OKABE_ITO["vermillion"] for w in rows["mean_weight"]]
    trace = go.Scatter(
        x=rows["mean_weight"], y=names, mode="markers", name="Mean weight (95% CI)",
        marker={"size": 10, "color": colours},
        error_x={"type": "data", "symmetric": False, "array": rows["ci_high"] - rows["mean_weight"],
                 "arrayminus": rows["mean_weight"] - rows["ci_low"], "color": "#555555", "thickness": 1.5},
        customdata=list(zip(rows["ci_low"], rows["ci_high"], rows["n_participants"].astype(float), strict=True)),
        hovertemplate="%{y}<br>mean weight %{x:+.1f} (95% CI %{customdata[0]:+.1f} to %{customdata[1]:+.1f})"
                      "<br>%{customdata[2]:,.0f} participants<extra></extra>",
    )
    height = 110 + (charts.ROW_PX + 12 * max((n.count("<br>") for n in names), default=0)) * max(len(rows), 1)
    layout = {"height": height, "margin": {"l": 8, "r": 8, "t": 8, "b": 40}, "font": charts.FONT,
              "plot_bgcolor": "white", "showlegend": False,
              # The criteria's labels leave a narrow plot on a phone: the title takes three short lines.
              "xaxis": {"range": [-10.5, 10.5], "automargin": True,
                        "title": {"text": charts.axis_title("Mean weight (−10 harmful … +10 essential)", 14)},
                        "gridcolor": "#E5E5E5", "zeroline": True, "zerolinecolor": "#999999"},
              "yaxis": {"categoryorder": "array", "categoryarray": names, "autorange": "reversed",
                        "automargin": True}}
    return go.Figure(data=[trace], layout=layout)


def weight_text(mean: object, low: object, high: object) -> str:
    if mean is None or (isinstance(mean, float) and math.isnan(mean)):
        return "–"
    return f"{float(mean):+.1f} (95% CI {float(low):+.1f} to {float(high):+.1f})"


def weights_summary(df: pd.DataFrame) -> str:
    rows = df[~df["suppressed"] & df["mean_weight"].notna()]
    if rows.empty:
        return f"No item shown ({privacy.SUPPRESSED_TEXT})."
    parts = [f"“{r.criterion}” {weight_text(r.mean_weight, r.ci_low, r.ci_high)}" for r in rows.itertuples()]
    return "Mean weights, heaviest first: " + "; ".join(parts) + "."


def shown_spread(countries: pd.DataFrame) -> dict[tuple[int, int], str]:
    """Each item's spread across the countries that may be shown (after the complementary rule), in words.

    Computed here from the shown cells, not taken from the stored `country_spread`: a country hidden only to
    protect smaller ones must not come back through a difference.
    """
    out = {}
    for (row, index), part in countries[~countries["suppressed"]].groupby(["rubric_row", "item_index"]):
        if len(part) < 2:
            continue
        ordered = part.sort_values(["mean_weight", "country"], ascending=[False, True])
        hi, lo = ordered.iloc[0], ordered.iloc[-1]
        out[int(row), int(index)] = (f"{hi['mean_weight'] - lo['mean_weight']:.1f} points between "
                                     f"{labels.country_name(hi['country'])} and {labels.country_name(lo['country'])} "
                                     f"({len(part)} countries shown)")
    return out


def prompt_section(prompt_id: str, revealed: bool = True) -> None:
    """The prompt page's section: core criteria, pre-written items with mean weights, people's own items."""
    st.subheader("What people said a good answer must do")
    if not available():
        st.text(NO_RUBRICS)
        return
    rubric = data.read_shown(rr.prompt_rubric, prompt_id)
    if rubric.empty:
        st.text("No rubric row joined this prompt. In the release about one prompt in ten has no rubric, and a "
                "rubric whose text matched no prompt (or several) is kept aside rather than guessed.")
        return
    head = rubric.iloc[0]
    st.markdown("Besides ranking the responses, participants weighted pre-written criteria and wrote their own, "
                "each from −10 (a good answer must not do this) to +10 (it must).")
    st.caption("The rubric was " + STATUS_TEXT.get(str(head["status"]), "joined").format(
        score=float(head["match_score"] or 0)) + f" · {privacy.n_label(head['n_participants'])} scored it.")
    core = data.read_shown(rr.core_criteria, prompt_id)
    st.markdown("**Core criteria**")
    if core.empty:
        st.text("None given for this prompt.")
    for text in core["criterion"]:
        st.text(f"• {text}")
    st.caption("OpenAI's distillation of the most highly rated items, rewritten in positive form (the release "
               "gives them no weights).")
    _prewritten(prompt_id)
    if revealed:
        _own(prompt_id)
    else:
        st.markdown("**Criteria participants wrote themselves**")
        st.text("Hidden behind the content notice above, like the rationales.")


def _prewritten(prompt_id: str) -> None:
    st.markdown("**Pre-written criteria and the weight people gave them**")
    items = data.read_shown(rr.prewritten_items, prompt_id)
    if items.empty:
        st.text("This rubric has no pre-written items.")
        return
    if items["suppressed"].all():
        st.info(f"Weights not shown ({privacy.SUPPRESSED_TEXT} scored these items).", icon=":material/group_off:")
        return
    countries = data.read_shown(rr.item_countries, prompt_id)
    spreads = shown_spread(countries)
    none = (f"not shown: fewer than two countries with {privacy.MIN_PARTICIPANTS}+ participants can be shown "
            "for this item")
    shown = items.assign(spread=[spreads.get((int(r), int(i)), none)
                                 for r, i in zip(items["rubric_row"], items["item_index"], strict=True)])
    columns = ["criterion", "mean_weight", "ci_low", "ci_high", "n_participants", "share_positive",
               "share_negative", "spread", "reliability", "suppressed"]
    tables.figure_with_table(
        weights_figure(shown), shown[columns], name="rubric_prewritten",
        view_slug=exports.slug(prompt_id), filters={"prompt_id": prompt_id},
        caption="Mean weight of each pre-written criterion with its 95% interval (Student t).",
        n_note=f"Items scored by {privacy.SUPPRESSED_TEXT} are blank.", summary=weights_summary(shown),
    )
    for row in shown[~shown["suppressed"]].itertuples():
        st.caption(f"Across countries, “{row.criterion}”: {row.spread}.")
    if box := lazy_expander("Weights by country of residence", f"open:rubric_countries:{prompt_id}"):
        with box:
            countries = countries[~countries["suppressed"]].assign(
                country_name=lambda d: d["country"].map(labels.country_name))
            if countries.empty:
                st.text(f"No country has {privacy.MIN_PARTICIPANTS}+ participants scoring these items.")
            else:
                tables.table(countries[["criterion", "country_name", "mean_weight", "ci_low", "ci_high",
                                        "n_participants", "reliability", "suppressed"]])
                st.caption(f"Countries with {privacy.SUPPRESSED_TEXT} on an item, and those that would reveal "
                           "them, are left out.")


def own_country_options(prompt_id: str) -> list[str]:
    """Countries whose own-item authors may be shown as a group (the complement rule applies)."""
    authors = data.read_shown(rr.own_item_countries, prompt_id)
    return sorted(authors.loc[~authors["suppressed"] & authors["country"].notna(), "country"].astype(str))


def _own(prompt_id: str) -> None:
    st.markdown("**Criteria participants wrote themselves**")
    everyone = data.read_shown(rr.own_items, prompt_id, None, None)
    if everyone.empty:
        st.text("Nobody wrote their own criterion for this prompt.")
        return
    if everyone["suppressed"].all():
        st.info(f"Not shown: people's own words appear only on prompts with {privacy.MIN_PARTICIPANTS}+ "
                "participants.", icon=":material/group_off:")
        return
    countries = own_country_options(prompt_id)
    with st.container(horizontal=True):
        country = state.select_page_param(
            "rubric_country", f"Authors' country ({privacy.MIN_PARTICIPANTS}+ authors)", ["", *countries], "",
            format_func=lambda c: f"{labels.country_name(c)} ({c})" if c else "All countries") or None
        search = st.text_input("Search these criteria", key=f"rubric:search:{prompt_id}",
                               max_chars=rp.SEARCH_MAX_CHARS, placeholder="Words to look for")
    rows = data.read_shown(rr.own_items, prompt_id, country, search or None)
    rows = rows[~rows["suppressed"]]
    st.caption(f"{len(rows):,} of {len(everyone):,} criteria written by participants, strongest weight first. "
               "An item scored by exactly one person was written by that person (the release has no authorship "
               "field). The weight is the author's own.")
    if rows.empty:
        st.text("No criterion matches.")
        return
    table = rows[["criterion", "score"]].head(OWN_ROWS).rename(columns={"score": "weight"})
    st.dataframe(table, hide_index=True, width="stretch", column_config={
        "criterion": st.column_config.TextColumn("Criterion (as written)", width="large"),
        "weight": st.column_config.NumberColumn("Weight", format="%+d"),
    })
    if len(rows) > OWN_ROWS:
        st.caption(f"The first {OWN_ROWS} are listed; the download holds all of them.")
    tables.downloads(rows.rename(columns={"score": "weight"}), name="rubric_own_items",
                     view_slug=exports.slug(prompt_id, country or "all"),
                     filters={"prompt_id": prompt_id, "country": country, "search": search or None})


def section_panel(run: str, anchor: str, threshold: int, key: str = "") -> None:
    """A section's prompts that have rubrics: core criteria and the heaviest and lightest pre-written items. `key`
    tells apart two panels on one page (the Changelog opens one per entry and section, and entries share sections)."""
    if not available():
        return
    prompts = data.read_shown(rr.section_prompts, run, anchor, threshold)
    if prompts.empty:
        st.text("None of this section's relevant prompts has a rubric.")
        return
    shares = data.read_shown(rr.section_shares, run, anchor, threshold)
    for row in shares[~shares["suppressed"]].itertuples():
        what = "pre-written criteria" if row.kind == "prewritten" else "criteria participants wrote"
        st.text(f"{privacy.pct(row.share_positive)} of the {int(row.n_items):,} {what} on these "
                f"{int(row.n_prompts):,} prompts carry a positive mean weight ({privacy.n_label(row.n_participants)}).")
    shown = prompts.copy()
    hidden = shown["suppressed"]
    for col in ("heaviest_item", "lightest_item"):  # which item is heaviest comes from the hidden scores
        shown[col] = shown[col].astype("object").where(~hidden, None)
    shown = tables.with_prompt_links(shown).assign(
        heaviest=[f"{t} ({w:+.1f})" if isinstance(t, str) and pd.notna(w) else "–"
                  for t, w in zip(shown["heaviest_item"], shown["heaviest_weight"], strict=True)],
        lightest=[f"{t} ({w:+.1f})" if isinstance(t, str) and pd.notna(w) else "–"
                  for t, w in zip(shown["lightest_item"], shown["lightest_weight"], strict=True)])
    st.dataframe(shown[["link", "first_user_text", "core_criteria", "heaviest", "lightest", "n_participants",
                        "reliability"]], hide_index=True, width="stretch", key=f"rubric_section:{key}" if key else None,
                 column_config={
        **tables.column_config(shown),
        "link": st.column_config.LinkColumn("Prompt", display_text=r"prompt=(.*)$"),
        "first_user_text": st.column_config.TextColumn("First message"),
        "core_criteria": st.column_config.TextColumn("Core criteria", width="large"),
        "heaviest": st.column_config.TextColumn("Heaviest pre-written criterion (mean weight)"),
        "lightest": st.column_config.TextColumn("Lightest pre-written criterion (mean weight)"),
    })
    st.caption(f"{len(prompts):,} of this section's relevant prompts have a rubric. Weights from "
               f"{privacy.SUPPRESSED_TEXT} are not shown. Open a prompt for all its criteria.")
    tables.downloads(shown.drop(columns=["link", "heaviest", "lightest"]), name="rubric_section_prompts",
                     view_slug=exports.slug(run, anchor, f"t{threshold}"),
                     filters={"run": run, "section": anchor, "threshold": threshold}, key=key)
