"""Read functions for the changelog's evidence: `(cursor, run, block, metric, threshold, anchors) -> DataFrame`.

Frames come back unsuppressed, like every table in the store; callers pass them through core.privacy.
"""

from __future__ import annotations

import duckdb
import pandas as pd

from core import privacy
from core.sqlfiles import sql_folder

query = sql_folder(__file__)

Cursor = duckdb.DuckDBPyConnection


def _df(cur: Cursor, name: str, **params: object) -> pd.DataFrame:
    return cur.execute(query(name), params).df()


@privacy.declares(privacy.Rule())
def section_agreement(
    cur: Cursor, run: str, block: str, metric: str, threshold: int, anchors: tuple[str, ...]
) -> pd.DataFrame:
    """Agreement, CI, n and rank among all scored sections, one row per scored anchor of `anchors`."""
    return _df(
        cur,
        "changelog_section_agreement",
        run=run,
        block=block,
        metric=metric,
        threshold=threshold,
        anchors=list(anchors),
    )


@privacy.declares(privacy.Rule(partition_cols=("anchor",)))
def section_country(
    cur: Cursor, run: str, block: str, metric: str, threshold: int, anchors: tuple[str, ...]
) -> pd.DataFrame:
    """Agreement by country of residence on each section's prompts (every country, for the privacy rules)."""
    return _df(
        cur,
        "changelog_section_country",
        run=run,
        block=block,
        metric=metric,
        threshold=threshold,
        anchors=list(anchors),
    )


@privacy.declares(privacy.Rule(value_cols=("contestedness", "crowd_ranker_pairwise")))
def section_prompts(cur: Cursor, run: str, block: str, threshold: int, anchors: tuple[str, ...]) -> pd.DataFrame:
    """Every prompt relevant to each section at the threshold, most contested first within a section."""
    return _df(cur, "changelog_section_prompts", run=run, block=block, threshold=threshold, anchors=list(anchors))
