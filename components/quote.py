"""'Quote this': a copyable sentence with n, the 95% CI and a permalink, plus how to cite the site."""
from __future__ import annotations

import streamlit as st

from components import data, labels, state
from components.frame import lazy_expander
from core import wording

CITATION = ("Collective Alignment Explorer, computed from OpenAI's collective-alignment-1 (CA-1) dataset "
            "(CC BY 4.0)")


def quote_box(sentence: str, link: str) -> None:
    """The sentence (with its n and 95% CI) in a box; one click opens it with its source and absolute permalink in
    a code block, which has a copy button. (The code block's 1.5 MB of browser code loads only then.)"""
    info = data.source_info()
    url = state.absolute(link)
    if data.is_synthetic(info):
        source = f"NOT REAL DATA: synthetic sample built {info.get('built_at', '')[:10]}"
    else:
        source = f"{CITATION}, revision {info.get('resolved_commit') or info.get('revision') or 'not recorded'}"
    with st.container(border=True):
        st.markdown("**Quote this**")
        st.text(sentence)
        if box := lazy_expander("Copy it with its source and link", f"open:quote:{link}",
                                icon=":material/content_copy:"):
            box.code(f"{sentence}\nSource: {source}. {url}", language=None, wrap_lines=True)


def context(view: state.View, *, threshold: bool = False) -> str:
    """What a quoted figure measures: measure, question, relevance level (section figures) and ranker run."""
    return wording.view_phrase(view.run, view.block, view.metric, view.threshold if threshold else None)


def group_subject(view: state.View) -> str:
    """'Everyone in the study' or 'People living in Mexico' for the view's group."""
    if not view.group:
        return wording.group_subject(None, None)
    field, level = view.group
    return wording.group_subject(field, labels.level_name(field, level))
