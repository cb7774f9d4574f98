"""The contested-prompt list, and one prompt in full: conversation, responses, crowd charts, ranker, rationales."""
from __future__ import annotations

import math

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import alt_text, charts, data, labels, prompt_links, state, tables
from components.choice import choice
from components.frame import lazy_expander, md_escape
from core import exports, privacy, wording
from core.config import LETTERS
from core.reads import prompt_data as rp
from core.reads import slices
from views import rank_yourself, rubric_view

ROLE_LABELS = {"developer": "Developer (instructions)", "user": "User", "assistant": "Assistant"}
LETTER_COLOURS = dict(zip(LETTERS, (charts.OKABE_ITO["blue"], charts.OKABE_ITO["orange"],
                                    charts.OKABE_ITO["green"], charts.OKABE_ITO["purple"]), strict=True))
PLACE_COLOURS = (charts.OKABE_ITO["blue"], charts.OKABE_ITO["sky"], charts.OKABE_ITO["yellow"],
                 charts.OKABE_ITO["vermillion"])
RESPONSE_HEIGHT = 420
LONG_RESPONSE_CHARS = 600
ANSWERS_SPEC = slices.TableSpec("prompt_answers", "Importance and subjectivity", "", (),
                                ("n_participants", "n_answered"), ("share",), (), None)
PREVIEW_CHARS = 160
LIST_SPEC = slices.TableSpec(
    "prompt_list", "Contested prompts", "", (), ("n_participants",),
    ("contestedness", "ranker_divergence", "country_divergence"), ("crowd_order", "country_divergence_pair",
                                                                   "top_differs"))


class StorePromptIds:
    """`in` asks the store, so `?prompt=` is checked without listing every id."""

    def __contains__(self, value: object) -> bool:
        return (isinstance(value, str) and 0 < len(value) <= state.MAX_VALUE_CHARS
                and not data.read(rp.prompt_header, value).empty)


def open_prompt(prompt_id: str | None) -> None:
    """Show a prompt (or the list, for None); the id goes into the URL as `?prompt=`."""
    state.set_page_param("prompt", prompt_id)


# --- Pure figure builders (privacy-applied frames in) ---------------------------------------------------------

def first_choice_figure(df: pd.DataFrame) -> go.Figure:
    """Share of first choices per response with Wilson 95% CIs, A to D."""
    rows = df[~df["suppressed"] & df["share"].notna()]
    fig = go.Figure(go.Bar(
        x=[f"Response {charts.label(x)}" for x in rows["letter"]], y=rows["share"],
        marker_color=[LETTER_COLOURS.get(x, charts.OKABE_ITO["black"]) for x in rows["letter"]],
        error_y={"type": "data", "symmetric": False, "array": rows["ci_high"] - rows["share"],
                     "arrayminus": rows["share"] - rows["ci_low"], "color": "#333333", "thickness": 1.5},
        customdata=list(zip(rows["ci_low"], rows["ci_high"], rows["n_first"].astype(float),
                            rows["n_single_top"].astype(float), strict=True)),
        hovertemplate="%{x}: %{y:.0%} (95% CI %{customdata[0]:.0%}–%{customdata[1]:.0%})"
                      "<br>%{customdata[2]:.0f} of %{customdata[3]:.0f} single first choices<extra></extra>",
        name="First choice (95% CI)",
    ))
    fig.update_yaxes(range=[0, 1], tickformat=".0%", title_text="Share of first choices", gridcolor="#E5E5E5")
    fig.update_yaxes(automargin=True)  # the tick labels and the title stay inside the figure on a phone
    fig.update_layout(height=320, margin={"l": 8, "r": 8, "t": 8, "b": 40}, font=charts.FONT, plot_bgcolor="white",
                      showlegend=False)
    return fig


