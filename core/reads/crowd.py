"""Read functions for the crowd layer: each crowd table as the pages and `core stats --crowd` show it."""

from __future__ import annotations

import duckdb
import pandas as pd

from core import config, privacy
from core.sqlfiles import sql_folder

query = sql_folder(__file__)

Cursor = duckdb.DuckDBPyConnection
ESTIMATE = ("estimate", "ci_low", "ci_high")
DIFFERENCE = ("rest_estimate", "difference", "difference_ci_low", "difference_ci_high")
BESIDE_RANKER = (
    "crowd_estimate", "crowd_ci_low", "crowd_ci_high", "ranker_estimate", "ranker_ci_low", "ranker_ci_high",
    "difference", "difference_ci_low", "difference_ci_high",
)  # fmt: skip


def _df(cur: Cursor, name: str, **params: object) -> pd.DataFrame:
    return cur.execute(query(name), params or None).df()


@privacy.declares(privacy.Rule())
def overall(cur: Cursor, measure: str, block: str, metric: str) -> pd.DataFrame:
    """Zero or one row: one crowd measure over everyone."""
    return _df(cur, "site_crowd_overall", measure=measure, block=block, metric=metric)


@privacy.declares(privacy.Rule())
def overall_all(cur: Cursor) -> pd.DataFrame:
    """Every crowd measure over everyone."""
    return _df(cur, "site_crowd_overall_all")


@privacy.declares(privacy.Rule(partition_cols=("field",), value_cols=ESTIMATE + DIFFERENCE))
def groups(cur: Cursor, measure: str, block: str, metric: str) -> pd.DataFrame:
    """Every level of every group field against everyone else; levels partition each field's participants."""
    return _df(
        cur, "site_crowd_group", measure=measure, block=block, metric=metric, min_participants=config.MIN_PARTICIPANTS
    )


@privacy.declares(privacy.Rule(value_cols=BESIDE_RANKER))
def beside_ranker(cur: Cursor, run: str, block: str, metric: str, threshold: int) -> pd.DataFrame:
    """Crowd and ranker agreement on the same assessments: everything first, then each section at the threshold."""
    return _df(cur, "site_crowd_ranker", run=run, block=block, metric=metric, threshold=threshold)


@privacy.declares(privacy.Rule())
def prompts(cur: Cursor, measure: str, block: str, metric: str, descending: bool, limit: int = 10) -> pd.DataFrame:
    """Prompts by one crowd measure among those with enough participants (never ordered by a hidden value)."""
    return _df(cur, "site_crowd_prompts", measure=measure, block=block, metric=metric, descending=descending,
               limit=limit, min_participants=config.MIN_PARTICIPANTS)  # fmt: skip


@privacy.declares(privacy.Rule())
def prompt_measures(cur: Cursor, prompt_id: str) -> pd.DataFrame:
    """Every crowd measure of one prompt."""
    return _df(cur, "site_crowd_prompt_one", prompt_id=prompt_id)


@privacy.declares(privacy.Rule(partition_cols=("letter",), value_cols=("share", "rest_share")))
def country_vs_rest(cur: Cursor, prompt_id: str, block: str) -> pd.DataFrame:
    """One prompt's first-choice shares per country beside everyone outside it; countries partition a letter."""
    return _df(
        cur, "site_crowd_country_vs_rest", prompt_id=prompt_id, block=block, min_participants=config.MIN_PARTICIPANTS
    )


@privacy.declares(privacy.Rule(value_cols=("share",)))
def flagged_responses(cur: Cursor, limit: int = 10) -> pd.DataFrame:
    """The responses flagged unacceptable most often (among prompts with enough participants asked)."""
    return _df(cur, "site_crowd_flagged_responses", limit=limit, min_participants=config.MIN_PARTICIPANTS)
