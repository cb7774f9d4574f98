"""The crowd layer on the pages: how often people agree with each other, groups against everyone else, flags."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components import charts, crowd_charts, data, frame, labels, later, quote, state, tables
from core import exports, privacy
from core.reads import crowd
from core.stats.crowd import AGREEMENT, CHANCE, FLAGGED, MATCHED, PERSONAL_DIFFERS, PERSONAL_WORLD, SHARE, UNACCEPTABLE

RANKER_LINE = ("**What a ranker run would add:** how often people agree with the written Model Spec itself, per "
               "spec section, each figure beside this crowd reference. How to produce one: "
               "[docs/ranker.md](./methodology#how-to-produce-a-ranker-run).")
# Choices for "which finding" (page parameter `measure`): title, axis title, and what a value means.
MEASURES = {
    AGREEMENT: ("Agreement with each other", "Agreement with the rest of the crowd",
                "share of response pairs a participant put in the same order as everyone else who ranked the prompt"),
    FLAGGED: ("Flagged a response as unacceptable", "Share of assessments with a flag",
              "share of the assessments where the question was asked that flagged at least one response"),
    PERSONAL_DIFFERS: ("Ranked differently for themselves", "Share with a different personal ranking",
                       "share of assessments with both rankings where the ranking 'for me' differs from the ranking "
                       "'for everyone'"),
    PERSONAL_WORLD: ("'For me' agrees with 'for everyone'", "Agreement of personal with world ranking",
                     "share of response pairs the personal ranking puts in the same order as the world ranking"),
}
# The finding's two views on the People page, keyed "finding:<measure>:<field>" (tests/lazy.py opens the second).
FINDING_TABS = "finding:"
DIFFERENCE_TAB = "Difference from everyone else"
HOW = ("For each assessment, the rankings of the same prompt by every *other* participant are combined: each "
       "response gets the sum of its mid-ranks (a tie shares the mean of the places it spans), and a smaller sum is "
       "a better place. The assessment's agreement is the share of response pairs that both it and this crowd order "
       "strictly and that they order the same way; *top choice* compares single first choices. The estimate "
       "averages over assessments; the 95% interval resamples participants (cluster bootstrap). A random ranking "
       "would agree half the time on pairs and a quarter of the time on the first choice (the chance line).")


def key_of(choice: str, view: state.View) -> tuple[str, str, str]:
    """(measure, block, metric) of a finding under the page's question and measure."""
    if choice == AGREEMENT:
        return AGREEMENT, view.block, view.metric
    if choice == FLAGGED:
        return FLAGGED, UNACCEPTABLE, SHARE
    if choice == PERSONAL_DIFFERS:
        return PERSONAL_DIFFERS, MATCHED, SHARE
    return PERSONAL_WORLD, MATCHED, view.metric


def chance_of(measure: str, metric: str) -> float | None:
    return CHANCE.get(metric) if measure in (AGREEMENT, PERSONAL_WORLD) else None


def ranker_line() -> None:
    st.markdown(RANKER_LINE)


def overall_row(measure: str, block: str, metric: str) -> pd.Series | None:
    df = data.read_shown(crowd.overall, measure, block, metric)
    return None if df.empty or df["suppressed"].iloc[0] else df.iloc[0]


def sentence(subject: str, row: pd.Series | pd.DataFrame, measure: str, n_col: str = "n_participants") -> str:
    return privacy.estimate_sentence(subject, row["estimate"], row["ci_low"], row["ci_high"], row[n_col],
                                     measure=MEASURES[measure][0].lower())


