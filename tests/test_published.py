"""The published-vs-computed comparison on the methodology page follows the small-group rule."""
from __future__ import annotations

import pandas as pd

from core import privacy, published


def _levels(counts: dict[tuple[str, str], int]) -> pd.DataFrame:
    return pd.DataFrame([(f, lv, n) for (f, lv), n in counts.items()], columns=["field", "level", "n_participants"])


def test_small_computed_counts_and_their_complement_are_blank_with_a_note():
    # Gender: one level of 4 people; the next-smallest (17) must go too, or 4 = total - the others.
    counts = {("gender", "Male"): 528, ("gender", "Female"): 463, ("gender", "Non-binary"): 17,
              ("gender", "Prefer not to say"): 4, ("age", "18-24"): 158, ("age", "25-34"): 429}
    table = published.shown(published.comparison({"prompts": 1078, "participants": 1012, "assessments": 18384},
                                                  _levels(counts), synthetic=False))
    gender = table[table["source"] == "Blog appendix: gender"].set_index("figure")
    assert gender.loc["Prefer not to say", "computed"] is pd.NA
    assert gender.loc["Non-binary", "computed"] is pd.NA  # complementary suppression
    assert gender.loc["Male", "computed"] == 528 and gender.loc["Male", "note"] == "matches"
    assert gender.loc["Prefer not to say", "note"].startswith("Not compared here")
    assert privacy.SUPPRESSED_TEXT in gender.loc["Non-binary", "note"]
    card = table[table["source"] == "Dataset card"].set_index("figure")
    assert card.loc["participants", "computed"] == 1012 and not card["suppressed"].any()
    assert list(table.columns) == [*published.SHOWN_COLUMNS, "suppressed"]
    # Nothing dropped: one row per published figure, in the same order.
    raw = published.comparison({"prompts": 1, "participants": 2, "assessments": 3}, _levels(counts), True)
    assert list(table["figure"]) == list(raw["figure"])
