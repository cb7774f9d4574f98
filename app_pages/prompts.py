"""Contested prompts: a sortable, filterable, paginated list and one prompt in full, with "rank it yourself"."""
import streamlit as st

from components import crowd, state
from views import prompt_view

st.title("Contested prompts")
view = state.filter_controls(("run", "block", "threshold"))
prompt_id = state.page_param("prompt", prompt_view.StorePromptIds(), None)
if prompt_id:
    st.button("Back to the list", icon=":material/arrow_back:", on_click=prompt_view.open_prompt, args=(None,))
    prompt_view.show(prompt_id, view)
    crowd.prompt_detail(prompt_id, view)
else:
    prompt_view.listing(view)
    crowd.prompt_lists_later(view)