def rank_distribution_figure(df: pd.DataFrame) -> go.Figure:
    """Each response's places as stacked shares (first place at the left)."""
    rows = df[~df["suppressed"] & df["n"].notna()]
    totals = rows.groupby("letter")["n"].transform("sum").astype(float)
    rows = rows.assign(share=rows["n"].astype(float) / totals.where(totals > 0))
    fig = go.Figure()
    for place, colour in zip((1, 2, 3, 4), PLACE_COLOURS, strict=True):
        part = rows[rows["rank"] == place]
        fig.add_trace(go.Bar(
            y=[f"Response {charts.label(x)}" for x in part["letter"]], x=part["share"], orientation="h",
            name=f"Place {place}", marker_color=colour, customdata=part["n"].astype(float),
            hovertemplate=f"%{{y}}, place {place}: %{{x:.0%}} (%{{customdata:.0f}} rankings)<extra></extra>",
        ))
    fig.update_layout(barmode="stack", height=300, margin={"l": 8, "r": 8, "t": 8, "b": charts.LEGEND_MARGIN},
                      font=charts.FONT, plot_bgcolor="white", legend={**charts.BOTTOM_LEGEND, "traceorder": "normal"})
    fig.update_xaxes(range=[0, 1], tickformat=".0%", title_text="Share of rankings")
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def country_split_figure(df: pd.DataFrame) -> go.Figure:
    """First-choice shares per eligible country as stacked bars; suppressed countries are not drawn."""
    rows = df[~df["suppressed"] & df["share"].notna()]
    fig = go.Figure()
    for letter in LETTERS:
        part = rows[rows["letter"] == letter]
        fig.add_trace(go.Bar(
            y=[charts.label(c) for c in part["country"]], x=part["share"], orientation="h",
            name=f"Response {letter}", marker_color=LETTER_COLOURS[letter],
            customdata=part["n_participants"].astype(float),
            hovertemplate=f"%{{y}}: {letter} first for %{{x:.0%}} (%{{customdata:.0f}} participants)<extra></extra>",
        ))
    n = rows["country"].nunique()
    fig.update_layout(barmode="stack", height=160 + 32 * max(n, 1),
                      margin={"l": 8, "r": 8, "t": 8, "b": charts.LEGEND_MARGIN}, font=charts.FONT,
                      plot_bgcolor="white", legend={**charts.BOTTOM_LEGEND, "traceorder": "normal"})  # A to D
    fig.update_xaxes(range=[0, 1], tickformat=".0%", title_text="Share of single first choices")
    fig.update_yaxes(autorange="reversed", automargin=True)
    return fig


def shares_figure(df: pd.DataFrame, label_col: str, value_col: str, x_title: str) -> go.Figure:
    """Plain horizontal bars of shares (flags, answers); suppressed rows are not drawn."""
    rows = df[~df["suppressed"] & df[value_col].notna()]
    # Long answers are broken onto lines: on a phone one-line labels left the bars a sliver and were cut off.
    labels = [charts.wrapped(v) for v in rows[label_col]]
    extra_lines = sum(v.count("<br>") for v in labels)
    fig = go.Figure(go.Bar(
        y=labels, x=rows[value_col], orientation="h",
        marker_color=charts.OKABE_ITO["blue"], hovertemplate="%{y}: %{x:.0%}<extra></extra>", name=x_title,
    ))
    fig.update_xaxes(range=[0, 1], tickformat=".0%", title_text=charts.axis_title(x_title), gridcolor="#E5E5E5",
                     automargin=True)
    fig.update_yaxes(autorange="reversed", automargin=True)
    fig.update_layout(height=100 + 30 * max(len(rows), 1) + 14 * extra_lines, margin={"l": 8, "r": 8, "t": 8, "b": 40},
                      font=charts.FONT, plot_bgcolor="white", showlegend=False)
    return fig


# --- Streamlit sections ------------------------------------------------------------------------------------------

def _too_few(what: str) -> None:
    st.info(f"{what}: not shown ({privacy.SUPPRESSED_TEXT} on this prompt).", icon=":material/group_off:")


