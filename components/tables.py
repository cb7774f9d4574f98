"""A chart with its table, a text summary and CSV/Parquet/manifest downloads beside it."""
from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from components import data, frame, inert, plotly_view, state
from components.frame import md_escape
from core import exports, privacy, wording

SHORT_ESCAPING_NOTE = ("CSV: text that a spreadsheet could run as a formula starts with an added ' · Parquet: the text "
                       "exactly as released · Manifest: filters, source, revision and rules.")
PLOTLY_CONFIG = plotly_view.PLOTLY_CONFIG
# Friendly headers for the table view; downloads keep the machine names.
HEADERS = {
    "title": "Section", "anchor": "Anchor", "level": "Group", "label": "Group", "estimate": "Agreement",
    "ci_low": "95% CI low", "ci_high": "95% CI high", "n_participants": "Participants",
    "n_assessments": "Assessments", "n_prompts": "Prompts", "reliability": "Reliability",
    "rank_range": "Rank (CI-aware)", "crowd_ranker_pairwise": "Crowd vs ranker", "first_user_text": "Prompt (first message)",
    "country_divergence": "Country divergence", "country_divergence_pair": "Most different pair",
    "n_countries_eligible": "Countries compared", "country": "Country", "name": "Country", "field": "Field",
    "field_name": "Field", "difference": "Difference", "diff_low": "Difference, 95% CI low",
    "diff_high": "Difference, 95% CI high", "q_value": "q (Benjamini–Hochberg)", "share": "Share",
    "letter": "Response", "n_flagged": "Flagged it", "n_asked": "Asked", "contestedness": "Contestedness",
    "ranker_divergence": "Crowd vs ranker divergence", "crowd_order": "Crowd's order",
    "ranker_ranking": "Ranker's order", "content_notice": "Content notice",
}
PERCENT_COLUMNS = ("estimate", "ci_low", "ci_high", "share", "mean_agreement", "contestedness",
                   "crowd_ranker_pairwise", "country_divergence", "lowest", "highest", "difference", "ranker_divergence")


def column_config(df: pd.DataFrame) -> dict:
    """Readable headers; shares as percentages; counts with thousands separators."""
    cfg: dict = {}
    for col in df.columns:
        title = HEADERS.get(col, col.replace("_", " ").capitalize())
        if col in PERCENT_COLUMNS:
            cfg[col] = st.column_config.NumberColumn(title, format="percent")
        elif col.startswith("n_"):
            cfg[col] = st.column_config.NumberColumn(title, format="localized")
        else:
            cfg[col] = st.column_config.Column(title)
    return cfg


def table(df: pd.DataFrame, *, hide: tuple[str, ...] = ("suppressed",)) -> None:
    """A privacy-checked frame as an interactive table (text cells stay text)."""
    privacy.assert_applied(df)
    view = df.drop(columns=[c for c in hide if c in df.columns])
    st.dataframe(view, hide_index=True, column_config=column_config(view), width="stretch")


def markdown_table(df: pd.DataFrame) -> None:
    """A small reference table as Markdown: the browser gets a plain HTML table, without the Arrow formatting code
    (743 KB) that st.table loads on a first visit."""
    st.markdown(markdown_text(df))


def markdown_text(df: pd.DataFrame) -> str:
    """The frame as a Markdown table: every cell one line of inert text, counts with thousands separators."""
    return _pipe_table([_cell(c) for c in df.columns], ([_cell(v) for v in row] for row in df.itertuples(index=False)))


def _pipe_table(header: list[str], rows: Iterable[list[str]]) -> str:
    """Cells already made one line of inert Markdown, as a pipe table."""
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return "–"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int | np.integer) or (isinstance(value, float | np.floating) and float(value).is_integer()):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        return f"{float(value):,.4g}"
    # One line (a line break would end the row), every Markdown character escaped, a pipe included.
    return inert.md(" ".join(str(value).split()))


# Differences between two shares, shown in percentage points with their sign.
POINT_COLUMNS = ("difference", "diff_low", "diff_high")


def reading_table(df: pd.DataFrame, *, link: tuple[str, str] | None = None,
                  hide: tuple[str, ...] = ("suppressed",), headers: dict[str, str] | None = None) -> None:
    """A privacy-checked table to read, as Markdown: plain HTML in the browser, without the data grid's code (1.5 MB
    of scripts on a first visit) that st.dataframe loads even below the first screen; its downloads sort and filter."""
    privacy.assert_applied(df)
    if not df.empty:  # a header without rows says nothing the caption beside every table does not say better
        st.markdown(reading_text(df, link=link, hide=hide, headers=headers))