def headline(view: state.View, page: str = "") -> pd.Series | None:
    """The crowd's agreement with itself under the view's question and measure, with its CI, n and chance level."""
    row = overall_row(AGREEMENT, view.block, view.metric)
    if row is None:
        st.text(f"Agreement with each other: not reported ({privacy.SUPPRESSED_TEXT}).")
        return None
    chance = CHANCE[view.metric]
    st.metric("People agree with each other", privacy.pct(row["estimate"]),
              help="How often one participant orders the responses as everyone else who ranked the same prompt did.")
    st.markdown(f"{privacy.ci_text(row['ci_low'], row['ci_high'])} · {int(row['n_participants']):,} participants · "
                f"{int(row['n_assessments']):,} assessments · chance level {privacy.pct(chance)}")
    quote.quote_box(sentence("Everyone in the study", row, AGREEMENT),
                    state.permalink(page, pin=("block", "metric")))
    frame.how_computed(HOW)
    return row


def countries(view: state.View, reference: float | None) -> None:
    """Agreement with the rest of the crowd per country: the range in one sentence, then the chart."""
    groups = labels.with_names(data.read_shown(crowd.groups, AGREEMENT, view.block, view.metric))
    part = groups[groups["field"] == "country"][["name", "level", "estimate", "ci_low", "ci_high", "n_participants",
                                                 "n_assessments", "difference", "difference_ci_low",
                                                 "difference_ci_high", "reliability", "suppressed"]]
    if part.empty:  # a store whose crowd layer was not computed: say so instead of drawing an empty chart
        st.text("Agreement with the rest of the crowd by country: not computed in this data store.")
        return
    shown = part[~part["suppressed"] & part["estimate"].notna()]
    if len(shown) >= 2:
        lo, hi = shown.loc[shown["estimate"].idxmin()], shown.loc[shown["estimate"].idxmax()]
        st.markdown(
            f"Across the {len(shown)} countries with enough participants, agreement with everyone else ranges from "
            f"**{privacy.pct(lo['estimate'])}** ({frame.md_escape(lo['name'])}, "
            f"{privacy.ci_text(lo['ci_low'], lo['ci_high'])}) to **{privacy.pct(hi['estimate'])}** "
            f"({frame.md_escape(hi['name'])}, {privacy.ci_text(hi['ci_low'], hi['ci_high'])}).")
    fig = crowd_charts.crowd_figure(part, "name", chance=CHANCE[view.metric], reference=reference)
    tables.figure_with_table(fig, part, name="crowd_agreement_by_country",
                             caption="Agreement with the rest of the crowd — country of residence.",
                             n_note="Dashed: everyone together; dotted: chance.",
                             summary=charts.describe(part, "name"), view_slug=exports.slug(view.block, view.metric),
                             filters=view.as_dict())


def groups_vs_rest(view: state.View, choice: str, field: str, page: str = "people") -> None:
    """One field's levels against everyone else on one finding: the difference and its own 95% CI."""
    measure, block, metric = key_of(choice, view)
    title, axis, meaning = MEASURES[measure]
    groups = labels.with_names(data.read_shown(crowd.groups, measure, block, metric))
    part = groups[groups["field"] == field][["name", "level", "estimate", "ci_low", "ci_high", "rest_estimate",
                                             "difference", "difference_ci_low", "difference_ci_high",
                                             "n_participants", "n_assessments", "reliability", "suppressed"]]
    overall = overall_row(measure, block, metric)
    if overall is not None:
        st.markdown(f"**Everyone:** {title.lower()} {privacy.pct(overall['estimate'])} "
                    f"({privacy.ci_text(overall['ci_low'], overall['ci_high'])}, "
                    f"{privacy.n_label(overall['n_participants'])}) — {meaning}.")
    slug = exports.slug(measure, block, metric, field)
    # Only the open tab is built and sent (like the Chart/Table tabs): a chart in a hidden tab still cost its figure,
    # its downloads and its drawing on every first visit.
    estimate_tab, difference_tab = st.tabs([title, DIFFERENCE_TAB], key=f"{FINDING_TABS}{measure}:{field}",
                                           on_change=state.keep_notice)
    if estimate_tab.open:
        with estimate_tab:
            fig = crowd_charts.crowd_figure(part, "name", chance=chance_of(measure, metric),
                                            reference=None if overall is None else overall["estimate"], x_title=axis)
            tables.figure_with_table(fig, part, name=f"crowd_{measure}_by_{field}",
                                     caption=f"{title} — {labels.FIELDS[field]}.",
                                     n_note="Dashed: everyone together"
                                            + ("; dotted: chance." if chance_of(measure, metric) is not None else "."),
                                     summary=charts.describe(part, "name"), view_slug=slug, filters=view.as_dict())
    if difference_tab.open:
        with difference_tab:
            fig = crowd_charts.difference_figure(part, "name", f"{title}: group minus everyone else")
            tables.figure_with_table(fig, part, name=f"crowd_{measure}_difference_by_{field}",
                                     caption=f"{title}: each group minus everyone else — {labels.FIELDS[field]}.",
                                     n_note="An interval that crosses the zero line: no difference the data can show.",
                                     summary=difference_summary(part), view_slug=slug, filters=view.as_dict())
    shown = part[~part["suppressed"] & part["difference"].notna()]
    if not shown.empty:
        far = shown.loc[shown["difference"].abs().idxmax()]
        clear = far["difference_ci_low"] > 0 or far["difference_ci_high"] < 0
        subject = f"{labels.FIELDS[field]}: {far['name']}"
        text = (f"{sentence(subject, far, measure)} Everyone else: "
                f"{privacy.pct(far['rest_estimate'])}; difference {privacy.pct(far['difference'], 1)} "
                f"({privacy.ci_text(far['difference_ci_low'], far['difference_ci_high'])})"
                + ("." if clear else ", an interval that includes no difference."))
        quote.quote_box(text, state.permalink(page, pin=("block", "metric"), measure=choice, compare=field))


