"""Pure Plotly builders for the crowd layer: estimates with the chance line, and group-minus-rest differences."""
from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from components import charts
from components.charts import OKABE_ITO, label

CHANCE_LABEL = "Chance"


def _line(x: float, text: str, colour: str, dash: str, y: float = 1.0) -> tuple[dict, dict]:
    shape = {"type": "line", "x0": x, "x1": x, "xref": "x", "y0": 0, "y1": 1, "yref": "y domain",
             "line": {"color": colour, "dash": dash, "width": 1.5}}
    note = {"x": x, "xref": "x", "y": y, "yref": "y domain", "yanchor": "bottom", "showarrow": False,
            "text": label(text), "font": {"color": colour}}
    return shape, note


def crowd_figure(df: pd.DataFrame, label_col: str, *, chance: float | None, reference: float | None = None,
                 reference_label: str = "Everyone", x_title: str = "Agreement with the rest of the crowd") -> go.Figure:
    """Estimates with 95% CIs (charts.estimate_figure), plus a dotted chance line the axis always reaches."""
    lines, x_range = [], None
    if chance is not None:
        low, high = charts.span(charts.shown(df), reference)
        lines = [_line(chance, CHANCE_LABEL, OKABE_ITO["black"], "dot", y=1.06)]
        x_range = [max(0.0, min(low, chance - 0.05)), min(1.0, max(high, chance + 0.05))]
    return charts.estimate_figure(df, label_col, reference=reference, reference_label=reference_label, x_title=x_title,
                                  lines=lines, x_range=x_range)


def difference_figure(df: pd.DataFrame, label_col: str, x_title: str) -> go.Figure:
    """Each group's difference from everyone else with its own 95% CI, around a zero line."""
    frame = df.assign(estimate=df["difference"], ci_low=df["difference_ci_low"], ci_high=df["difference_ci_high"])
    rows = charts.shown(frame)
    values = [0.0, *rows["ci_low"].dropna(), *rows["ci_high"].dropna()]
    pad = max(0.01, 0.1 * (max(values) - min(values)))
    return charts.estimate_figure(frame, label_col, x_title=x_title,
                                  lines=[_line(0.0, "No difference", OKABE_ITO["vermillion"], "dash")],
                                  x_range=[min(values) - pad, max(values) + pad], x_tickformat="+.0%")


def paired_figure(df: pd.DataFrame, label_col: str, chance: float | None) -> go.Figure:
    """Per row, the ranker's and the crowd's agreement on the same assessments, each with its 95% CI."""
    from core import privacy

    privacy.assert_applied(df)
    rows = df[~df["suppressed"] & df["ranker_estimate"].notna()].sort_values("ranker_estimate", ascending=False)
    labels = [charts.wrapped(v) for v in rows[label_col]]
    traces = []
    for who, name, colour, symbol in (("ranker", "People vs the Model Spec Ranker", OKABE_ITO["blue"], "circle"),
                                      ("crowd", "People vs each other", OKABE_ITO["orange"], "diamond")):
        est, low, high = rows[f"{who}_estimate"], rows[f"{who}_ci_low"], rows[f"{who}_ci_high"]
        traces.append(go.Scatter(
            x=est, y=labels, mode="markers", name=f"{name} (95% CI)",
            marker={"symbol": symbol, "size": 10, "color": colour},
            error_x={"type": "data", "symmetric": False, "array": high - est, "arrayminus": est - low,
                     "color": colour, "thickness": 1.5},
            customdata=list(zip(low, high, strict=True)),
            hovertemplate="%{y}<br>%{x:.0%} (95% CI %{customdata[0]:.0%}–%{customdata[1]:.0%})<extra>"
                          + label(name) + "</extra>"))
    values = [*rows["ranker_ci_low"], *rows["ranker_ci_high"], *rows["crowd_ci_low"], *rows["crowd_ci_high"]]
    shapes, notes = [], []
    if chance is not None:
        shape, note = _line(chance, CHANCE_LABEL, OKABE_ITO["black"], "dot")
        shapes, notes = [shape], [note]
        values.append(chance)
    span = [max(0.0, min(values, default=0.0) - 0.05), min(1.0, max(values, default=1.0) + 0.05)]
    row_px = charts.ROW_PX + 12 * max((t.count("<br>") for t in labels), default=0)
    layout = charts._layout(130 + row_px * max(len(rows), 1), "Agreement",
                            yaxis={"categoryorder": "array", "categoryarray": labels, "autorange": "reversed",
                                   "automargin": True},
                            xaxis={"range": span, "tickformat": ".0%", "gridcolor": "#E5E5E5", "zeroline": False},
                            shapes=shapes, annotations=notes)
    return go.Figure(data=traces, layout=layout)