def reading_text(df: pd.DataFrame, *, link: tuple[str, str] | None = None,
                 hide: tuple[str, ...] = ("suppressed",), headers: dict[str, str] | None = None) -> str:
    """The frame as Markdown with readable headers, shares as percentages and differences in points; `link`
    (text column, URL column) makes each text cell a link to its row's URL, and the URL column is not shown;
    `headers` names columns that HEADERS names otherwise."""
    names = {**HEADERS, **(headers or {})}
    hidden = (*hide, link[1]) if link else hide
    columns = [c for c in df.columns if c not in hidden]
    rows = []
    for row in df.to_dict("records"):
        cells = [_reading_cell(c, row[c]) for c in columns]
        if link:
            at = columns.index(link[0])
            cells[at] = f"[{cells[at]}]({row[link[1]]})"
        rows.append(cells)
    return _pipe_table([inert.md(names.get(c, c.replace("_", " ").capitalize())) for c in columns], rows)


def _reading_cell(column: str, value: object) -> str:
    missing = value is None or (not isinstance(value, str) and pd.isna(value))  # type: ignore[arg-type]
    if column in POINT_COLUMNS and not missing:
        return f"{100 * float(value):+.1f} pts"  # type: ignore[arg-type]
    if column in PERCENT_COLUMNS and not missing:
        return f"{100 * float(value):.1f}%"  # type: ignore[arg-type]
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    return _cell(value)


def with_prompt_links(df: pd.DataFrame) -> pd.DataFrame:
    """The rows with a `link` column: each prompt's page on this site (the id URL-quoted)."""
    return df.assign(link=[f"./prompts?prompt={quote(str(p))}" for p in df["prompt_id"]])


def prompt_links_table(df: pd.DataFrame, columns: list[str]) -> None:
    """A privacy-checked list of prompts: each prompt's readable title linking to its page, then `columns`."""
    privacy.assert_applied(df)
    rows = df.assign(first_user_text=[wording.prompt_title(t) for t in df["first_user_text"]])
    checks = [c for c in ("reliability", "suppressed") if c not in columns]  # carried for assert_applied, not shown
    reading_table(rows[["link", "first_user_text", *columns, *checks]], link=("first_user_text", "link"),
                  hide=tuple(checks))


def downloads(df: pd.DataFrame, *, name: str, view_slug: str, filters: dict[str, object], key: str = "") -> None:
    """CSV (formula-safe), Parquet (exact) and a JSON manifest of exactly what is shown. `key` tells apart the
    buttons of one table drawn more than once on a page (the same rubric panel under two changelog entries)."""
    privacy.assert_applied(df)
    manifest = exports.manifest_dict(filters, data.source_info(), privacy.rules())
    manifest["rows"] = len(df)
    manifest["columns"] = [str(c) for c in df.columns]
    with st.container(horizontal=True):
        for ext, text, payload in (
            ("csv", "CSV", lambda: exports.to_csv_bytes(df)),
            ("parquet", "Parquet", lambda: exports.to_parquet_bytes(df)),
            ("json", "Manifest", lambda: exports.to_json_bytes(manifest)),
        ):
            kind = name if ext != "json" else f"{name}_manifest"
            st.download_button(text, payload, file_name=exports.download_name(kind, view_slug, ext),
                               mime=exports.mime(ext), icon=":material/download:", on_click="ignore",
                               key=f"dl:{name}:{key}:{ext}" if key else f"dl:{name}:{ext}", help=exports.ESCAPING_NOTE if ext == "csv" else None)
    st.caption(SHORT_ESCAPING_NOTE)


def figure_with_table(fig: go.Figure, df: pd.DataFrame, *, name: str, caption: str, n_note: str,
                      summary: str | None = None, view_slug: str = "all",
                      filters: dict[str, object] | None = None) -> None:
    """Chart and table tabs over the same privacy-checked data, a text summary, and downloads beside them."""
    privacy.assert_applied(df)
    summary = summary or caption
    # Only the open tab runs: a hidden table would make every first visit load the data grid's code.
    chart_tab, table_tab = st.tabs(["Chart", "Table"], key=f"tabs:{name}", on_change=state.keep_notice)
    if chart_tab.open:
        with chart_tab:
            # A downloaded image carries its title and its source (and says synthetic where it is).
            image = {"title": inert.plotly(caption), "source": inert.plotly(frame.image_source(data.source_info())),
                     "filename": exports.download_name(name, view_slug, "png").removesuffix(".png")}
            plotly_view.show(fig, key=f"fig:{name}", summary=summary, image=image)
    if table_tab.open:
        with table_tab:
            table(df)
    st.caption(md_escape(f"{caption} {n_note}"))
    if summary != caption:
        st.text(summary)
    downloads(df, name=name, view_slug=view_slug, filters=filters or {})
