"""The Plotly figures a page drew (components.plotly_view), read from AppTest's element tree."""
from __future__ import annotations

import json

COMPONENT = "ca_plotly"
# In Chromium: a figure the site's component has finished drawing (axes and labels included).
DRAWN = '.ca-plotly[data-drawn="true"]'


def mounts(at) -> list[dict]:
    """Each chart's data as sent to the browser: {figure: {data, layout}, config, summary, bundle}, in page order."""
    return [json.loads(e.proto.json) for e in at.get("bidi_component") if e.proto.component_name == COMPONENT]


def specs(at) -> list[dict]:
    """Each chart's Plotly spec (data + layout), in page order."""
    return [m["figure"] for m in mounts(at)]
