"""A page opened at its own address (/people) finds the server at once, not after a failed first guess."""
from __future__ import annotations

import json

from components import nav

# Streamlit 1.67's frontend does not know where its server is mounted. Opened at /people, it first asks
# /people/_stcore/health (404), waits 100 ms, then asks /_stcore/health: every deep link paid a failed round trip
# and that wait before connecting. It reads window.__streamlit.BACKEND_BASE_URL before connecting; the browser
# works the base out from its own address minus the page's path, so a proxy that adds a prefix unknown to the
# server (deploy/) still gets the right one.
_SCRIPT = ("<script>(function(){{if(window.__streamlit)return;var p=location.pathname.replace(/\\/+$/,\"\"),"
           "s={suffix};if(p.slice(-s.length)===s)"
           "window.__streamlit={{BACKEND_BASE_URL:location.origin+p.slice(0,p.length-s.length)+\"/\"}};}})();</script>")


def backend_base(route_path: str) -> str:
    """The <script> for the page at `route_path` ('/people'), or '' for the home page and unknown paths."""
    page = nav.for_route(route_path)  # the home page for '/' and for any path the registry does not know
    if page is nav.HOME:
        return ""
    return _SCRIPT.format(suffix=json.dumps("/" + page.url_path))
