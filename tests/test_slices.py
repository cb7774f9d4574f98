"""core.slices on a planted store: filters checked against an independent pandas filter, refusals, counts, rules."""
from __future__ import annotations

import importlib.util
import io
import json
import zipfile
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from core.reads import slices

_spec = importlib.util.spec_from_file_location(
    "slices_prompt_store", Path(__file__).resolve().parent / "site" / "prompt_store.py")
ps = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(ps)


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    path = ps.build(tmp_path_factory.mktemp("slices") / "ca_sample.duckdb")
    connection = duckdb.connect(str(path), read_only=True)
    yield connection
    connection.close()


@pytest.fixture(scope="module")
def release(con) -> pd.DataFrame:
    """Assessments joined to annotators, read without core.slices, for the expected answers."""
    a = con.execute("SELECT * FROM assessments").df()
    p = con.execute("SELECT * FROM annotators").df()
    return a.merge(p.drop(columns="n_assessments"), on="annotator_id")


def relevant(con, anchor: str, threshold: int) -> set[str]:
    df = con.execute("SELECT prompt_id, anchor, grade FROM section_relevance").df()
    return set(df[(df["anchor"] == anchor) & (df["grade"] >= threshold)]["prompt_id"])


CASES = [
    ({"country": "USA"}, lambda r, c: r["country"] == "USA"),
    ({"field": "gender", "level": "Female"}, lambda r, c: r["gender"] == "Female"),
    ({"block": "personal"}, lambda r, c: r["personal_ranking"].notna()),
    ({"block": "world"}, lambda r, c: r["world_ranking"].notna()),
    ({"prompt_id": ps.ANCHOR_PROMPT}, lambda r, c: r["prompt_id"] == ps.ANCHOR_PROMPT),
    ({"run_id": ps.RUN, "anchor": "be_honest", "threshold": 4},
     lambda r, c: r["prompt_id"].isin(relevant(c, "be_honest", 4))),
    ({"run_id": ps.RUN, "anchor": "be_honest", "threshold": 5, "country": "USA", "block": "world"},
     lambda r, c: r["prompt_id"].isin(relevant(c, "be_honest", 5)) & (r["country"] == "USA")),
]


@pytest.mark.parametrize(("filters", "keep"), CASES)
def test_filters_match_an_independent_filter(con, release, filters, keep):
    f = slices.SliceFilter(**filters)
    expected = release[keep(release, con)]
    got = slices.assessments(con, f)
    assert sorted(got["assessment_id"]) == sorted(expected["assessment_id"])
    s = slices.summary(con, f)
    assert (s.n_rows, s.n_participants, s.n_prompts) == (
        len(expected), expected["annotator_id"].nunique(), expected["prompt_id"].nunique())
    assert s.n_rows == len(got)


def test_block_filter_keeps_only_that_question(con):
    df = slices.assessments(con, slices.SliceFilter(block="personal"))
    assert "personal_ranking" in df.columns and "world_ranking" not in df.columns
    assert df["personal_ranking"].notna().all()


def test_rationales_can_be_left_out(con):
    with_text = slices.assessments(con, slices.SliceFilter(country="USA"))
    without = slices.assessments(con, slices.SliceFilter(country="USA", include_rationales=False))
    assert set(slices.RATIONALE_COLUMNS) <= set(with_text.columns)
    assert not set(slices.RATIONALE_COLUMNS) & set(without.columns)
    assert len(with_text) == len(without)


@pytest.mark.parametrize(("filters", "n_participants"), [
    ({"country": "NLD"}, 4),
    ({"prompt_id": ps.SMALL_PROMPT}, 5),
    ({"country": "MEX", "field": "gender", "level": "Female"}, 5),
    ({"country": "USA", "field": "age", "level": "25-34"}, 9),
])
def test_slices_under_ten_participants_are_refused(con, filters, n_participants):
    f = slices.SliceFilter(**filters)
    s = slices.summary(con, f)
    # Refused without any count: the row count of a country + one field slice is one person's answers.
    assert (s.n_rows, s.n_participants, s.n_prompts) == (None, None, None) and not s.allowed
    got = con.execute("SELECT count(DISTINCT a.annotator_id) FROM assessments a JOIN annotators p USING "
                      "(annotator_id) WHERE (? IS NULL OR p.country = ?) AND (? IS NULL OR a.prompt_id = ?) "
                      "AND (? IS NULL OR CASE ? WHEN 'gender' THEN p.gender WHEN 'age' THEN p.age END = ?)",
                      [f.country, f.country, f.prompt_id, f.prompt_id, f.field, f.field, f.level]).fetchone()[0]
    assert got == n_participants
    assert "fewer than 10 participants" in s.refused_reason
    with pytest.raises(slices.SliceRefused):
        slices.assessments(con, f)


def test_empty_slice_is_refused(con):
    s = slices.summary(con, slices.SliceFilter(country="USA", prompt_id=ps.HOSTILE_PROMPT))
    assert s.n_rows == 0 and s.refused_reason == "No assessments match these filters."


def test_slice_at_exactly_ten_participants_is_allowed(con):
    f = slices.SliceFilter(country="MEX", prompt_id=ps.ANCHOR_PROMPT)
    assert slices.summary(con, f).n_participants == 10
    assert len(slices.assessments(con, f)) == 10


@pytest.mark.parametrize("bad", [
    {"field": "ideal_model_behavior", "level": "x"}, {"field": "age"}, {"block": "both"},
    {"anchor": "be_honest"}, {"threshold": 2},
])
def test_bad_filters_are_rejected(bad):
    with pytest.raises(ValueError):
        slices.SliceFilter(**bad)