def difference_summary(part: pd.DataFrame) -> str:
    rows = part[~part["suppressed"] & part["difference"].notna()]
    if rows.empty:
        return "No group in this chart has enough participants to show a difference."
    above = rows[rows["difference_ci_low"] > 0]["name"].tolist()
    below = rows[rows["difference_ci_high"] < 0]["name"].tolist()
    text = f"{len(rows)} groups compared with everyone else."
    text += f" Above everyone else: {', '.join(map(str, above))}." if above else " None is clearly above."
    text += f" Below: {', '.join(map(str, below))}." if below else " None is clearly below."
    return text


def other_findings(view: state.View) -> None:
    """Flags and 'for me' against 'for everyone' in three numbers, each with its CI and n."""
    with st.container(horizontal=True):
        for choice in (FLAGGED, PERSONAL_DIFFERS, PERSONAL_WORLD):
            measure, block, metric = key_of(choice, view)
            row = overall_row(measure, block, metric)
            with st.container(border=True):
                st.metric(MEASURES[measure][0], "–" if row is None else privacy.pct(row["estimate"]))
                if row is not None:
                    st.caption(f"{privacy.ci_text(row['ci_low'], row['ci_high'])} · "
                               f"{privacy.n_label(row['n_participants'])} · {int(row['n_assessments']):,} "
                               f"assessments. {MEASURES[measure][2].capitalize()}.")


def beside_ranker(view: state.View, *, sections: bool = True, anchors: tuple[str, ...] | None = None) -> None:
    """The crowd reference next to the ranker's agreement on the same assessments (needs a run)."""
    if view.run is None:
        return
    df = data.read_shown(crowd.beside_ranker, view.run, view.block, view.metric, view.threshold)
    if df.empty:
        return
    everyone = df[df["anchor"].isna()]
    if not everyone.empty and not everyone["suppressed"].iloc[0]:
        r = everyone.iloc[0]
        st.markdown(
            f"On the same {int(r['n_assessments']):,} assessments, people agree with the ranker "
            f"**{privacy.pct(r['ranker_estimate'])}** ({privacy.ci_text(r['ranker_ci_low'], r['ranker_ci_high'])}) "
            f"and with each other **{privacy.pct(r['crowd_estimate'])}** "
            f"({privacy.ci_text(r['crowd_ci_low'], r['crowd_ci_high'])}); difference "
            f"{privacy.pct(r['difference'], 1)} ({privacy.ci_text(r['difference_ci_low'], r['difference_ci_high'])}).")
    if not sections:
        return
    part = df[df["anchor"].notna()]
    if anchors is not None:
        part = part[part["anchor"].isin(anchors)]
    if part.empty:
        return
    fig = crowd_charts.paired_figure(part, "title", CHANCE[view.metric])
    tables.figure_with_table(fig, part, name="ranker_and_crowd_by_section",
                             caption="Agreement with the ranker and with each other, per section, on the same "
                                     "assessments.", n_note="Dotted: chance.",
                             summary=f"{int((~part['suppressed']).sum())} sections, each with both agreements.",
                             view_slug=view.slug(), filters=view.as_dict())


