"""Text alternatives that carry a chart's key values, not only its shape (screen readers, and everyone)."""
from __future__ import annotations

import pandas as pd

from core import privacy, wording

MAX_ITEMS = 12


def _listed(parts: list[str]) -> str:
    more = len(parts) - MAX_ITEMS
    return "; ".join(parts[:MAX_ITEMS]) + (f"; and {more} more" if more > 0 else "")


def counts(df: pd.DataFrame, label_col: str, what: str) -> str:
    """'Participants by age: 18-24 28; 25-34 76; …' in the frame's order; hidden rows are counted, not listed."""
    privacy.assert_applied(df)
    rows = df[~df["suppressed"]]
    hidden = int(df["suppressed"].sum())
    text = f"{what}: " + _listed([f"{r[label_col]} {int(r['n_participants']):,}" for _, r in rows.iterrows()]) + "."
    return text + (f" {hidden} not shown ({privacy.SUPPRESSED_TEXT})." if hidden else "")


def shares(df: pd.DataFrame, label_col: str, value_col: str, what: str) -> str:
    """'Share who flagged it: Response A 12%; Response B 3%.' for the rows that may be shown."""
    rows = df[~df["suppressed"] & df[value_col].notna()]
    if rows.empty:
        return f"{what}: not shown ({privacy.SUPPRESSED_TEXT})."
    return f"{what}: " + _listed([f"{r[label_col]} {wording.pct(r[value_col])}" for _, r in rows.iterrows()]) + "."


def places(df: pd.DataFrame) -> str:
    """Rank distribution: each response's share of first and last places."""
    rows = df[~df["suppressed"] & df["n"].notna()]
    if rows.empty:
        return f"Places: not shown ({privacy.SUPPRESSED_TEXT})."
    parts = []
    for letter, part in rows.groupby("letter"):
        total = float(part["n"].sum())
        first = float(part.loc[part["rank"] == 1, "n"].sum()) / total if total else float("nan")
        last = float(part.loc[part["rank"] == 4, "n"].sum()) / total if total else float("nan")
        parts.append(f"Response {letter} first in {wording.pct(first)}, last in {wording.pct(last)}")
    return "Places given to each response: " + _listed(parts) + "."


def country_choices(df: pd.DataFrame, country_col: str = "country") -> str:
    """Each shown country's most chosen first response and its share."""
    rows = df[~df["suppressed"] & df["share"].notna()]
    parts = []
    for country, part in rows.groupby(country_col, sort=False):
        top = part.loc[part["share"].idxmax()]
        parts.append(f"{country}: Response {top['letter']} first for {wording.pct(top['share'])}")
    return "Most chosen first response by country: " + _listed(parts) + "." if parts else ""
