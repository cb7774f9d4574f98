"""Open app.py in AppTest on any page with its URL parameters, as a visitor following a deep link arrives."""
from __future__ import annotations

from streamlit.testing.v1 import AppTest

from components import nav
from core import config

APP = str(config.ROOT / "app.py")


def start(page: str = nav.HOME.path, query: dict[str, str | list[str]] | None = None,
          timeout: float = 60) -> AppTest:
    """An AppTest on `page` (a nav path) with `query` set, not yet run.

    Before its first run AppTest names a page by its file name, and every page's url_path is its file name (the home
    page is the default), so the first run is already the target page: one run, not the home page and then the
    page, and the first run sees the parameters as a visitor's first run does."""
    at = AppTest.from_file(APP, default_timeout=timeout)
    if page != nav.HOME.path:
        at.switch_page(page)
    for key, value in (query or {}).items():
        at.query_params[key] = value
    return at


def open_page(page: str = nav.HOME.path, query: dict[str, str | list[str]] | None = None,
              timeout: float = 60) -> AppTest:
    """`start(...)` and its first run."""
    return start(page, query, timeout).run()