def conversation(prompt_id: str) -> None:
    """Every turn with its role, as plain text."""
    st.subheader("The conversation")
    turns = data.read(rp.conversation, prompt_id)
    for row in turns.itertuples(index=False):
        with st.container(border=True):
            st.caption(ROLE_LABELS.get(row.role, "Other turn"))
            st.text(row.content or "", wrap=True)


def responses(prompt_id: str, revealed: bool) -> None:
    """The four responses side by side (Streamlit stacks columns on narrow screens)."""
    st.subheader("The four responses")
    if not revealed:
        st.text("The responses are hidden behind the content notice above.")
        return
    df = data.read(rp.responses, prompt_id)
    cols = st.columns(max(len(df), 1))
    # Long responses scroll inside equal boxes so the four stay side by side; short ones take their own height.
    longest = int(df["content"].fillna("").str.len().max()) if len(df) else 0
    height = RESPONSE_HEIGHT if longest > LONG_RESPONSE_CHARS else "content"
    for col, row in zip(cols, df.itertuples(index=False), strict=False):
        with col:
            st.markdown(f"**Response {row.letter if row.letter in LETTERS else '?'}**")
            with st.container(height=height, border=True):
                st.text(row.content or "", wrap=True)


def content_gate(prompt_id: str, has_notice: bool) -> bool:
    """For prompts with a content notice: a warning and a toggle (off by default). True when text may be shown."""
    if not has_notice:
        return True
    st.warning(
        "Content notice: this prompt's responses and rationales touch on sexual or graphic content. "
        "They are hidden until you choose to show them.", icon=":material/visibility_off:")
    return st.toggle("Show the responses and rationales", value=False, key=f"reveal:{prompt_id}")


def _slug(prompt_id: str, block: str) -> str:
    return exports.slug(prompt_id, block)


def crowd_charts(prompt_id: str, block: str, n_block: object) -> None:
    """First-choice shares with CIs and the full rank distribution, each with its table and downloads."""
    st.subheader("What the crowd chose")
    filters = {"prompt_id": prompt_id, "block": block}
    if privacy.is_suppressed(n_block):
        _too_few("The crowd's choices")
        return
    first = slices.suppress(data.read(rp.first_choice, prompt_id, block), slices.TABLES["prompt_first_choice"])
    tables.figure_with_table(
        first_choice_figure(first), first.drop(columns=["prompt_id", "block"], errors="ignore"),
        name="prompt_first_choice", view_slug=_slug(prompt_id, block), filters=filters,
        caption="Share of participants' single first choices for each response, with Wilson 95% intervals "
                "(rankings that tie first place are not counted).",
        n_note=privacy.n_label(n_block) + ".",
        summary=_first_choice_summary(first),
    )
    dist = slices.suppress(data.read(rp.rank_distribution, prompt_id, block),
                           slices.TABLES["prompt_rank_distribution"])
    tables.figure_with_table(
        rank_distribution_figure(dist), dist, name="prompt_rank_distribution", view_slug=_slug(prompt_id, block),
        filters=filters, caption="How often each response was placed first, second, third and last "
                                 "(tied responses share a place).",
        n_note=privacy.n_label(n_block) + ".",
        summary=alt_text.places(dist),
    )


def _first_choice_summary(first: pd.DataFrame) -> str:
    rows = first[~first["suppressed"] & first["share"].notna()]
    if rows.empty:
        return f"Not shown ({privacy.SUPPRESSED_TEXT})."
    parts = [f"{r.letter} {privacy.pct(r.share)} ({privacy.ci_text(r.ci_low, r.ci_high)})"
             for r in rows.itertuples(index=False)]
    return "First choices: " + "; ".join(parts) + "."


