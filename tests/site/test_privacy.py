"""Small-group rules: nothing from fewer than 10 participants is shown, and subtraction cannot reveal it."""
from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core import privacy


def frame(ns: list[int], partition: list[str] | None = None) -> pd.DataFrame:
    df = pd.DataFrame({"level": [f"g{i}" for i in range(len(ns))], "n_participants": ns,
                       "n_assessments": [n * 7 for n in ns], "estimate": [0.5 + i / 100 for i in range(len(ns))],
                       "ci_low": 0.4, "ci_high": 0.9})
    if partition is not None:
        df["field"] = partition
    return df


def test_values_from_fewer_than_ten_participants_are_blanked_with_their_counts():
    out = privacy.apply(frame([9, 10, 29, 30]))
    assert out["suppressed"].tolist() == [True, False, False, False]
    assert math.isnan(out.loc[0, "estimate"]) and math.isnan(out.loc[0, "ci_low"])
    assert out.loc[0, "n_participants"] is pd.NA and out.loc[0, "n_assessments"] is pd.NA
    assert out["reliability"].tolist() == ["suppressed", "low reliability", "low reliability", "ok"]
    assert out.loc[3, "estimate"] == pytest.approx(0.53)


def test_missing_counts_are_treated_as_too_small():
    out = privacy.apply(pd.DataFrame({"n_participants": [None, 50], "estimate": [0.9, 0.8]}))
    assert out["suppressed"].tolist() == [True, False]


def test_without_partition_no_complementary_suppression():
    out = privacy.apply(frame([5, 40, 50]), partition_cols=None)
    assert out["suppressed"].tolist() == [True, False, False]


def test_one_small_cell_in_a_partition_hides_the_next_smallest():
    # With the total shown, 5 = total − 40 − 50 − 12; hiding 12 as well leaves two unknowns summing to 17.
    out = privacy.apply(frame([5, 40, 50, 12]), partition_cols=[])
    assert out["suppressed"].tolist() == [True, False, False, True]
    assert out.loc[3, "n_participants"] is pd.NA


def test_small_cells_totalling_under_ten_keep_hiding_until_ten():
    out = privacy.apply(frame([2, 3, 40, 11, 60]), partition_cols=[])
    # 2 + 3 = 5 < 10 → hide 11 (the next smallest): 16 hidden in three cells.
    assert out["suppressed"].tolist() == [True, True, False, True, False]


def test_partitions_are_handled_independently():
    df = frame([4, 30, 30, 30, 30, 30], partition=["age", "age", "age", "gender", "gender", "gender"])
    out = privacy.apply(df, partition_cols=["field"])
    # Age: 4 is hidden, then one of the two 30s (the first); gender is untouched.
    assert out["suppressed"].tolist() == [True, True, False, False, False, False]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=80), min_size=1, max_size=12))
def test_no_shown_value_is_small_and_the_hidden_cells_cannot_be_recovered(ns):
    out = privacy.apply(frame(ns), partition_cols=[])
    shown = out[~out["suppressed"]]
    assert (shown["n_participants"].astype(int) >= privacy.MIN_PARTICIPANTS).all()
    assert out.loc[out["suppressed"], "estimate"].isna().all()
    assert out.loc[out["suppressed"], "n_participants"].isna().all()
    hidden = [n for n, s in zip(ns, out["suppressed"], strict=True) if s]
    if hidden and len(hidden) < len(ns):
        # Total − shown cells = sum of hidden cells: that sum must not itself be a small group, nor a single cell.
        assert len(hidden) >= 2 and sum(hidden) >= privacy.MIN_PARTICIPANTS


def test_n_label_and_sentence_follow_the_same_rules():
    assert privacy.n_label(9) == "fewer than 10 participants"
    assert privacy.n_label(None) == "fewer than 10 participants"
    assert privacy.n_label(12) == "12 participants (low reliability)"
    assert privacy.n_label(1012) == "1,012 participants"
    hidden = privacy.estimate_sentence("Kenya", 0.8765, 0.8, 0.9, 7)
    assert "fewer than 10 participants" in hidden and "88" not in hidden and "7" not in hidden
    shown = privacy.estimate_sentence("Kenya", 0.8765, 0.801, 0.912, 23)
    assert "23 participants, low reliability" in shown and "88%" in shown and "95% CI 80–91%" in shown


def test_frames_that_skipped_the_rules_are_refused():
    with pytest.raises(ValueError):
        privacy.assert_applied(frame([50]))
