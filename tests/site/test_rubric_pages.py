"""Rubrics on the site (issue 16): a prompt's "What people said a good answer must do", the section view, the
small-group rules on them, the country filter and search, and the downloads of the rubric tables."""
from __future__ import annotations

import duckdb
import pandas as pd
import pytest
import streamlit as st

from core import config, privacy
from core.reads import rubrics as rr
from tests import lazy
from tests.site import prompt_store as ps
from tests.site import test_prompts_page
from views import rubric_view

HEADING = "What people said a good answer must do"
store = test_prompts_page.store  # the planted store fixture, built once per module


@pytest.fixture
def page(store, monkeypatch):
    monkeypatch.setenv(config.SOURCE_ENV, "sample")
    monkeypatch.setattr(config, "BUILD_DIR", store.parent)
    st.cache_data.clear()
    st.cache_resource.clear()

    def run(path: str = "app_pages/prompts.py", **params: str):
        at = ps.open_page(path, **params)
        assert not at.exception, [e.message for e in at.exception]
        return at

    yield run
    st.cache_data.clear()
    st.cache_resource.clear()


def _texts(at) -> list[str]:
    return [t.value for t in at.text]


def _frames(at) -> list[pd.DataFrame]:
    """Every table on the page, each chart-and-table widget switched to its Table tab."""
    return [d.value for d in lazy.open_tables(at).dataframe]


def test_reads_apply_their_declared_rules(store):
    cur = duckdb.connect(str(store), read_only=True).cursor()
    items = privacy.rule_of(rr.prewritten_items).apply(rr.prewritten_items(cur, ps.ANCHOR_PROMPT))
    assert items["mean_weight"].round(6).tolist() == [5.5, -8.0] and not items["suppressed"].any()
    small = privacy.rule_of(rr.prewritten_items).apply(rr.prewritten_items(cur, ps.SMALL_PROMPT))
    assert small["suppressed"].all() and small["mean_weight"].isna().all() and small["n_participants"].isna().all()
    own = privacy.rule_of(rr.own_items).apply(rr.own_items(cur, ps.SMALL_PROMPT, None, None))
    assert len(own) == 1 and own["suppressed"].all() and own["score"].isna().all()
    countries = privacy.rule_of(rr.item_countries).apply(rr.item_countries(cur, ps.ANCHOR_PROMPT))
    shown = countries[~countries["suppressed"]]
    assert sorted(shown["country"].unique()) == ["MEX", "USA"]
    first = shown[shown["item_index"] == 0].set_index("country")["mean_weight"].to_dict()
    assert first == {"MEX": 2.0, "USA": 8.0}
    # On the small prompt NLD (4) and KEN (1) are both under the minimum: nothing shown, so no spread either.
    small_countries = privacy.rule_of(rr.item_countries).apply(rr.item_countries(cur, ps.SMALL_PROMPT))
    assert small_countries["suppressed"].all() and rubric_view.shown_spread(small_countries) == {}
    spreads = rubric_view.shown_spread(countries)
    assert spreads[0, 0] == "6.0 points between United States and Mexico (2 countries shown)"
    # Own-item authors: one per country, so no country may be offered as a filter.
    authors = privacy.rule_of(rr.own_item_countries).apply(rr.own_item_countries(cur, ps.ANCHOR_PROMPT))
    assert authors["suppressed"].all()


def test_prompt_page_shows_core_weights_spread_and_own_items_inert(page):
    at = page(prompt=ps.ANCHOR_PROMPT)
    assert HEADING in [s.value for s in at.subheader]
    texts = _texts(at)
    assert [t for t in texts if t.startswith("• ")] == [f"• {c}" for c in ps.RUBRIC_CORE]
    captions = " ".join(c.value for c in at.caption)
    assert "identical conversation text" in captions and "25 participants" in captions
    assert "6.0 points between United States and Mexico" in captions
    frames = _frames(at)
    weights = next(f for f in frames if "mean_weight" in f.columns and "criterion" in f.columns)
    assert weights["mean_weight"].round(6).tolist() == [5.5, -8.0]
    own = next(f for f in frames if list(f.columns) == ["criterion", "weight"])
    assert own.to_dict("records") == [{"criterion": ps.HOSTILE_TEXT, "weight": 9},
                                      {"criterion": "Habla claro y sin rodeos", "weight": 7},
                                      {"criterion": "Te lang antwoord", "weight": -4}]
    # The hostile text appears only as a table cell, never as Markdown.
    assert not any("HYPERLINK" in m.value for m in at.markdown)