def test_slug_is_safe_for_hostile_values():
    f = slices.SliceFilter(field="gender", level='<img onerror="window.__x_=1">', prompt_id="=cmd|'/C calc'!A0")
    assert set(f.slug()) <= set("abcdefghijklmnopqrstuvwxyz0123456789-_")
    assert slices.file_stem("assessments", f.slug()).startswith("ca1_assessments_")


def test_group_table_hides_small_groups_and_their_complement(con):
    df = slices.table(con, "agreement_group")
    country = df[df["field"] == "country"].set_index("level")
    # NLD (4) and KEN (2) are under 10 and total 6, so MEX (10) is hidden too; USA stays.
    assert country["suppressed"].to_dict() == {"USA": False, "MEX": True, "NLD": True, "KEN": True}
    assert country.loc[["MEX", "NLD", "KEN"], ["estimate", "ci_low", "ci_high", "n_participants"]].isna().all().all()
    assert country.loc["USA", "estimate"] == pytest.approx(0.7)


def test_prompt_stats_hide_text_values_of_small_prompts(con):
    df = slices.table(con, "prompt_stats", {"block": "world", "prompt_id": ps.SMALL_PROMPT})
    row = df.iloc[0]
    assert row["suppressed"] and row["crowd_order"] is None and pd.isna(row["contestedness"])
    assert row["first_user_text"].startswith("Question")  # the prompt itself is not a participant value


def test_view_filters_select_rows(con):
    full = slices.table(con, "prompt_first_choice")
    view = slices.table(con, "prompt_first_choice", slices.view_filters(ps.RUN, "personal", "pairwise", 5))
    assert set(view["block"]) == {"personal"} and len(view) < len(full)
    assert len(full) == con.execute("SELECT count(*) FROM prompt_first_choice").fetchone()[0]


def test_manifest_and_bundle(con):
    df = slices.table(con, "agreement_section")
    source = dict(con.execute("SELECT key, value FROM manifest").fetchall())
    m = slices.manifest(kind="agreement_section", tier="full", filters={}, df=df, source_manifest=source,
                        file_stem="ca1_agreement_section_full")
    assert m["row_count"] == 2 and m["rows_suppressed"] == 1
    assert m["source"]["resolved_commit"] == source["resolved_commit"]
    assert m["rules_applied"]["min_participants"] == 10
    assert {"created_at", "site_code_version", "escaping", "small_group_rules", "columns"} <= set(m)
    blob = slices.bundle_zip(df, m, "ca1_agreement_section_full", "cite me")
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        assert json.loads(z.read("manifest.json"))["row_count"] == 2
        assert pd.read_parquet(io.BytesIO(z.read("ca1_agreement_section_full.parquet")))["suppressed"].tolist() == [
            False, True]
        assert "cite me" in z.read("README.txt").decode()


def _stats_store():
    """A store with one prompt seen by 40 people in the world block, of whom 6 also ranked for themselves."""
    from core.stats.build import query as stats_query

    db = duckdb.connect()
    db.execute(stats_query("agg_create_tables"))
    db.execute("CREATE TABLE prompts (prompt_id VARCHAR, first_user_text VARCHAR)")
    db.execute("INSERT INTO prompts VALUES ('p1', 'hello'), ('p2', 'there')")
    rows = [("p1", "world", 40, 40, 0.3, 6), ("p1", "personal", 6, 6, None, None),
            ("p2", "world", 40, 40, 0.2, 25), ("p2", "personal", 25, 25, None, None)]
    for prompt, block, n_ass, n_part, pw, n_pw in rows:
        db.execute("INSERT INTO prompt_stats (prompt_id, block, n_assessments, n_participants, n_single_top, "
                   "personal_world_divergence, n_personal_assessments) VALUES (?, ?, ?, ?, ?, ?, ?)",
                   [prompt, block, n_ass, n_part, n_part, pw, n_pw])
    return db


def test_personal_world_divergence_follows_the_participants_who_ranked_for_themselves():
    df = slices.table(_stats_store(), "prompt_stats").set_index(["prompt_id", "block"])
    # p1: 40 people in the world block, but the divergence comes from the 6 who also gave a personal ranking.
    assert pd.isna(df.loc[("p1", "world"), "personal_world_divergence"])
    assert pd.isna(df.loc[("p1", "world"), "n_personal_participants"])
    assert df.loc[("p1", "world"), "n_participants"] == 40  # the world row itself stays
    assert df.loc[("p2", "world"), "personal_world_divergence"] == pytest.approx(0.2)
    assert df.loc[("p2", "world"), "n_personal_participants"] == 25


def test_unacceptable_flags_count_the_participants_asked(con):
    got = slices.table(con, "prompt_flags")
    asked = dict(con.execute("SELECT prompt_id, count(DISTINCT annotator_id) FROM assessments "
                             "WHERE unacceptable_asked AND unacceptable_letters IS NOT NULL GROUP BY ALL").fetchall())
    shown = got[~got["suppressed"]]
    assert len(shown) > 0
    for _, r in shown.iterrows():
        assert r["n_participants"] == asked[r["prompt_id"]]
    everyone = dict(con.execute("SELECT prompt_id, n_participants FROM prompts").fetchall())
    assert any(everyone[p] != n for p, n in asked.items())  # the two counts differ somewhere in this store