def country_split(prompt_id: str, block: str) -> None:
    """Each country's first choices; countries under the minimum (and their complements) are suppressed."""
    st.subheader("By country")
    df = slices.suppress(data.read(rp.country_first_choice, prompt_id, block),
                         slices.TABLES["prompt_country_first_choice"])
    if df.empty:
        st.text("No country information for this prompt.")
        return
    shown = df.loc[~df["suppressed"], "country"].nunique()
    hidden = df.loc[df["suppressed"], "country"].nunique()
    note = (f"{shown} countries shown; {hidden} not shown ({privacy.SUPPRESSED_TEXT} on this prompt, "
            "or hidden so a small country cannot be worked out from the others).")
    if shown == 0:
        st.info(f"No country has enough participants on this prompt to show its choices. {note}",
                icon=":material/group_off:")
        return
    named = df.assign(country=df["country"].map(labels.country_name))  # names, not codes, where people read
    tables.figure_with_table(
        country_split_figure(named), df, name="prompt_country_first_choice", view_slug=_slug(prompt_id, block),
        filters={"prompt_id": prompt_id, "block": block},
        caption="Share of each country's single first choices.", n_note=note,
        summary=alt_text.country_choices(named) or note,
    )


def ranker(prompt_id: str, run: str | None, block: str, n_block: object, revealed: bool) -> dict | None:
    """The selected run's ranking and rationale, and how it compares with the crowd; returns the ranker row."""
    st.subheader("The Model Spec Ranker")
    if run is None:
        st.text("This data store has no ranker run, so there is no ranker ranking to show.")
        return None
    df = data.read(rp.ranker_view, run, prompt_id, block)
    if df.empty:
        st.text(f"The selected ranker run ({run}) has no ranking for this prompt.")
        return None
    row = df.iloc[0].to_dict()
    if not row.get("ranking"):
        st.text(f"The selected ranker run ({run}) failed on this prompt, so it has no ranking.")
        return None
    st.text(f"Ranking: {row['ranking']}   (run {run})")
    if not privacy.is_suppressed(n_block) and pd.notna(row.get("crowd_ranker_pairwise")):
        st.text(f"Crowd's average order (Borda count): {row['crowd_order']}. Pairwise agreement between the two orders: "
                f"{privacy.pct(row['crowd_ranker_pairwise'])}.")
    if revealed and row.get("rationale"):
        st.caption("The ranker's rationale")
        st.text(row["rationale"], wrap=True)
    return row


def flags(prompt_id: str) -> None:
    """How often each response was flagged unacceptable, of those asked."""
    st.subheader("Flagged as unacceptable")
    df = slices.suppress(data.read(rp.flags, prompt_id), slices.TABLES["prompt_flags"])
    if df.empty or df["suppressed"].all():
        _too_few("Unacceptable flags (of the participants asked)")
        return
    df = df.assign(response=[f"Response {x}" for x in df["letter"]])
    asked = df["n_asked"].dropna()
    tables.figure_with_table(
        shares_figure(df, "response", "share", "Share of those asked who flagged it"), df, name="prompt_flags",
        view_slug=_slug(prompt_id, "all"), filters={"prompt_id": prompt_id},
        caption="Participants were asked whether any response was unacceptable; share who flagged each one.",
        n_note=f"{int(asked.max()):,} asked." if len(asked) else "",
        summary=alt_text.shares(df, "response", "share", "Share of those asked who flagged each response"),
    )


def answers(prompt_id: str) -> None:
    """Distributions of the importance and subjectivity answers."""
    st.subheader("How important, how subjective")
    df = slices.suppress(data.read(rp.answers, prompt_id), ANSWERS_SPEC)
    if df.empty or df["suppressed"].all():
        _too_few("The importance and subjectivity answers")
        return
    for question, title in (("importance", "How important is getting this right?"),
                            ("subjectivity", "Is there a single correct answer?")):
        part = df[df["question"] == question]
        if part.empty:
            continue
        st.markdown(f"**{title}**")
        tables.figure_with_table(
            shares_figure(part, "answer", "share", "Share of answers"), part, name=f"prompt_{question}",
            view_slug=_slug(prompt_id, "all"), filters={"prompt_id": prompt_id, "question": question},
            caption="Share of participants' answers.", n_note=privacy.n_label(part["n_participants"].iloc[0]) + ".",
            summary=alt_text.shares(part, "answer", "share", f"Answers to “{title}”"),
        )