def by_question(view: state.View) -> None:
    """Agreement with each other for each question asked, and of each person's two rankings, on one measure."""
    names = {(AGREEMENT, "world"): "Best for everyone (world): with each other",
             (AGREEMENT, "personal"): "Best for me (personal): with each other",
             (PERSONAL_WORLD, MATCHED): "One person's 'for me' against their 'for everyone'"}
    df = data.read_shown(crowd.overall_all)
    df = df[df["metric"] == view.metric]
    df = df[[(m, b) in names for m, b in zip(df["measure"], df["block"], strict=True)]]
    df = df.assign(question=[names[(m, b)] for m, b in zip(df["measure"], df["block"], strict=True)])
    df = df[["question", "measure", "block", "metric", "estimate", "ci_low", "ci_high", "n_participants",
             "n_assessments", "reliability", "suppressed"]]
    fig = crowd_charts.crowd_figure(df, "question", chance=CHANCE[view.metric], x_title="Agreement")
    tables.figure_with_table(fig, df, name="crowd_agreement_by_question",
                             caption="How often people agree with each other, per question, and how often one "
                                     "person's two rankings agree.", n_note="Dotted: chance.",
                             summary=charts.describe(df, "question"), view_slug=exports.slug(view.metric),
                             filters=view.as_dict())


@st.fragment
def prompt_lists_later(view: state.View) -> None:
    """prompt_lists below Contested prompts' first screen, drawn once that screen is up (components.later): a
    fragment, so drawing it reruns only this part. Its chart, two tables and their links were a fifth of the page's
    elements on every first visit."""
    if later.shown("prompts:crowd-lists", "Show where people agree least, and the most flagged responses"):
        prompt_lists(view)


def prompt_lists(view: state.View) -> None:
    """The prompts people agree on least with each other, and the responses flagged most often."""
    least = data.read_shown(crowd.prompts, AGREEMENT, view.block, view.metric, False, 10)
    least = least[~least["suppressed"]]
    st.subheader("Where people agree with each other least", anchor=False)
    if least.empty:  # no prompt with enough participants (or a store without the crowd layer): no empty chart
        st.text("No prompt has enough participants to be listed here (at least 10 who ranked it).")
        return
    shown = least.assign(prompt=[f"{str(t)[:60]}…" if len(str(t)) > 60 else str(t) for t in least["first_user_text"]])
    shown = shown.drop_duplicates("prompt")
    fig = crowd_charts.crowd_figure(shown, "prompt", chance=CHANCE[view.metric], x_title="Agreement with the rest "
                                    "of the crowd on this prompt")
    tables.figure_with_table(fig, shown[["prompt_id", "prompt", "estimate", "ci_low", "ci_high", "n_participants",
                                         "n_assessments", "reliability", "suppressed"]],
                             name="crowd_least_agreed_prompts",
                             caption="The ten prompts whose participants agree least with everyone else who ranked "
                                     "them (prompts with at least 10 participants).",
                             n_note="Dotted: chance. Interval: mean ± 1.96 standard errors over the prompt's "
                                    "assessments.",
                             summary=charts.describe(shown, "prompt"), view_slug=exports.slug(view.block, view.metric),
                             filters=view.as_dict())
    tables.prompt_links_table(tables.with_prompt_links(least), ["estimate", "ci_low", "ci_high", "n_participants"])
    st.subheader("Responses most often flagged as unacceptable", anchor=False)
    st.caption("Content notice: these responses were flagged by participants; some may be harmful or offensive. "
               "Open a prompt to read them.")
    flagged = data.read_shown(crowd.flagged_responses, 10)
    flagged = flagged[~flagged["suppressed"]]
    tables.prompt_links_table(tables.with_prompt_links(flagged), ["letter", "share", "n_flagged", "n_asked"])


