"""The HTML of a page whose first screen shows the world map asks for the map's outlines at once.

A chart's first picture is a still one drawn from the figure itself (components/plotly_static.js): no plotly.js on
the first screen. The map's picture needs the country outlines (static/world_110m.json), which the browser would
otherwise ask for only when the chart's component runs, after Streamlit's scripts have loaded, the page's script
has run and its elements have arrived. A preload (`rel=preload`, `as=fetch`) fetches them beside Streamlit's
scripts; the component's own fetch then takes the preloaded copy (same URL, same credentials mode: `crossorigin`
is what a same-origin `fetch()` asks for).
"""
from __future__ import annotations

from components import nav

OUTLINES = "app/static/world_110m.json"  # as components/plotly_view.py's topojsonURL names it (a test holds them equal)


def chart_preload(route_path: str) -> str:
    """The <link> for the page at `route_path` ('/' or '/people'), or '' for a page without the map first."""
    if not nav.for_route(route_path).map_first_screen:
        return ""
    # Relative, like Streamlit's own assets and the component's fetch: it resolves under any base URL path.
    return f'<link rel="preload" as="fetch" href="./{OUTLINES}" crossorigin="anonymous">'
