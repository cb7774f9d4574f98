"""A part of a page drawn after its first screen: when the reader comes near it, asks for it, or the page has settled."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

_HERE = Path(__file__).parent
_COMPONENT = st.components.v2.component("ca_later", js=(_HERE / "later.js").read_text(encoding="utf-8"),
                                        css=(_HERE / "later.css").read_text(encoding="utf-8"), isolate_styles=False)
PREFIX = "later:"  # the session-state key that records that a part was asked for
HEIGHT = 40


def shown(key: str, label: str) -> bool:
    """True once the part keyed `key` is to be drawn; until then a button labelled `label` holds its place (call this
    inside an st.fragment, so that drawing the part reruns the fragment and not the page).

    Entries of a long list cost a first visit the browser's time to draw them even when they are below the first
    screen (issue 17: the Changelog's ten entries, 0.2× the empty page). Once asked for, the part stays drawn for the
    rest of the session.
    """
    state = PREFIX + key
    if st.session_state.get(state):
        return True

    def asked() -> None:
        st.session_state[state] = True

    _COMPONENT(key=f"near:{key}", height=HEIGHT, width="content", data={"label": label}, on_show_change=asked)
    return False
