"""Small-group rules: the one place that decides what may be shown, downloaded or quoted."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import pandas as pd

from core.config import LOW_RELIABILITY_BELOW, MIN_PARTICIPANTS

Cell = Any  # a table cell: a number, a numpy scalar, None, NaN or pd.NA

RULES_VERSION = "1"
SUPPRESSED_TEXT = f"fewer than {MIN_PARTICIPANTS} participants"
LOW_RELIABILITY_TEXT = "low reliability"
RELIABILITY_SUPPRESSED = "suppressed"
RELIABILITY_LOW = "low reliability"
RELIABILITY_OK = "ok"
# Count columns blanked together with the estimate: showing them would reveal the small group's size.
COUNT_COLUMNS = (
    "n_participants",
    "n_assessments",
    "n_prompts",
    "n_single_top",
    "n_first",
    "n",
    "n_countries_eligible",
    "n_no_value",
    "n_matched",
)
DEFAULT_VALUE_COLUMNS = (
    "estimate",
    "ci_low",
    "ci_high",
    "mean_agreement",
    "share",
    # Second intervals, differences and rates stored beside an estimate go with it (docs/methodology.md).
    "ci_low_2w",
    "ci_high_2w",
    "diff_low",
    "diff_high",
    "p_diff",
    "diff_low_2w",
    "diff_high_2w",
    "p_diff_2w",
    "rank_best_2w",
    "rank_worst_2w",
    "tied_pair_share",
    "anchor_share",
    "matched_world",
    "matched_personal",
    "matched_diff_low",
    "matched_diff_high",
)


def rules() -> dict[str, object]:
    """The rule set as data, for manifests and the methodology page."""
    return {
        "version": RULES_VERSION,
        "unit": "distinct participants",
        "suppress_below": MIN_PARTICIPANTS,
        "suppressed_label": SUPPRESSED_TEXT,
        "low_reliability_below": LOW_RELIABILITY_BELOW,
        "complementary_suppression": (
            "inside each partition, when the suppressed cells could be recovered from a shown total "
            "(one suppressed cell, or suppressed cells totalling fewer than "
            f"{MIN_PARTICIPANTS} participants), the next-smallest cells are suppressed too, counts included"
        ),
    }


def is_suppressed(n: Cell) -> bool:
    """True when a count is missing or below the minimum group size."""
    if n is None or (isinstance(n, float) and math.isnan(n)) or n is pd.NA:
        return True
    return int(n) < MIN_PARTICIPANTS


def _complementary(n: pd.Series, primary: pd.Series, part: pd.Series) -> pd.Series:
    """Grow each partition's suppressed set until subtraction from its total reveals no small group.

    Within a partition the suppressed cells are always its smallest ones (the primary cells are below the
    minimum, and growth adds the smallest shown cell next, which protects the others at the least cost), so
    the result is the shortest prefix of the cells sorted by n that is empty, is everything, or has at least
    two cells totalling at least MIN_PARTICIPANTS participants. Vectorised over partitions: no Python loop.
    """
    frame = pd.DataFrame(
        {
            "part": part.to_numpy(),
            "n": n.astype(float).fillna(-1.0).to_numpy(),
            "primary": primary.to_numpy(),
            "pos": range(len(n)),
        }
    )
    frame = frame.sort_values(["part", "n", "pos"], kind="stable")
    groups = frame.groupby("part", sort=False)
    rank = groups.cumcount().to_numpy()
    size = groups["n"].transform("size").to_numpy()
    k0 = groups["primary"].transform("sum").to_numpy()
    k = rank + 1  # the prefix that ends at this cell
    total = frame["n"].clip(lower=0).groupby(frame["part"], sort=False).cumsum().to_numpy()
    enough = ((k >= 2) & (total >= MIN_PARTICIPANTS)) | (k == size)
    frame["stop"] = pd.Series(k, index=frame.index).where(enough & (k >= k0))
    k_star = frame.groupby("part", sort=False)["stop"].transform("min").fillna(0).to_numpy().copy()
    k_star[k0 == 0] = 0
    frame["suppressed"] = rank < k_star
    return pd.Series(frame.sort_values("pos")["suppressed"].to_numpy(), index=n.index)


def apply(
    df: pd.DataFrame,
    n_col: str = "n_participants",
    value_cols: Sequence[str] | None = None,
    partition_cols: Sequence[str] | None = None,
) -> pd.DataFrame:
    """Return a copy with values from < MIN_PARTICIPANTS blanked, plus `suppressed` and `reliability` columns.

    `partition_cols` names the columns whose value combinations each split the participants into disjoint
    groups with a shown total (e.g. ``["field"]`` for country/age/... breakdowns); `[]` means the whole frame
    is one partition; None means rows are not parts of a total (no complementary suppression).
    """
    out = df.copy().reset_index(drop=True)
    if value_cols is None:
        value_cols = [c for c in DEFAULT_VALUE_COLUMNS if c in out.columns]
    n = pd.to_numeric(out[n_col], errors="coerce") if len(out) else pd.Series(dtype=float)
    primary = n.isna() | (n < MIN_PARTICIPANTS)
    if partition_cols is None or not len(out):
        suppressed = primary
    else:
        part = (
            out.groupby(list(partition_cols), dropna=False, sort=False).ngroup()
            if partition_cols
            else pd.Series(0, index=out.index)
        )
        suppressed = _complementary(n, primary, part)
    suppressed = suppressed.astype(bool)
    for col in value_cols:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("float64")
        out.loc[suppressed, col] = float("nan")
    for col in {n_col, *COUNT_COLUMNS} & set(out.columns):
        out[col] = pd.to_numeric(out[col], errors="coerce").astype("Int64")
        out.loc[suppressed, col] = pd.NA
    out["suppressed"] = suppressed
    low = ~suppressed & (n < LOW_RELIABILITY_BELOW)
    out["reliability"] = RELIABILITY_OK
    out.loc[low, "reliability"] = RELIABILITY_LOW
    out.loc[suppressed, "reliability"] = RELIABILITY_SUPPRESSED
    return out


@dataclass(frozen=True)
class Rule:
    """How one table hides small groups: the count that decides, the values blanked with it, its partitions.

    `partition_cols` as in `apply`: None when rows are not parts of a shown total, () when the whole table is
    one partition, else the columns whose value combinations each split the participants into disjoint groups.
    """

    partition_cols: tuple[str, ...] | None = None
    value_cols: tuple[str, ...] | None = None
    n_col: str = "n_participants"

    def apply(self, df: pd.DataFrame) -> pd.DataFrame:
        return apply(df, self.n_col, self.value_cols, self.partition_cols)


F = TypeVar("F", bound=Callable[..., pd.DataFrame])


def declares(rule: Rule) -> Callable[[F], F]:
    """Declare a read function's small-group rule beside its query; `rule_of` finds it wherever it is shown."""

    def mark(fn: F) -> F:
        fn.small_group_rule = rule  # type: ignore[attr-defined]
        return fn

    return mark


