"""Reads behind the contested-prompt pages: the sorted list, one prompt's views and the rank-it-yourself comparison."""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from core import privacy
from core.config import LETTERS
from core.rankings import metrics
from core.rankings.grammar import RankingError, format_ranking, parse_ranking
from core.sqlfiles import sql_folder

query = sql_folder(__file__)

SORT_KEYS = {
    "contestedness": "Contestedness (crowd disagreement)",
    "ranker": "Crowd vs ranker divergence",
    "countries": "Divergence between countries",
    "agreed": "Agreement in the crowd (prompts everyone ranked alike first)",
}
PAGE_SIZE = 25
RATIONALE_SAMPLE = 5
SEARCH_MAX_CHARS = 200


def like_pattern(text: str | None) -> str | None:
    """An ILIKE pattern matching `text` literally anywhere (`%`, `_` and `\\` escaped); None for blank input."""
    if text is None:
        return None
    text = text.strip()[:SEARCH_MAX_CHARS]
    if not text:
        return None
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _df(cur, name: str, params: dict) -> pd.DataFrame:
    return cur.execute(query(name), params).df()


def prompt_list(
    cur,
    run_id: str | None,
    block: str,
    sort: str,
    anchor: str | None,
    threshold: int,
    country: str | None,
    search: str | None,
    page: int,
    min_participants: int,
) -> pd.DataFrame:
    """One page of the prompt list; column `n_total` holds how many prompts match the filters."""
    if sort not in SORT_KEYS:
        raise ValueError(f"unknown sort key {sort!r}")
    return _df(
        cur,
        "prompts_list",
        {
            "run_id": run_id,
            "block": block,
            "anchor": anchor,
            "threshold": threshold,
            "country": country,
            "pattern": like_pattern(search),
            "min_participants": min_participants,
            "sort": sort,
            "limit": PAGE_SIZE,
            "offset": (max(page, 1) - 1) * PAGE_SIZE,
        },
    )


def section_choices(cur, run_id: str, threshold: int) -> pd.DataFrame:
    """Sections (anchor, title, n_prompts) with at least one prompt at the threshold in the run."""
    return _df(cur, "prompts_sections", {"run_id": run_id, "threshold": threshold})


def country_choices(cur, min_participants: int) -> pd.DataFrame:
    """Countries (ISO alpha-3) reaching the participant minimum on at least one prompt, with that prompt count."""
    return _df(cur, "prompts_countries", {"min_participants": min_participants})


def prompt_header(cur, prompt_id: str) -> pd.DataFrame:
    """The prompts row of one prompt (no row when the id is not in the store)."""
    return _df(cur, "prompts_header", {"prompt_id": prompt_id})


def conversation(cur, prompt_id: str) -> pd.DataFrame:
    """turn, role, content of the prompt's conversation."""
    return _df(cur, "prompts_messages", {"prompt_id": prompt_id})


def responses(cur, prompt_id: str) -> pd.DataFrame:
    """letter, content of the four candidate responses."""
    return _df(cur, "prompts_responses", {"prompt_id": prompt_id})


def prompt_stats(cur, prompt_id: str) -> pd.DataFrame:
    """The prompt_stats rows of one prompt (one per block)."""
    return _df(cur, "prompts_stats", {"prompt_id": prompt_id})


def first_choice(cur, prompt_id: str, block: str) -> pd.DataFrame:
    """First-choice shares with Wilson CIs per letter."""
    return _df(cur, "prompts_first_choice", {"prompt_id": prompt_id, "block": block})


def rank_distribution(cur, prompt_id: str, block: str) -> pd.DataFrame:
    """Counts of each (letter, place), with the prompt's participant count."""
    return _df(cur, "prompts_rank_distribution", {"prompt_id": prompt_id, "block": block})


def country_first_choice(cur, prompt_id: str, block: str) -> pd.DataFrame:
    """First-choice shares by country, unsuppressed (apply core.privacy before showing)."""
    return _df(cur, "prompts_country_first_choice", {"prompt_id": prompt_id, "block": block})


def ranker_view(cur, run_id: str, prompt_id: str, block: str) -> pd.DataFrame:
    """The run's ranking, rationale and crowd comparison for the prompt (no row when the run has none)."""
    return _df(cur, "prompts_ranker", {"run_id": run_id, "prompt_id": prompt_id, "block": block})


def flags(cur, prompt_id: str) -> pd.DataFrame:
    """Per letter: participants asked about unacceptable responses, how many flagged it, the share."""
    return _df(cur, "prompts_flags", {"prompt_id": prompt_id})


def answers(cur, prompt_id: str) -> pd.DataFrame:
    """Distribution of the importance and subjectivity answers."""
    return _df(cur, "prompts_answers", {"prompt_id": prompt_id})


