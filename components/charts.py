"""Pure Plotly figure builders (no Streamlit): frames that went through core.privacy in, figures out."""
from __future__ import annotations

import textwrap
from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go

from components import inert
from core import privacy

# Okabe–Ito: distinguishable with the common colour-vision deficiencies.
OKABE_ITO = {"black": "#000000", "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73",
             "yellow": "#F0E442", "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7"}
TIE_COLOURS = (OKABE_ITO["blue"], OKABE_ITO["orange"])
SEQUENTIAL = ((0.0, "#DCEBF5"), (1.0, OKABE_ITO["blue"]))
ROW_PX = 30
FONT = {"family": "Source Sans Pro, sans-serif", "size": 13}


def label(text: object) -> str:
    """Plotly renders a subset of HTML in labels: escape anything that came from data (components.inert)."""
    return inert.plotly(text)


def wrapped(text: object, width: int = 26) -> str:
    """An escaped label broken onto short lines, so long section titles leave room for the plot on a phone."""
    return "<br>".join(label(line) for line in textwrap.wrap(str(text), width) or [""])


# Every legend sits at the very bottom of the figure (container coordinates), below the x-axis title, in a bottom
# margin tall enough for the tick labels, the title and two rows of legend entries (a 390 px phone wraps them).
BOTTOM_LEGEND = {"orientation": "h", "yref": "container", "yanchor": "bottom", "y": 0, "x": 0}
LEGEND_MARGIN = 96
TITLE_LINE_PX = 18  # each further line of a wrapped x-axis title adds this to a bottom legend's margin
AXIS_TITLE_CHARS = 26  # a longer axis title is broken onto lines: Plotly never wraps one, and a phone cuts it off


def axis_title(text: str, width: int = AXIS_TITLE_CHARS) -> str:
    """An axis title broken onto lines short enough for a 390 px phone (escaped like every label)."""
    return wrapped(text, width)


def _layout(height: int, x_title: str | None = None, **extra: object) -> dict:
    """The shared layout as one dict: a figure built in one constructor call validates each property once,
    where a chain of update_layout/update_xaxes calls re-parses property paths (most of a page's run time)."""
    layout: dict = {"height": height, "margin": {"l": 8, "r": 8, "t": 30, "b": LEGEND_MARGIN}, "font": FONT,
                    "showlegend": True, "legend": BOTTOM_LEGEND, "plot_bgcolor": "white", "hovermode": "closest"}
    if x_title:
        title = axis_title(x_title)
        layout["xaxis"] = {"title": {"text": title}, "automargin": True}
        layout["margin"] = {**layout["margin"], "b": LEGEND_MARGIN + TITLE_LINE_PX * title.count("<br>")}
    for key, value in extra.items():
        layout[key] = {**layout[key], **value} if isinstance(value, dict) and key in layout else value
    return layout


def shown(df: pd.DataFrame) -> pd.DataFrame:
    """Rows that may be drawn: not suppressed and with an estimate."""
    privacy.assert_applied(df)
    return df[~df["suppressed"] & df["estimate"].notna()]