def rationales(prompt_id: str, stats: pd.DataFrame, revealed: bool) -> None:
    """A few participants' own words, only on prompts with enough participants, never with demographic labels."""
    st.subheader("In participants' words")
    if not revealed:
        st.text("Rationales are hidden behind the content notice above.")
        return
    for block, title in (("world", "How the AI should behave for everyone"), ("personal", "For themselves")):
        n = stats.loc[stats["block"] == block, "n_participants"]
        st.markdown(f"**{title}**")
        if n.empty or privacy.is_suppressed(n.iloc[0]):
            st.text(f"Not shown: rationales appear only for prompts with at least {privacy.MIN_PARTICIPANTS} "
                    "participants answering this question.")
            continue
        df = data.read(rp.rationales, prompt_id, block, rp.RATIONALE_SAMPLE)
        if df.empty:
            st.text("No participant wrote a rationale here.")
        for row in df.itertuples(index=False):
            with st.container(border=True):
                st.caption("Their ranking")
                st.text(str(row.ranking or ""))
                st.text(row.rationale, wrap=True)


def show(prompt_id: str, view: state.View) -> None:
    """The whole prompt view for a validated prompt id."""
    header = data.read(rp.prompt_header, prompt_id).iloc[0]
    stats = data.read(rp.prompt_stats, prompt_id)
    n_block = stats.loc[stats["block"] == view.block, "n_participants"]
    n_block = n_block.iloc[0] if len(n_block) else None
    st.header(md_escape(wording.prompt_title(header["first_user_text"])), anchor=False)
    st.caption(f"Prompt id {md_escape(prompt_id)} · "
               f"{privacy.n_label(header['n_participants'])} · "
               + (f"{int(header['n_assessments']):,} assessments"
                  if not privacy.is_suppressed(header["n_participants"]) else "assessments not counted"))
    conversation(prompt_id)
    revealed = content_gate(prompt_id, bool(header["content_notice"]))
    responses(prompt_id, revealed)
    # Rank it yourself comes before the crowd's and the ranker's answers, so a reader ranks before seeing them.
    crowd_order = stats.loc[stats["block"] == view.block, "crowd_order"]
    ranked = data.read(rp.ranker_view, view.run, prompt_id, view.block) if view.run else pd.DataFrame()
    rank_yourself.panel(
        prompt_id, view.block, n_block,
        crowd_order.iloc[0] if len(crowd_order) else None,
        ranked["ranking"].iloc[0] if len(ranked) and pd.notna(ranked["ranking"].iloc[0]) else None,
    )
    crowd_charts(prompt_id, view.block, n_block)
    country_split(prompt_id, view.block)
    ranker(prompt_id, view.run, view.block, n_block, revealed)
    flags(prompt_id)
    answers(prompt_id)
    rationales(prompt_id, stats, revealed)
    rubric_view.prompt_section(prompt_id, revealed)


