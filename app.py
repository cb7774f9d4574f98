"""Collective Alignment Explorer: the frame (navigation, data-source banner, shared state) around every page."""
import logging

import streamlit as st

from components import data, frame, nav, reconnect, state

st.set_page_config(page_title="Collective Alignment Explorer", page_icon="⚖️", layout="wide")

# A page whose script is missing is left out (and logged) rather than taking the whole site down.
available = [p for p in nav.PAGES if nav.exists(p)]
pages = {p.title: st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path or None, default=p is nav.HOME)
         for p in available}
current = st.navigation(list(pages.values()), position="top")
spec = next(p for p in nav.PAGES if p.title == current.title)

state.start(spec.url_path)
notice = st.empty()
try:
    info = data.source_info()
except data.StoreUnavailable as exc:
    frame.store_failure(exc)
else:
    frame.source_banner(info)
    try:
        current.run()
    except data.StoreUnavailable as exc:  # e.g. data blocks found damaged by this page's first query
        frame.store_failure(exc)
    except Exception:  # visitors get plain words; the details go to the server log only
        logging.getLogger("ca.site").exception("page %s failed", spec.url_path or "overview")
        st.error(frame.PAGE_FAILURE, icon=":material/error:")
state.finish(notice)
reconnect.rerun_after_reconnect()

st.divider()
st.caption(
    "Data: OpenAI, *collective-alignment-1* (CA-1), CC BY 4.0. Agreement figures are computed by this site; "
    "see Methodology for definitions and limitations. Figures from fewer than 10 participants are not reported "
    "(a reliability rule: the release itself is public, row by row)."
)