def estimate_figure(df: pd.DataFrame, label_col: str, *, reference: float | None = None,
                    reference_label: str = "Overall", tie_col: str | None = None,
                    x_title: str = "Agreement with the ranker", keep_order: bool = False,
                    lines: Sequence[tuple[dict, dict]] = (), x_range: list[float] | None = None,
                    x_tickformat: str = ".0%") -> go.Figure:
    """Dots with 95% CI error bars, highest first (or in the frame's order: `keep_order`, for ordinal levels);
    low-reliability rows hollow; optional tie groups shaded. `lines` adds (shape, label) pairs after the reference
    line, and `x_range` replaces the range that fits the intervals: passed in rather than set afterwards, because
    each update_layout on a built figure validates its shapes again (most of a crowd chart's build time)."""
    rows = shown(df)
    rows = (rows if keep_order else rows.sort_values(["estimate", label_col], ascending=[False, True]))
    rows = rows.reset_index(drop=True)
    labels = [wrapped(v) for v in rows[label_col]]
    if "rank_range" in rows.columns:
        # Arena-style: a row ranks above another only if its whole interval lies above, so show the range.
        labels = [f"{t}<br>rank {r}" for t, r in zip(labels, rows["rank_range"], strict=True)]
    row_px = ROW_PX + 12 * max((t.count("<br>") for t in labels), default=0)
    traces = []
    for reliable, name, symbol in ((True, "95% CI", "circle"),
                                   (False, f"95% CI, {privacy.LOW_RELIABILITY_TEXT} (10–29 participants)",
                                    "circle-open")):
        part = rows[(rows["reliability"] == privacy.RELIABILITY_OK) == reliable]
        if part.empty:
            continue
        colours = ([TIE_COLOURS[int(g) % 2] for g in part[tie_col]] if tie_col and rows[tie_col].nunique() > 1
                   else [OKABE_ITO["blue"]] * len(part))
        traces.append(go.Scatter(
            x=part["estimate"], y=[labels[i] for i in part.index], mode="markers", name=name,
            marker={"symbol": symbol, "size": 10, "color": colours, "line": {"width": 2, "color": colours}},
            error_x={"type": "data", "symmetric": False, "array": part["ci_high"] - part["estimate"],
                         "arrayminus": part["estimate"] - part["ci_low"], "color": "#555555", "thickness": 1.5},
            customdata=list(zip(part["ci_low"], part["ci_high"], part["n_participants"].astype("float"),
                                strict=True)),
            hovertemplate="%{y}<br>%{x:.0%} (95% CI %{customdata[0]:.0%}–%{customdata[1]:.0%})"
                          "<br>%{customdata[2]:,.0f} participants<extra></extra>",
        ))
    # Drawn whenever ties are asked for: a single band over every row says that no section ranks above another.
    shapes = _tie_bands(rows[tie_col].tolist()) if tie_col else []
    annotations = []
    if reference is not None and pd.notna(reference):
        # A vertical line across the plot (x in data units, y in plot fractions), labelled above it.
        shapes.append({"type": "line", "x0": reference, "x1": reference, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
                           "line": {"color": OKABE_ITO["vermillion"], "dash": "dash", "width": 1.5}})
        annotations.append({"x": reference, "xref": "x", "y": 1, "yref": "y domain", "yanchor": "bottom", "showarrow": False,
                                "text": label(reference_label)})
    for shape, note in lines:
        shapes.append(shape)
        annotations.append(note)
    layout = _layout(110 + row_px * max(len(rows), 1), x_title,
                     yaxis={"categoryorder": "array", "categoryarray": labels, "autorange": "reversed", "automargin": True},
                     xaxis={"range": x_range or span(rows, reference), "tickformat": x_tickformat,
                            "gridcolor": "#E5E5E5", "zeroline": False},
                     shapes=shapes, annotations=annotations)
    return go.Figure(data=traces, layout=layout)


def rank_text(best: object, worst: object) -> str:
    """'3' or '2–7': the ranks a row could take given the overlapping intervals."""
    if pd.isna(best) or pd.isna(worst):
        return "–"
    return f"{int(best)}" if int(best) == int(worst) else f"{int(best)}–{int(worst)}"


def span(rows: pd.DataFrame, reference: float | None) -> list[float]:
    """The x range: every interval (and the reference line) with a margin, inside 0–100%."""
    values = [*rows["ci_low"].dropna(), *rows["ci_high"].dropna()]
    if reference is not None and pd.notna(reference):
        values.append(float(reference))
    if not values:
        return [0.0, 1.0]
    return [max(0.0, min(values) - 0.05), min(1.0, max(values) + 0.05)]


def _tie_bands(groups: list) -> list[dict]:
    """Grey bands behind runs of rows that share a tie group (their CIs overlap: no ranking between them)."""
    bands, start = [], 0
    for i in range(1, len(groups) + 1):
        if i == len(groups) or groups[i] != groups[start]:
            if i - start > 1:
                bands.append({"type": "rect", "xref": "x domain", "x0": 0, "x1": 1, "yref": "y", "y0": start - 0.45,
                                  "y1": i - 1 + 0.45, "fillcolor": "#EEEEEE", "line_width": 0, "layer": "below"})
            start = i
    return bands


