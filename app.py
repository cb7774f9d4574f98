"""Collective Alignment Explorer: the frame (navigation, data-source banner, shared state) around every page."""
import logging

import streamlit as st

from components import data, frame, nav, reconnect, state


def main() -> None:
    """One run of the frame: navigation, the banner, the current page (failures in plain words), the footer."""
    st.set_page_config(page_title=nav.SITE_NAME, page_icon="⚖️", layout="wide")

    # A page whose script is missing is left out (and logged) rather than taking the whole site down.
    available = [p for p in nav.PAGES if nav.exists(p)]
    pages = {p.title: st.Page(p.path, title=p.title, icon=p.icon, url_path=p.url_path or None, default=p is nav.HOME)
             for p in available}
    current = st.navigation(list(pages.values()), position="top")
    spec = next(p for p in nav.PAGES if p.title == current.title)

    # The browser tab and bookmarks name the page and the site, never "Streamlit".
    st.set_page_config(page_title=f"{spec.title} · {nav.SITE_NAME}")
    frame.styles()
    state.start(spec.url_path)
    notice = st.empty()
    info = None
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
    frame.footer(info)


if __name__ == "__main__":
    main()
else:
    # `streamlit run app.py` (the README, the Makefile and the Dockerfile's CMD) finds `app` here, imports this file
    # and serves it with uvicorn through st.App, which takes our ASGI middleware (serve/: compressed static files, a
    # first paint as wide as the page). Every session then runs this same file as its script, under the name
    # __main__, and calls main(); so do AppTest and the tests.
    from streamlit import config as st_config

    from serve import middleware
    from serve.tcp import no_delay_on_listeners

    # uvicorn imports this file after binding its socket and before accepting on it: see serve/tcp.py for why.
    no_delay_on_listeners(st_config.get_option("server.port"))
    app = st.App(__file__, middleware=middleware())
