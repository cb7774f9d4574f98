"""Figure builders on planted frames: ordering, error bars, ties, suppression and escaping."""
from __future__ import annotations

import pandas as pd
import pytest

from components import charts, tables
from core import privacy
from core.config import ROOT

PLANTED = pd.DataFrame({
    "title": ["Middle", "Top <b>bold</b>", "Bottom", "Tiny", "Second"],
    "estimate": [0.70, 0.90, 0.50, 0.99, 0.88],
    "ci_low": [0.65, 0.85, 0.45, 0.90, 0.80],
    "ci_high": [0.75, 0.95, 0.55, 1.00, 0.93],
    "n_participants": [40, 50, 20, 4, 60],
    "tie_group": [2, 1, 3, 1, 1],
})


def planted() -> pd.DataFrame:
    return privacy.apply(PLANTED)


def points(fig) -> dict[str, tuple[float, float, float]]:
    """label -> (x, error above, error below) over every trace."""
    out = {}
    for trace in fig.data:
        for y, x, hi, lo in zip(trace.y, trace.x, trace.error_x.array, trace.error_x.arrayminus, strict=True):
            out[y] = (x, hi, lo)
    return out


def test_estimates_are_sorted_with_their_ci_error_bars():
    fig = charts.estimate_figure(planted(), "title", tie_col="tie_group")
    got = points(fig)
    assert got["Second"] == pytest.approx((0.88, 0.05, 0.08))
    order = list(fig.layout.yaxis.categoryarray)
    assert order == ["Top &lt;b&gt;bold&lt;/b&gt;", "Second", "Middle", "Bottom"]
    assert charts.wrapped("Present perspectives from any point of an opinion spectrum").count("<br>") == 2
    assert fig.layout.yaxis.autorange == "reversed"  # the first category is drawn at the top


def test_suppressed_rows_are_not_drawn_anywhere():
    fig = charts.estimate_figure(planted(), "title", tie_col="tie_group")
    labels = [y for trace in fig.data for y in trace.y]
    assert "Tiny" not in labels and "Tiny" not in fig.layout.yaxis.categoryarray
    assert 0.99 not in [x for trace in fig.data for x in trace.x]


def test_low_reliability_rows_get_their_own_hollow_trace():
    fig = charts.estimate_figure(planted(), "title")
    low = [t for t in fig.data if "low reliability" in t.name]
    assert len(low) == 1 and list(low[0].y) == ["Bottom"] and low[0].marker.symbol == "circle-open"


def test_tied_sections_share_a_shaded_band():
    fig = charts.estimate_figure(planted(), "title", tie_col="tie_group")
    bands = [s for s in fig.layout.shapes if s.type == "rect"]
    # Rows 0–1 (Top, Second) share tie group 1; Middle and Bottom stand alone.
    assert len(bands) == 1 and bands[0].y0 == pytest.approx(-0.45) and bands[0].y1 == pytest.approx(1.45)


def test_reference_line_is_drawn_when_given():
    fig = charts.estimate_figure(planted(), "title", reference=0.8)
    assert any(s.type == "line" and s.x0 == 0.8 for s in fig.layout.shapes)


def test_text_from_data_is_escaped_for_plotly():
    assert charts.label("<a href='x'>y</a>") == "&lt;a href='x'&gt;y&lt;/a&gt;"


def test_counts_and_map_leave_out_suppressed_groups_and_use_local_outlines():
    df = privacy.apply(pd.DataFrame({"level": ["USA", "MEX", "JPN"], "name": ["US", "Mexico", "Japan"],
                                     "n_participants": [50, 30, 3]}), value_cols=[], partition_cols=[])
    bars = charts.counts_figure(df, "name")
    # JPN (3) is hidden, so MEX (the next smallest) is hidden too: 3 alone could be recovered from the total.
    assert list(bars.data[0].y) == ["US"]
    fig = charts.country_map_figure(df, iso_col="level")
    assert fig.data[0].type == "choropleth"
    assert list(fig.data[0].locations) == ["USA"]
    assert list(fig.data[0].z) == [50.0]
    # Outlines come from the site's own static/ folder, never from Plotly's CDN.
    assert tables.PLOTLY_CONFIG["topojsonURL"] == "app/static/"
    assert (ROOT / "static" / "world_110m.json").is_file()


