"""The Overview's plain-words answer to its own question, and the quote for a selected group."""
from __future__ import annotations

import pandas as pd

from components import data, labels, quote, state
from components.frame import md_escape
from core import privacy, wording
from core.reads import figures

MEASURE_HELP = {
    "pairwise": "Share of response pairs that participants ordered the same way as the ranker (pairs either side "
                "tied are left out). Guessing would give 50%.",
    "top": "Share of assessments where the participant's single first choice was the ranker's first choice. "
           "Guessing one of four responses would give 25%.",
}


def answer(view: state.View) -> str:
    """One sentence that answers 'Do people agree with the Model Spec?' for the current view, or '' when the store
    has no ranker run or too few participants."""
    if view.run is None:
        return ""
    overall = data.read_shown(figures.agreement_overall, view.run, view.block, view.metric)
    if overall.empty or overall["suppressed"].iloc[0]:
        return ""
    row = overall.iloc[0]
    chance = wording.CHANCE[view.metric]
    if row["ci_low"] > chance:
        verdict = "more often than chance, but far from always"
    elif row["ci_high"] < chance:
        verdict = "less often than chance"
    else:
        verdict = "no more often than chance would explain"
    unit = "of response pairs" if view.metric == "pairwise" else "of first choices"
    question = wording.QUESTIONS[view.block]
    return (f"{verdict[0].upper()}{verdict[1:]}. Asked which response is {question}, participants agreed with this "
            f"project's Model Spec Ranker (run {md_escape(view.run)}) on {privacy.pct(row['estimate'])} {unit} "
            f"({privacy.ci_text(row['ci_low'], row['ci_high'])}, {privacy.n_label(row['n_participants'])}); "
            f"guessing would give {privacy.pct(chance)}.")


def group_quote(view: state.View, everyone: pd.Series | None) -> None:
    """The selected group's figure as a quote, beside everyone's and chance."""
    if view.group is None:
        return
    field, level = view.group
    groups = data.read_shown(figures.agreement_group, view.run, view.block, view.metric)
    mine = groups[(groups["field"] == field) & (groups["level"] == level)]
    if mine.empty:
        return
    g = mine.iloc[0]
    comparisons = [wording.chance_text(view.metric)]
    if everyone is not None and not everyone["suppressed"]:
        comparisons.insert(0, wording.reference_text("everyone in the study", everyone["estimate"],
                                                     everyone["ci_low"], everyone["ci_high"]))
    sentence = privacy.estimate_sentence(wording.group_subject(field, labels.level_name(field, level)),
                                         g["estimate"], g["ci_low"], g["ci_high"], g["n_participants"],
                                         context=quote.context(view), comparisons=comparisons)
    quote.quote_box(sentence, state.permalink("", pin=("run", "block", "metric", "group")))