def test_search_filters_own_items(page):
    at = page(prompt=ps.ANCHOR_PROMPT)
    box = next(t for t in at.text_input if t.label == "Search these criteria")
    at = box.input("claro").run()
    own = next(f for f in _frames(at) if list(f.columns) == ["criterion", "weight"])
    assert own["criterion"].tolist() == ["Habla claro y sin rodeos"]
    at = next(t for t in at.text_input if t.label == "Search these criteria").input("100% _off_").run()
    own = next(f for f in _frames(at) if list(f.columns) == ["criterion", "weight"])
    assert own["criterion"].tolist() == [ps.HOSTILE_TEXT]  # % and _ are literal, not wildcards


def test_small_prompt_hides_weights_and_own_items(page):
    at = page(prompt=ps.SMALL_PROMPT)
    infos = " ".join(i.value for i in at.info)
    assert "Weights not shown" in infos and "people's own words appear only on prompts" in infos
    assert not any("Te lang" in str(f.values) for f in _frames(at))


def test_prompt_without_rubric_and_url_pairs(page):
    at = page(prompt=ps.FILLERS[0])
    assert any("No rubric row joined this prompt" in t for t in _texts(at))
    # Pairs: a country that is no filter here (too few authors) is ignored and named, the prompt still opens.
    at = page(prompt=ps.ANCHOR_PROMPT, rubric_country="USA")
    assert HEADING in [s.value for s in at.subheader]
    assert any("rubric_country" in str(w.value) for w in [*at.warning, *at.info, *at.caption, *at.text])


def test_store_without_rubric_tables_says_so(tmp_path, monkeypatch):
    path = ps.build(tmp_path / "ca_sample.duckdb")
    with duckdb.connect(str(path)) as con:
        for table in ("rubric_item_stats", "rubric_item_country", "rubric_kind_shares", "rubric_conversations",
                      "rubric_items", "rubric_scores", "rubric_core", "rubric_summary"):
            con.execute(f"DROP TABLE {table}")
    monkeypatch.setenv(config.SOURCE_ENV, "sample")
    monkeypatch.setattr(config, "BUILD_DIR", path.parent)
    st.cache_data.clear()
    at = ps.open_page("app_pages/prompts.py", prompt=ps.ANCHOR_PROMPT)
    assert not at.exception
    assert rubric_view.NO_RUBRICS in _texts(at)
    st.cache_data.clear()


def test_section_view_lists_the_sections_rubric_prompts(site, sample_db):
    """On the sample store (the Sections page needs every statistics table): the section's prompts with rubrics."""
    run = sample_db.execute("SELECT run_id FROM ranker_runs LIMIT 1").fetchone()[0]
    anchor, n = sample_db.execute(
        "SELECT sr.anchor, count(*) FROM section_relevance sr JOIN rubric_conversations c USING (prompt_id) "
        "WHERE sr.run_id = ? AND sr.grade >= 5 GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1", [run]).fetchone()
    at = site("app_pages/sections.py", section=anchor)
    assert not at.exception, [e.message for e in at.exception]
    assert HEADING in [s.value for s in at.subheader]
    table = next(f.value for f in at.dataframe if "core_criteria" in f.value.columns)
    assert len(table) == n
    prompt_id = table["link"].iloc[0].rsplit("=", 1)[1]
    core = sample_db.execute("SELECT string_agg(criterion, ' · ' ORDER BY position) FROM rubric_core "
                             "WHERE prompt_id = ?", [prompt_id]).fetchone()[0]
    assert table["core_criteria"].iloc[0] == core
    hidden = table[table["reliability"] == privacy.RELIABILITY_SUPPRESSED]
    assert (hidden["heaviest"] == "–").all() and (hidden["lightest"] == "–").all()