def rule_of(fn: Callable[..., pd.DataFrame]) -> Rule:
    """The rule a read function declared; a read without one cannot be shown (a programming error)."""
    rule = getattr(fn, "small_group_rule", None)
    if not isinstance(rule, Rule):
        raise TypeError(f"{fn.__module__}.{fn.__qualname__} declares no privacy.Rule; add @privacy.declares(...)")
    return rule


def assert_applied(df: pd.DataFrame) -> None:
    """Refuse to show a frame that has not been through `apply` (a programming error, not user input)."""
    if "suppressed" not in df.columns or "reliability" not in df.columns:
        raise ValueError("data must pass through core.privacy.apply before it is shown or downloaded")


def n_label(n: Cell) -> str:
    """'1,012 participants', or the suppression text for small or unknown groups."""
    if is_suppressed(n):
        return SUPPRESSED_TEXT
    k = int(n)
    return f"{k:,} participants" + (f" ({LOW_RELIABILITY_TEXT})" if k < LOW_RELIABILITY_BELOW else "")


def pct(x: Cell, digits: int = 0) -> str:
    """A share 0–1 as a percentage string; an en dash when missing."""
    if x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{100 * float(x):.{digits}f}%"


def ci_text(low: Cell, high: Cell) -> str:
    """'95% CI 74–82%'."""
    return f"95% CI {pct(low)[:-1]}–{pct(high)}"


def estimate_sentence(
    subject: str,
    estimate: Cell,
    ci_low: Cell,
    ci_high: Cell,
    n: Cell,
    measure: str = "agreement with the Model Spec Ranker",
    *,
    context: str = "",
    comparisons: Sequence[str] = (),
) -> str:
    """One quotable sentence that carries n, the CI, what was measured (`context`: measure, question, relevance,
    ranker run) and the figures that make it meaningful (`comparisons`), or says the group is too small."""
    about = f" [{context}]" if context else ""
    if is_suppressed(n) or estimate is None or (isinstance(estimate, float) and math.isnan(estimate)):
        return f"{subject}: {measure} not reported ({SUPPRESSED_TEXT}){about}."
    k = int(n)
    flag = f", {LOW_RELIABILITY_TEXT}" if k < LOW_RELIABILITY_BELOW else ""
    compared = [c for c in comparisons if c]
    return (
        f"{subject} ({k:,} participants{flag}): {measure} was {pct(estimate)} ({ci_text(ci_low, ci_high)}){about}."
        + (f" For comparison: {'; '.join(compared)}." if compared else "")
    )