def listing(view: state.View) -> None:
    """The sortable, filterable, paginated list; each row links to its prompt view."""
    st.markdown("Prompts where people disagreed most with each other, with the Model Spec Ranker, or across "
                "countries. Open one to read the conversation and the four responses, see how people ranked "
                "them, and rank them yourself.")
    sections = (data.read(rp.section_choices, view.run, view.threshold) if view.run
                else pd.DataFrame(columns=["anchor", "title", "n_prompts"]))
    titles = dict(zip(sections["anchor"], sections["title"], strict=True))
    countries = data.read(rp.country_choices, privacy.MIN_PARTICIPANTS)["country"].tolist()
    with st.container(horizontal=True):
        sort = state.select_page_param("sort", "Sort by", list(rp.SORT_KEYS), "contestedness",
                                       format_func=lambda k: rp.SORT_KEYS.get(k, k))
        # "" stands for "all": a None option would show the selectbox's empty placeholder instead of a label.
        anchor = state.select_page_param("section", "Spec section", ["", *sections["anchor"]], "",
                                         format_func=lambda a: titles.get(a, a) if a else "All sections") or None
        country = state.select_page_param(
            "country", f"Country ({privacy.MIN_PARTICIPANTS}+ participants on the prompt)", ["", *countries], "",
            format_func=lambda c: f"{labels.country_name(c)} ({c})" if c else "All countries") or None
    search = st.text_input("Search the conversation text", key="prompts:search", max_chars=rp.SEARCH_MAX_CHARS,
                           placeholder="Words to look for (kept out of the link)")
    args = (view.run, view.block, sort, anchor, view.threshold, country, search or None)
    first_page = data.read(rp.prompt_list, *args, 1, privacy.MIN_PARTICIPANTS)
    total = int(first_page["n_total"].iloc[0]) if len(first_page) else 0
    n_pages = max(math.ceil(total / rp.PAGE_SIZE), 1)
    page = int(state.page_param("page", [str(i) for i in range(1, n_pages + 1)], "1"))
    rows = first_page if page == 1 else data.read(rp.prompt_list, *args, page, privacy.MIN_PARTICIPANTS)
    if total == 0:
        st.info("No prompt matches these filters.", icon=":material/search_off:")
    else:
        shown = slices.suppress(rows.drop(columns="n_total"), LIST_SPEC)
        shown = shown.assign(
            title=[wording.prompt_title(t) for t in shown["first_user_text"]],
            preview=[t if len(t) <= PREVIEW_CHARS else t[:PREVIEW_CHARS] + "…"
                     for t in shown["first_user_text"].fillna("")],
        )
        first_row = (page - 1) * rp.PAGE_SIZE + 1
        st.text(f"Prompts {first_row:,}–{first_row + len(shown) - 1:,} of {total:,}, sorted by "
                f"{rp.SORT_KEYS[sort].lower()}. Prompts with {privacy.SUPPRESSED_TEXT} are listed last, "
                "without statistics.")
        # The key numbers follow the title, so a phone shows them without scrolling sideways.
        columns = ["title", "contestedness", "n_participants", "ranker_divergence", "country_divergence",
                   "country_divergence_pair", "crowd_order", "ranker_ranking", "content_notice", "reliability"]
        names = shown.assign(country_divergence_pair=shown["country_divergence_pair"].map(labels.pair_names))
        # A table to read, each title a link to its prompt: the column meanings are in the caption at the end.
        tables.reading_table(tables.with_prompt_links(names)[["link", *columns, "suppressed"]], link=("title", "link"),
                             headers={"title": "Prompt"})
        options = [None, *shown["prompt_id"]]
        previews = dict(zip(shown["prompt_id"], shown["preview"], strict=True))
        choice("Open a prompt from this page", options, None, key="prompts:open", on_pick=open_prompt,
               format_func=lambda p: "Choose…" if p is None else previews.get(p, p)[:80])
        if n_pages > 1:
            state.select_page_param("page", "Page", [str(i) for i in range(1, n_pages + 1)], "1",
                                    format_func=lambda p: f"Page {p} of {n_pages}")
        # The table's titles already link to each prompt; these same-tab links are drawn only when asked for (with
        # their tooltips they were 25 of the page's 59 elements on every first visit).
        if box := lazy_expander(f"Open a prompt on this page ({len(shown)} links)", "open:prompt_links",
                                icon=":material/forum:"):
            with box:
                prompt_links.links(shown)
        table = shown.drop(columns=["title", "preview"])
        tables.downloads(table, name="prompt_list",
                         view_slug=exports.slug(view.block, sort, anchor, country, f"p{page}"),
                         filters={**view.as_dict(), "sort": sort, "section": anchor, "country": country,
                                  "search": search or None, "page": page})
    st.caption("Contestedness is 1 − Kendall's W (0: everyone ranked alike; 1: rankings spread evenly). Crowd vs "
               "ranker divergence is the share of response pairs the crowd's average order (Borda count) and the ranker put the "
               "other way round. Country divergence is the largest gap between two countries' first-choice "
               f"shares (total-variation distance), over countries with {privacy.MIN_PARTICIPANTS}+ participants.")