def counts_figure(df: pd.DataFrame, label_col: str, x_title: str = "Participants",
                  keep_order: bool = False) -> go.Figure:
    """Horizontal bars of participant counts, largest first (or in the frame's order: `keep_order`, for ordinal
    levels); suppressed levels are not drawn."""
    privacy.assert_applied(df)
    rows = df[~df["suppressed"]]
    rows = rows if keep_order else rows.sort_values("n_participants", ascending=False)
    labels = [label(v) for v in rows[label_col]]
    bars = go.Bar(
        x=rows["n_participants"].astype(float), y=labels, orientation="h", name="Participants",
        marker_color=OKABE_ITO["blue"], text=[f"{int(v):,}" for v in rows["n_participants"]],
        textposition="auto", hovertemplate="%{y}: %{x:,} participants<extra></extra>",
    )
    layout = _layout(100 + ROW_PX * max(len(rows), 1), x_title, showlegend=False, margin={"b": 50},
                     yaxis={"categoryorder": "array", "categoryarray": labels, "autorange": "reversed", "automargin": True},
                     xaxis={"gridcolor": "#E5E5E5"})
    return go.Figure(data=[bars], layout=layout)


def country_map_figure(df: pd.DataFrame, iso_col: str = "country", name_col: str = "name") -> go.Figure:
    """Participants by country of residence as a world choropleth (ISO alpha-3 codes).

    The country outlines come from static/world_110m.json, served by this site (see PLOTLY_CONFIG in
    components/tables.py), so the map makes no request to Plotly's CDN. Suppressed countries stay blank.
    """
    privacy.assert_applied(df)
    rows = df[~df["suppressed"]]
    names = rows[name_col] if name_col in rows else rows[iso_col]
    countries = go.Choropleth(
        locations=rows[iso_col], locationmode="ISO-3", z=rows["n_participants"].astype(float),
        colorscale=SEQUENTIAL, marker_line_color="#FFFFFF", marker_line_width=0.5,
        # Below the map, not beside it: on a phone a side colour bar takes a third of the width.
        colorbar={"title": {"text": "Participants", "side": "top"}, "orientation": "h", "thickness": 10,
                  "len": 0.6, "x": 0.5, "xanchor": "center", "y": 0, "yanchor": "top"},
        customdata=[label(x) for x in names],
        hovertemplate="%{customdata}: %{z:,.0f} participants<extra></extra>",
    )
    geo = {"projection_type": "natural earth", "showcountries": True, "countrycolor": "#BBBBBB", "showframe": False,
               "showcoastlines": False, "landcolor": "#F2F2F2", "showland": True, "lataxis_range": [-58, 85]}
    layout = _layout(380, showlegend=False, margin={"l": 0, "r": 0, "t": 10, "b": 0}, geo=geo)
    return go.Figure(data=[countries], layout=layout)


def tied_extremes(df: pd.DataFrame, label_col: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Shown rows that cannot be told apart from the highest and from the lowest (overlapping 95% CIs)."""
    rows = shown(df)
    if rows.empty:
        return rows, rows
    top = rows.loc[rows["estimate"].idxmax()]
    bottom = rows.loc[rows["estimate"].idxmin()]
    highest = rows[rows["ci_high"] >= top["ci_low"]].sort_values("estimate", ascending=False)
    lowest = rows[rows["ci_low"] <= bottom["ci_high"]].sort_values("estimate")
    return highest, lowest


def describe(df: pd.DataFrame, label_col: str) -> str:
    """A one-sentence text summary of an estimate chart, for screen readers and for everyone."""
    rows = shown(df)
    hidden = int(df["suppressed"].sum())
    if rows.empty:
        return "No group in this chart has enough participants to show an estimate."
    hi = rows.loc[rows["estimate"].idxmax()]
    lo = rows.loc[rows["estimate"].idxmin()]
    text = (f"{len(rows)} estimates with 95% confidence intervals, from {privacy.pct(lo['estimate'])} "
            f"({lo[label_col]}) to {privacy.pct(hi['estimate'])} ({hi[label_col]}).")
    if hidden:
        text += f" {hidden} not shown ({privacy.SUPPRESSED_TEXT} or protecting such a group)."
    return text