def prompt_detail(prompt_id: str, view: state.View) -> None:
    """One prompt: how much its participants agree with each other, and each country against the rest."""
    st.subheader("How much people agree with each other here")
    df = data.read_shown(crowd.prompt_measures, prompt_id)
    names = {(AGREEMENT, "world", "pairwise"): "For everyone: pairs",
             (AGREEMENT, "world", "top"): "For everyone: first choice",
             (AGREEMENT, "personal", "pairwise"): "For me: pairs",
             (AGREEMENT, "personal", "top"): "For me: first choice",
             (FLAGGED, UNACCEPTABLE, SHARE): "Flagged a response as unacceptable"}
    keys = list(zip(df["measure"], df["block"], df["metric"], strict=True))
    df = df.assign(finding=[names.get(k, "") for k in keys])
    df = df[df["finding"] != ""]
    df = df[["finding", "measure", "block", "metric", "estimate", "ci_low", "ci_high", "n_participants",
             "n_assessments", "reliability", "suppressed"]]
    fig = crowd_charts.crowd_figure(df, "finding", chance=None, x_title="Share")
    tables.figure_with_table(fig, df, name="prompt_crowd", caption="This prompt's crowd findings.",
                             n_note="Chance: 50% for pairs, 25% for the first choice. Agreement intervals are mean ± "
                                    "1.96 standard errors; the flag share's is Wilson's.",
                             summary=charts.describe(df, "finding"), view_slug=exports.slug(prompt_id[:40]),
                             filters={"prompt": prompt_id})
    countries = data.read_shown(crowd.country_vs_rest, prompt_id, view.block)
    countries = countries[~countries["suppressed"]]
    if not countries.empty:
        st.markdown("**Each country's first choices against everyone outside it**")
        countries = countries.assign(name=countries["country"].map(labels.country_name))
        table = countries[["name", "letter", "share", "rest_share", "n_participants", "n_single_top", "reliability",
                           "suppressed"]]
        tables.table(table)
        tables.downloads(table, name="prompt_country_vs_rest", view_slug=exports.slug(prompt_id[:40], view.block),
                         filters={"prompt": prompt_id, "block": view.block})


def findings(view: state.View) -> None:
    """What the release alone says, for the Overview: agreement with each other, its range across countries, flags."""
    st.subheader("Do people agree with each other?")
    row = headline(view)
    countries(view, None if row is None else row["estimate"])
    st.subheader("Unacceptable answers, and 'for me' against 'for everyone'")
    other_findings(view)
    st.page_link("app_pages/people.py", label="Each country and group against everyone else",
                 icon=":material/arrow_forward:")


def people_section(view: state.View) -> None:
    """People and countries: each group against everyone else on the finding chosen in the URL."""
    st.header("Each group against everyone else")
    st.markdown("What the release alone says: for each country and group, how its members answered compared with "
                "everyone else, with the difference's own 95% interval.")
    with st.container(horizontal=True):
        finding = state.select_page_param("measure", "Finding", list(MEASURES), AGREEMENT,
                                          format_func=lambda m: MEASURES[m][0])
        compare = state.select_page_param("compare", "Groups", list(labels.FIELDS), "country",
                                          format_func=lambda f: labels.FIELDS[f])
    groups_vs_rest(view, finding, compare)
    frame.how_computed(HOW + " A group's difference is its estimate minus that of everyone outside it, and its "
                       "interval comes from the same participant resamples, so it accounts for both sides' uncertainty.")
