"""Reads behind "What people said a good answer must do": one prompt's rubric, and a section's rubrics."""

from __future__ import annotations

import pandas as pd

from core import privacy
from core.reads.prompt_data import like_pattern
from core.sqlfiles import sql_folder

query = sql_folder(__file__)

SECTION_LIMIT = 200


def _df(cur, name: str, params: dict | None = None) -> pd.DataFrame:
    return cur.execute(query(name), params or {}).df()


def available(cur) -> bool:
    """True when the store holds rubrics joined to prompts (older stores have no rubric tables)."""
    if not int(cur.execute(query("rubrics_available")).fetchone()[0]):
        return False
    return int(cur.execute(query("rubrics_joined_count")).fetchone()[0]) > 0


def available_frame(cur) -> pd.DataFrame:
    """`available` as a one-cell frame, so the site can cache it like any other read."""
    return pd.DataFrame({"available": [available(cur)]})


@privacy.declares(privacy.Rule(value_cols=()))
def prompt_rubric(cur, prompt_id: str) -> pd.DataFrame:
    """The rubric joined to the prompt (status, match score, sizes); counts hidden under the minimum."""
    return _df(cur, "rubrics_prompt", {"prompt_id": prompt_id})


@privacy.declares(privacy.Rule(value_cols=()))
def core_criteria(cur, prompt_id: str) -> pd.DataFrame:
    """position, criterion: OpenAI's distilled criteria for the prompt (no weights), and the rubric's n."""
    return _df(cur, "rubrics_core", {"prompt_id": prompt_id})


@privacy.declares(
    privacy.Rule(value_cols=("mean_weight", "ci_low", "ci_high", "sd", "share_positive", "share_negative"))
)
def prewritten_items(cur, prompt_id: str) -> pd.DataFrame:
    """Pre-written items with mean weight and 95% t interval; items under the minimum blanked. The spread
    across countries is worked out from `item_countries` after its rule (see views/rubric_view.shown_spread)."""
    return _df(cur, "rubrics_prewritten", {"prompt_id": prompt_id})


@privacy.declares(
    privacy.Rule(partition_cols=("rubric_row", "item_index"), value_cols=("mean_weight", "ci_low", "ci_high"))
)
def item_countries(cur, prompt_id: str) -> pd.DataFrame:
    """Each pre-written item's mean weight per country; small countries hidden, and their complements."""
    return _df(cur, "rubrics_item_country", {"prompt_id": prompt_id})


@privacy.declares(privacy.Rule(n_col="n_prompt_participants", value_cols=("score",)))
def own_items(cur, prompt_id: str, country: str | None, search: str | None) -> pd.DataFrame:
    """Participants' own items (criterion, the author's weight); all hidden on prompts under the minimum."""
    return _df(cur, "rubrics_own_items", {"prompt_id": prompt_id, "country": country, "pattern": like_pattern(search)})


@privacy.declares(privacy.Rule(partition_cols=(), value_cols=()))
def own_item_countries(cur, prompt_id: str) -> pd.DataFrame:
    """Authors of own items per country; a country whose count is hidden (or would reveal another) is no filter."""
    return _df(cur, "rubrics_own_countries", {"prompt_id": prompt_id})


@privacy.declares(privacy.Rule(value_cols=("share_positive", "ci_low", "ci_high", "share_scores_negative")))
def kind_shares(cur) -> pd.DataFrame:
    """Across all joined rubrics: items of each kind by the sign of their mean weight."""
    return _df(cur, "rubrics_kind_shares")


@privacy.declares(privacy.Rule(value_cols=("heaviest_weight", "lightest_weight")))
def section_prompts(cur, run_id: str, anchor: str, threshold: int) -> pd.DataFrame:
    """A section's relevant prompts with rubrics: core criteria, the heaviest and lightest pre-written items."""
    params = {"run": run_id, "anchor": anchor, "threshold": threshold, "limit": SECTION_LIMIT}
    return _df(cur, "rubrics_section_prompts", params)


@privacy.declares(privacy.Rule(value_cols=("share_positive",)))
def section_shares(cur, run_id: str, anchor: str, threshold: int) -> pd.DataFrame:
    """Across a section's relevant prompts with rubrics: items of each kind by the sign of their mean weight."""
    return _df(cur, "rubrics_section_shares", {"run": run_id, "anchor": anchor, "threshold": threshold})