def rationales(cur, prompt_id: str, block: str, limit: int = RATIONALE_SAMPLE) -> pd.DataFrame:
    """A few rationales (ranking, rationale) with no demographic column; the caller checks the prompt's n."""
    return _df(cur, "prompts_rationales", {"prompt_id": prompt_id, "block": block, "limit": limit})


@privacy.declares(privacy.Rule(partition_cols=(), value_cols=()))
def country_participants(cur, prompt_id: str, block: str) -> pd.DataFrame:
    """country (NULL: unknown), n_participants on the prompt in the block: which countries "rank it yourself" may
    list. One partition: its total is on the page, so complementary suppression applies as in every table."""
    return _df(cur, "prompts_country_participants", {"prompt_id": prompt_id, "block": block})


def participant_ranks(cur, prompt_id: str, block: str) -> pd.DataFrame:
    """assessment_id, annotator_id, country, letter, rank for every assessment of the prompt in the block."""
    return _df(cur, "prompts_participant_ranks", {"prompt_id": prompt_id, "block": block})


# --- Rank it yourself: pure functions over rankings (nothing is stored) ---


def borda_order(ranks: pd.DataFrame) -> str:
    """Borda order (ranking grammar) of assessments given as rows of assessment_id, letter, rank.

    Uses the build's definitions (core.metrics): Borda point sums per letter (exact halves, so ties are exact).
    """
    wide = ranks.pivot(index="assessment_id", columns="letter", values="rank")[list(LETTERS)]
    scores = metrics.borda_points(wide.to_numpy(dtype=np.int64)).sum(axis=0)
    positions = metrics.order_from_scores(scores)
    return format_ranking({x: int(p) for x, p in zip(LETTERS, positions)})


def assessment_rankings(ranks: pd.DataFrame) -> dict[int, dict[str, int]]:
    """Ranks per assessment: {assessment_id: {letter: rank}}."""
    out: dict[int, dict[str, int]] = {}
    for row in ranks.itertuples(index=False):
        out.setdefault(int(row.assessment_id), {})[row.letter] = int(row.rank)
    return out


def reader_comparison(
    reader: dict[str, int],
    crowd_order: str,
    ranks: pd.DataFrame,
    ranker_ranking: str | None,
    min_participants: int,
    shown_countries: Collection[str] | None = None,
) -> dict:
    """Where a reader's ranking stands against the crowd, each eligible country and the ranker.

    Agreement is core.metrics' pairwise agreement (share of pairs both order strictly that they order alike;
    None when there is no such pair). Returns `crowd` (the reader vs the crowd's Borda order), `participants`
    (each participant's mean agreement with that order, NaN where undefined), `share_at_or_below` (share of
    participants agreeing no more than the reader), `countries` (country, n_participants, country_order,
    agreement; only countries with at least `min_participants` participants on the prompt, and of those only
    `shown_countries` when given: the ones `country_participants` leaves shown under the small-group rule) and
    `ranker`.
    """
    crowd = parse_ranking(crowd_order)
    per_assessment = assessment_rankings(ranks)
    owner = ranks.drop_duplicates("assessment_id").set_index("assessment_id")["annotator_id"]
    scored = pd.DataFrame(
        {
            "annotator_id": [owner[a] for a in per_assessment],
            "agreement": [metrics.pairwise_agreement_one(r, crowd) for r in per_assessment.values()],
        }
    ).astype({"agreement": "float64"})
    participants = scored.groupby("annotator_id")["agreement"].mean()
    mine = metrics.pairwise_agreement_one(reader, crowd)
    defined = participants.dropna()
    rows = []
    for country, group in ranks.dropna(subset=["country"]).groupby("country"):
        n = group["annotator_id"].nunique()
        if n < min_participants or (shown_countries is not None and country not in shown_countries):
            continue
        order = borda_order(group[["assessment_id", "letter", "rank"]])
        rows.append(
            {
                "country": country,
                "n_participants": n,
                "country_order": order,
                "agreement": metrics.pairwise_agreement_one(reader, parse_ranking(order)),
            }
        )
    ranker = None
    if ranker_ranking:
        try:
            ranker = metrics.pairwise_agreement_one(reader, parse_ranking(ranker_ranking))
        except RankingError:
            ranker = None
    return {
        "crowd": mine,
        "participants": participants.reset_index(drop=True),
        "share_at_or_below": float((defined <= mine + 1e-12).mean()) if mine is not None and len(defined) else None,
        "countries": pd.DataFrame(rows, columns=["country", "n_participants", "country_order", "agreement"]),
        "ranker": ranker,
    }
