"""Rubric statistics: each item's mean weight with a 95% t interval and its spread across countries, and how
often items of each kind lean positive or negative. Inputs are the joined rubrics only."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from core.config import MIN_PARTICIPANTS
from core.rankings import metrics

Z975 = 1.959963984540054


# Student t 0.975 quantiles for 1-30 degrees of freedom (standard tables, 4 decimals); beyond 30 the
# Cornish-Fisher expansion around the normal is within 1e-4.
T975 = (
    12.7062, 4.3027, 3.1824, 2.7764, 2.5706, 2.4469, 2.3646, 2.3060, 2.2622, 2.2281,
    2.2010, 2.1788, 2.1604, 2.1448, 2.1314, 2.1199, 2.1098, 2.1009, 2.0930, 2.0860,
    2.0796, 2.0739, 2.0687, 2.0639, 2.0595, 2.0555, 2.0518, 2.0484, 2.0452, 2.0423,
)  # fmt: skip


def t_quantile(df) -> np.ndarray:
    """Student t 0.975 quantile per degrees of freedom; NaN below 1."""
    d = np.asarray(df, dtype=float)
    z = Z975
    with np.errstate(divide="ignore", invalid="ignore"):
        t = (
            z
            + (z**3 + z) / (4 * d)
            + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * d**2)
            + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * d**3)
        )
    small = np.asarray(T975)[np.clip(d, 1, 30).astype(int) - 1]
    return np.where(d < 1, np.nan, np.where(d <= 30, small, t))


def _mean_ci(groups) -> pd.DataFrame:
    """n, mean, sd and the t interval of `score` per group (interval NULL below two scores)."""
    agg = groups["score"].agg(n_participants="count", mean_weight="mean", sd="std").reset_index()
    n = agg["n_participants"].to_numpy(dtype=float)
    half = t_quantile(n - 1) * agg["sd"].to_numpy(dtype=float) / np.sqrt(n)
    half = np.where(n >= 2, half, np.nan)
    agg["ci_low"] = np.clip(agg["mean_weight"] - half, -10, 10)
    agg["ci_high"] = np.clip(agg["mean_weight"] + half, -10, 10)
    return agg


def item_tables(scores: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(rubric_item_stats, rubric_item_country) from one row per score (rubric_item_scores.sql)."""
    keys = ["prompt_id", "rubric_row", "item_index", "kind", "criterion"]
    if scores.empty:
        return pd.DataFrame(columns=[*keys, "n_participants"]), pd.DataFrame(columns=["country"])
    items = _mean_ci(scores.groupby(keys, sort=False))
    signs = scores.assign(pos=scores["score"] > 0, neg=scores["score"] < 0).groupby(keys, sort=False)
    items["share_positive"] = signs["pos"].mean().to_numpy()
    items["share_negative"] = signs["neg"].mean().to_numpy()
    # Countries per pre-written item: a participant's own item has one scorer and no spread.
    pre = scores[(scores["kind"] == "prewritten") & scores["country"].notna()]
    country = _mean_ci(pre.groupby(["prompt_id", "rubric_row", "item_index", "country"], sort=False))
    eligible = country[country["n_participants"] >= MIN_PARTICIPANTS]
    spread: dict[tuple, tuple[float, str | None, int]] = {}
    for (row, index), part in eligible.groupby(["rubric_row", "item_index"], sort=False):
        if len(part) >= 2:
            ordered = part.sort_values(["mean_weight", "country"], ascending=[False, True])
            hi, lo = ordered.iloc[0], ordered.iloc[-1]  # two different countries, also when every mean is equal
            spread[row, index] = (hi["mean_weight"] - lo["mean_weight"], f"{hi['country']}–{lo['country']}", len(part))
        else:
            spread[row, index] = (math.nan, None, len(part))
    found = [spread.get((r, i), (math.nan, None, 0)) for r, i in zip(items["rubric_row"], items["item_index"])]
    items["country_spread"] = [f[0] for f in found]
    items["country_spread_pair"] = [f[1] for f in found]
    items["n_countries_eligible"] = [f[2] for f in found]
    return items, country


def kind_shares(items: pd.DataFrame, scores: pd.DataFrame) -> pd.DataFrame:
    """Per kind: items whose mean weight is positive / negative / zero, with a Wilson interval for the share."""
    rows = []
    for kind in ("prewritten", "own"):
        part = items[items["kind"] == kind] if len(items) else items
        s = scores[scores["kind"] == kind] if len(scores) else scores
        n = len(part)
        pos = int((part["mean_weight"] > 0).sum()) if n else 0
        neg = int((part["mean_weight"] < 0).sum()) if n else 0
        low, high = metrics.wilson_interval(np.array([pos]), np.array([n])) if n else (np.array([np.nan]),) * 2
        rows.append(
            {
                "kind": kind,
                "n_items": n,
                "n_positive": pos,
                "n_negative": neg,
                "n_zero": n - pos - neg,
                "share_positive": pos / n if n else math.nan,
                "ci_low": float(low[0]),
                "ci_high": float(high[0]),
                "n_scores": len(s),
                "share_scores_negative": float((s["score"] < 0).mean()) if len(s) else math.nan,
                "n_prompts": int(part["prompt_id"].nunique()) if n else 0,
                "n_participants": int(s["annotator_id"].nunique()) if len(s) else 0,
            }
        )
    return pd.DataFrame(rows)
