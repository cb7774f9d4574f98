"""Prompts as links that open in the same tab and work by keyboard: each labelled with its readable title."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from components.frame import md_escape
from core import privacy, wording

PAGE = "app_pages/prompts.py"


# A link label is one line: at 390 px about 40 characters fit before Streamlit cuts it off.
LABEL_CHARS = 40


def label(title_text: object) -> str:
    """A link label: the prompt's readable title, short enough for a phone (Markdown-escaped: dataset text)."""
    return md_escape(wording.prompt_title(title_text, LABEL_CHARS))


def links(df: pd.DataFrame) -> None:
    """One st.page_link per row (`prompt_id`, `first_user_text`), in the table's order."""
    privacy.assert_applied(df)
    for row in df.itertuples(index=False):
        st.page_link(PAGE, label=label(row.first_user_text), icon=":material/forum:",
                     query_params={"prompt": str(row.prompt_id)}, help=md_escape(wording.prompt_title(row.first_user_text)))
