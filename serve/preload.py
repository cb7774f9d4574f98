"""The HTML of a page whose first screen shows a chart asks for the site's plotly.js bundle at once.

Otherwise the browser learns of the bundle only when the chart's component runs, after Streamlit's scripts have
loaded, the page's script has run and its elements have arrived: the bundle's download and compilation then sit on
the first visit's critical path. A preload (`rel=preload`, `as=script`) fetches it beside Streamlit's scripts; the
component's own <script> then takes the preloaded copy. `media` limits it to the widths where the chart is in the
first screen, so a phone that would not draw the chart first does not spend its bandwidth on it.
"""
from __future__ import annotations

import html

from components import nav

BUNDLE = "app/static/plotly-partial-4.1.1.min.js"  # as components/plotly_view.py loads it (a test holds them equal)


def chart_preload(route_path: str) -> str:
    """The <link> for the page at `route_path` ('/' or '/people'), or '' for a page without a first-screen chart."""
    page = nav.for_route(route_path)
    if not page.chart_first_screen:
        return ""
    media = "" if page.chart_first_screen == "all" else f' media="{html.escape(page.chart_first_screen)}"'
    # Relative, like Streamlit's own assets and the component's script: it resolves under any base URL path.
    return f'<link rel="preload" as="script" href="./{BUNDLE}"{media}>'
