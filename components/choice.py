"""A choice from a list, drawn as the browser's own <select> by a small component instead of st.selectbox."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import streamlit as st

# st.selectbox loads its own widget code on a first visit (about 0.2 s of a desktop first visit, issue 17; a native
# <select> on an otherwise empty page costs 0.05 s) and draws its list in the page; the native list is also the
# phone's own picker, and a screen reader knows it as a plain combo box.
_HERE = Path(__file__).parent
_COMPONENT = st.components.v2.component("ca_choice", js=(_HERE / "choice.js").read_text(encoding="utf-8"),
                                        css=(_HERE / "choice.css").read_text(encoding="utf-8"), isolate_styles=False)
# The label's line and the box (choice.css), fixed on the server so nothing moves when the script arrives.
HEIGHT = 66


def choice(label: str, options: Sequence[str | None], value: str | None, *, key: str,
           on_pick: Callable[[str | None], None], format_func: Callable[[str | None], str] = str) -> str | None:
    """Draw the list with `value` selected and return `value`; a visitor's pick reaches `on_pick` before the run
    that follows it. A pick that is not one of `options` (only a forged message can send one) is ignored."""
    allowed = list(options)

    def picked() -> None:
        chosen = st.session_state[key].get("pick")
        if chosen in allowed:
            on_pick(chosen)

    _COMPONENT(key=key, height=HEIGHT, on_pick_change=picked,
               data={"label": label, "value": value, "options": [[o, format_func(o)] for o in allowed]})
    return value