def test_tied_extremes_respect_overlapping_intervals():
    highest, lowest = charts.tied_extremes(planted(), "title")
    assert highest["title"].tolist() == ["Top <b>bold</b>", "Second"]  # Second's CI reaches Top's lower bound
    assert lowest["title"].tolist() == ["Bottom"]


def test_describe_counts_what_is_hidden():
    text = charts.describe(planted(), "title")
    assert text.startswith("4 estimates") and "50% (Bottom)" in text and "1 not shown" in text


def test_crowd_charts_draw_chance_and_zero_lines_inside_their_range():
    from components import crowd_charts

    fig = crowd_charts.crowd_figure(planted(), "title", chance=0.25, reference=0.7)
    lines = {a.text: s for s, a in zip(fig.layout.shapes, fig.layout.annotations, strict=True)}
    assert lines["Chance"].x0 == 0.25 and lines["Chance"].line.dash == "dot"
    assert lines["Everyone"].x0 == 0.7
    low, high = fig.layout.xaxis.range
    assert low == pytest.approx(0.20) and high == pytest.approx(1.0)  # reaches chance; capped at 100%
    frame = planted().assign(difference=lambda d: d["estimate"] - 0.8, difference_ci_low=lambda d: d["ci_low"] - 0.8,
                             difference_ci_high=lambda d: d["ci_high"] - 0.8)
    diff = crowd_charts.difference_figure(frame, "title", "Group minus everyone else")
    assert [(a.text, s.x0) for s, a in zip(diff.layout.shapes, diff.layout.annotations, strict=True)] == [
        ("No difference", 0.0)]
    shown = frame[frame["n_participants"] >= privacy.MIN_PARTICIPANTS]
    low, high = diff.layout.xaxis.range
    assert low < shown["difference_ci_low"].min() and high > shown["difference_ci_high"].max()
    assert diff.layout.xaxis.tickformat == "+.0%"


def test_markdown_tables_keep_each_cell_on_its_row_inert_and_readable():
    from tests import markdown_tables

    df = pd.DataFrame({"file": ["a|b", "two\nlines ![x](http://e.example/x.png) **bold**", None],
                       "count": [18384, 3, 2], "share": [0.125, float("nan"), 1.0]})
    text = tables.markdown_text(df)
    assert len(text.splitlines()) == 2 + len(df)  # a line break in a cell would have ended its row
    assert "![x](" not in text and "**bold**" not in text  # nothing renders: no image, no bold
    back = markdown_tables.parse(text)[0]
    assert back["file"].tolist() == ["a|b", "two lines ![x](http://e.example/x.png) **bold**", "–"]
    assert back["count"].tolist() == ["18,384", "3", "2"]
    assert back["share"].tolist() == ["0.125", "–", "1"]


def test_reading_tables_name_format_and_link_each_cell_and_keep_data_text_inert():
    from tests import markdown_tables

    hostile = "Say [hi](javascript:alert(1)) | **bold** :red[x] <b>"
    df = pd.DataFrame({"link": ["./prompts?prompt=p%201", "./prompts?prompt=p2"], "title": [hostile, "Plain"],
                       "contestedness": [0.9991, float("nan")], "difference": [-0.041, 0.2], "n_participants": [1234, 9],
                       "content_notice": [True, False], "reliability": ["ok", "suppressed"], "suppressed": [False, True]})
    text = tables.reading_text(df, link=("title", "link"), headers={"title": "Prompt"})
    assert len(text.splitlines()) == 2 + len(df)
    back = markdown_tables.parse(text)[0]
    # Readable headers (HEADERS, then the page's own), no URL or suppressed column.
    assert back.columns.tolist() == ["Prompt", "Contestedness", "Difference", "Participants", "Content notice",
                                     "Reliability"]
    assert [markdown_tables.link(c) for c in back["Prompt"]] == [(hostile, "./prompts?prompt=p%201"),
                                                                   ("Plain", "./prompts?prompt=p2")]
    assert back["Contestedness"].tolist() == ["99.9%", "–"] and back["Difference"].tolist() == ["-4.1 pts", "+20.0 pts"]
    assert back["Participants"].tolist() == ["1,234", "9"] and back["Content notice"].tolist() == ["yes", "no"]
    # The only link is the one the table makes: every bracket, parenthesis and pipe of the text is escaped.
    first = text.splitlines()[2]
    assert first.count("](") == 1 and "\\[hi\\]\\(javascript" in first and "\\|" in first and "\\*\\*bold" in first
