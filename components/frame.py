"""The frame around every page: data-source banner, plain failure messages, 'how this is computed' notes."""
from __future__ import annotations

import re

import streamlit as st

from components import data, inert

PAGE_FAILURE = ("This page could not be shown because of an error on our side. The other pages may still "
                "work; reloading sometimes helps.")
_HEX = re.compile(r"[0-9a-f]{6,64}")


def md_escape(text: object) -> str:
    """Backslash-escape Markdown so shipped labels (section titles) can sit inside our own sentences."""
    return inert.md(text)


def source_banner(info: dict[str, str]) -> None:
    """Say where the numbers come from; synthetic data gets an unmissable warning."""
    if data.is_synthetic(info):
        st.error(
            "**Synthetic sample — not real results.** Every number on this site is computed from generated "
            "data that only imitates the format of OpenAI's CA-1 release. Do not quote it.",
            icon=":material/science:",
        )
        return
    revision = info.get("revision", "")
    commit = info.get("resolved_commit", "")
    parts = ["Data: OpenAI collective-alignment-1 (CA-1) release, CC BY 4.0"]
    if _HEX.fullmatch(revision):
        parts.append(f"revision `{revision}`")
    if _HEX.fullmatch(commit) and commit != revision:
        parts.append(f"commit `{commit[:12]}`")
    st.info(", ".join(parts) + ".", icon=":material/database:")


def store_failure(exc: Exception) -> None:
    """A plain-words message for a missing or broken store (the message is ours, never a traceback)."""
    st.error("The data for this site is not available right now.", icon=":material/error:")
    st.text(str(exc))


def lazy_expander(label: str, key: str, icon: str | None = None):
    """An expander whose content runs only once a reader opens it (opening reruns the page).

    Returns the container when it is open, else None. Collapsed content is still sent to the browser by a plain
    st.expander, and a collapsed code block or table makes a first visit download and parse the code that draws
    it (1.5 MB of syntax highlighter for a manifest nobody opened).
    """
    box = st.expander(label, key=key, icon=icon, on_change="rerun")
    return box if box.open else None


def how_computed(text: str) -> None:
    """A short methodology note next to a number (our own Markdown text, never data)."""
    with st.expander("How this is computed", icon=":material/info:"):
        st.markdown(text)


def no_ranker_run() -> None:
    """What to do when the store holds no ranker run."""
    st.warning(
        "This data store has no Model Spec Ranker run yet, so there is no crowd-versus-spec agreement to show. "
        "A run ranks every prompt's four responses by the Model Spec; see `docs/ranker.md` for how to produce "
        "one (`python -m core rank …`), then rebuild the store with `python -m core build`.",
        icon=":material/pending:",
    )
