"""A Plotly figure drawn by a small custom component with the site's partial plotly.js bundle (static/)."""
from __future__ import annotations

import json
from pathlib import Path

import plotly.graph_objects as go
import streamlit as st

# st.plotly_chart loads all of plotly.js (4.7 MB, every trace type, MapLibre, WebGL) on a first visit; this bundle
# holds only the trace types the site draws (vendor/plotly/index.js) and is fetched once per page from static/.
BUNDLE = "app/static/plotly-partial-4.1.1.min.js"
# topojsonURL: map outlines are served from static/ by this site (server.enableStaticServing), never from a CDN.
# The toolbar keeps one button, the PNG download: plotly.js 4 draws each toolbar button as a <button>, so its
# default eight (zoom, pan, autoscale, …) were eight Tab stops per chart, 64 of a prompt page's 154. Zooming
# still works with the mouse (drag; double-click resets). showSendToCloud: plotly.js 4 adds by default a
# "Share chart..." button that uploads the figure's data to cloud.plotly.com.
PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtons": [["toImage"]], "showSendToCloud": False,
                 "plotlyServerURL": "", "responsive": True, "topojsonURL": "app/static/"}

DEFAULT_HEIGHT = 450  # plotly.js's height for a layout that sets none

# The still picture's painter first (plain functions), then the module that uses it (its default export).
_JS = "\n".join(Path(__file__).with_name(name).read_text() for name in ("plotly_static.js", "plotly_view.js"))
# Not isolated in a shadow root: Plotly puts its styles (hover labels, modebar) in the page's <head>.
_COMPONENT = st.components.v2.component("ca_plotly", js=_JS, isolate_styles=False)


def spec(fig: go.Figure) -> dict:
    """The figure as plain JSON (data + layout), without plotly.py's default template (10 KB per chart that
    plotly.js's own defaults make unneeded: the site's figures set their fonts, colours and backgrounds)."""
    out = json.loads(fig.to_json())
    out["layout"].pop("template", None)
    return {"data": out["data"], "layout": out["layout"]}


def show(fig: go.Figure, *, key: str, summary: str, image: dict[str, str] | None = None) -> None:
    """Draw `fig`; `summary` is the figure's accessible name (text already made inert by the caller's builders).
    With `image` ({title, source, filename}, text already escaped for Plotly), the toolbar's PNG download draws the
    title above the chart and the source line below it, so the picture carries its provenance when it travels."""
    figure = spec(fig)
    # The element's height is fixed on the server side too: the component's script arrives after the page's first
    # paint, and an element that grows from 0 to the figure's height then would shift everything below it (CLS).
    height = int(figure["layout"].get("height") or DEFAULT_HEIGHT)
    _COMPONENT(key=key, height=height,
               data={"figure": figure, "config": PLOTLY_CONFIG, "summary": summary, "bundle": BUNDLE,
                     "image": image})
