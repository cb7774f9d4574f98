"""Contested prompts page on a planted store: list sorting, filters, search, deep links, notices, rank it yourself."""
from __future__ import annotations

from urllib.parse import unquote

import duckdb
import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from components import frame
from core import config, privacy, wording
from core.rankings.grammar import parse_ranking
from core.reads import prompt_data as rp
from tests import figures, lazy, markdown_tables
from tests.site import prompt_store as ps
from views import rank_yourself


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return ps.build(tmp_path_factory.mktemp("prompt_store") / "ca_sample.duckdb")


@pytest.fixture
def page(store, monkeypatch):
    """Run the prompts page with URL parameters; returns the finished AppTest."""
    monkeypatch.setenv(config.SOURCE_ENV, "sample")
    monkeypatch.setattr(config, "BUILD_DIR", store.parent)
    st.cache_data.clear()
    st.cache_resource.clear()

    def run(**params: str) -> AppTest:
        at = ps.open_page("app_pages/prompts.py", **params)
        assert not at.exception, [e.message for e in at.exception]
        assert [t.value for t in at.title] == ["Contested prompts"]
        return at

    yield run
    st.cache_data.clear()
    st.cache_resource.clear()


def listing(at: AppTest) -> pd.DataFrame:
    """The list as the page wrote it: a Markdown table whose Prompt cells link to each prompt."""
    return markdown_tables.with_column(at, "Contestedness")


def listed(at: AppTest) -> list[str]:
    """Prompt ids in the list, in order (from the same-tab links under the table, one per row), which are also the
    prompts the table's title links open, in the same order."""
    lazy.open_all(at, later=False)  # the same-tab links are drawn once their expander is opened
    ids = [unquote(p.proto.query_string.split("prompt=", 1)[1]) for p in at.get("page_link")
           if "prompt=" in p.proto.query_string]
    urls = [markdown_tables.link(cell)[1] for cell in listing(at)["Prompt"]]
    assert [unquote(u.split("prompt=", 1)[1]) for u in urls] == ids
    return ids


def texts(at: AppTest) -> list[str]:
    return [t.value for t in at.text]


def expected_order(store, sort: str) -> list[str]:
    """The list order computed independently from the stored statistics (small prompts last)."""
    con = duckdb.connect(str(store), read_only=True)
    df = con.execute("""
        SELECT s.prompt_id, s.n_participants, s.contestedness, 1 - r.crowd_ranker_pairwise AS ranker,
               s.country_divergence AS countries, -s.contestedness AS agreed
        FROM prompt_stats s LEFT JOIN prompt_ranker r
          ON r.prompt_id = s.prompt_id AND r.block = s.block AND r.run_id = ?
        WHERE s.block = 'world'""", [ps.RUN]).df()
    con.close()
    df["key"] = df[sort].where(df["n_participants"] >= privacy.MIN_PARTICIPANTS)
    return df.sort_values(["key", "prompt_id"], ascending=[False, True], na_position="last")["prompt_id"].tolist()


@pytest.mark.parametrize("sort", list(rp.SORT_KEYS))
def test_list_sorted_by_each_key(page, store, sort):
    at = page(sort=sort)
    order = expected_order(store, sort)
    assert listed(at) == order[: rp.PAGE_SIZE]
    assert any(f"of {len(order)}" in t for t in texts(at))


def test_small_prompt_is_last_and_shows_no_statistics(page, store):
    at = page(page="2")
    ids = listed(at)
    assert ids[-1] == ps.SMALL_PROMPT
    row = listing(at).iloc[-1]
    assert row["Contestedness"] == "–" and row["Participants"] == "–" and row["Reliability"] == "suppressed"
    assert listing(at).iloc[0]["Contestedness"].endswith("%")  # a listed prompt's statistics are shown


@pytest.mark.parametrize(("params", "expected"), [
    ({"section": "be_honest"}, {ps.ANCHOR_PROMPT, ps.HOSTILE_PROMPT, ps.FILLERS[0]}),
    ({"section": "be_honest", "threshold": "4"}, {ps.ANCHOR_PROMPT, ps.HOSTILE_PROMPT, *ps.FILLERS[:2]}),
    ({"country": "MEX"}, {ps.ANCHOR_PROMPT, ps.HOSTILE_PROMPT}),
    ({"country": "USA", "section": "be_honest"}, {ps.ANCHOR_PROMPT, ps.FILLERS[0]}),
])
def test_filters(page, params, expected):
    assert set(listed(page(**params))) == expected


def test_country_without_an_eligible_prompt_is_ignored_with_a_notice(page):
    at = page(country="NLD")  # 4 participants at most on any prompt
    assert len(listed(at)) == rp.PAGE_SIZE
    assert any("country=NLD" in t for t in texts(at))


def search(at: AppTest, text: str) -> AppTest:
    at.text_input(key="prompts:search").set_value(text)
    at.run()
    assert not at.exception
    return at


SEARCHES = [
    ("50%_d", {ps.FILLERS[0]}),  # literal % and _
    ("%", {ps.FILLERS[0], ps.HOSTILE_PROMPT}),  # only prompts that contain a % sign
    ("_", {ps.FILLERS[0], ps.HOSTILE_PROMPT}),
    ("<script>", {ps.HOSTILE_PROMPT}),
    ("follow-up", {ps.ANCHOR_PROMPT}),  # later turns are searched too
    ("'; DROP TABLE prompts; --", set()),
    ("\\", set()),
    ("x" * 10_000, set()),
]


def test_text_search_is_literal(page):
    at = page()
    for query, expected in SEARCHES:  # one session, one rerun per search
        search(at, query)
        if expected:
            assert set(listed(at)) == expected, query[:40]
        else:
            assert not [d for d in markdown_tables.tables_of(at) if "Contestedness" in d.columns], query[:40]
            assert any(i.value.startswith("No prompt matches") for i in at.info), query[:40]
    assert "q" not in at.query_params and "search" not in at.query_params  # search text stays out of the link


def test_deep_link_shows_conversation_responses_and_first_choices(page, store):
    at = page(prompt=ps.ANCHOR_PROMPT)
    shown = texts(at)
    turns = ["Be helpful.", f"Question {ps.ANCHOR_PROMPT}: what should the assistant do?", "Could you say more?",
             "Yes: the anchor follow-up."]
    positions = [shown.index(t) for t in turns]
    assert positions == sorted(positions)
    for letter in "ABCD":
        assert f"Response {letter} to {ps.ANCHOR_PROMPT}." in shown
    con = duckdb.connect(str(store), read_only=True)
    stored = con.execute("SELECT letter, share, ci_low, ci_high FROM prompt_first_choice "
                         "WHERE prompt_id = ? AND block = 'world' ORDER BY letter", [ps.ANCHOR_PROMPT]).df()
    con.close()
    first = lazy.open_tables(at).dataframe[0].value
    assert first["letter"].tolist() == list("ABCD")
    pd.testing.assert_frame_equal(first[["share", "ci_low", "ci_high"]].reset_index(drop=True),
                                  stored[["share", "ci_low", "ci_high"]], check_dtype=False)
    assert first["share"].tolist() == pytest.approx([16 / 30, 4 / 30, 0, 10 / 30])
    assert any(t.startswith("First choices: A 53% (95% CI") for t in shown)


def test_junk_prompt_is_ignored_with_a_notice(page):
    at = page(prompt="no-such-prompt<script>")
    assert len(listed(at)) == rp.PAGE_SIZE
    assert any("prompt=no-such-prompt<script>" in t for t in texts(at))


def test_country_split_hides_small_countries_and_their_complement(page):
    at = page(prompt=ps.ANCHOR_PROMPT)
    split = next(d.value for d in lazy.open_tables(at).dataframe if "country" in d.value.columns and "letter" in d.value.columns)
    visible = set(split.loc[split["reliability"] != "suppressed", "country"])
    # NLD (4) and KEN (2) fall under 10; together 6, so MEX (10) is hidden too or it would reveal them.
    assert visible == {"USA"}
    assert split.loc[split["country"] != "USA", "share"].isna().all()


def test_content_notice_hides_responses_until_revealed(page):
    at = page(prompt=ps.NOTICE_PROMPT)
    responses = [f"Response {x} to {ps.NOTICE_PROMPT}." for x in "ABCD"]
    assert not set(responses) & set(texts(at))
    assert any(w.value.startswith("Content notice") for w in at.warning)
    at.toggle(key=f"reveal:{ps.NOTICE_PROMPT}").set_value(True)
    at.run()
    assert set(responses) <= set(texts(at))


def test_ranker_without_ranking_says_so(page):
    at = page(prompt=ps.NOTICE_PROMPT)
    assert any("has no ranking for this prompt" in t for t in texts(at))


def test_small_prompt_shows_text_but_no_numbers_or_rationales(page):
    at = page(prompt=ps.SMALL_PROMPT)
    shown = texts(at)
    assert f"Response A to {ps.SMALL_PROMPT}." in shown
    assert not [t for t in shown if "world reason" in t]
    frames = lazy.open_tables(at).dataframe
    assert frames and not [d for d in frames if "share" in d.value.columns and d.value["share"].notna().any()]
    assert any(privacy.SUPPRESSED_TEXT in t for t in shown)


def test_hostile_text_is_shown_as_text_only(page):
    at = page(prompt=ps.HOSTILE_PROMPT)
    assert ps.HOSTILE_TEXT in texts(at)
    for letter, content in ps.HOSTILE_RESPONSES.items():
        assert content.strip() in texts(at), letter  # st.text trims surrounding whitespace
    markdown = " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)
    assert "<script>" not in markdown and "evil.example" not in markdown


def rank(at: AppTest, places: dict[str, int]) -> AppTest:
    for letter, place in places.items():
        at.selectbox(key=f"ry:{ps.ANCHOR_PROMPT}:{letter}").set_value(place)
    at.run()
    assert not at.exception
    return at


def test_rank_it_yourself_planted_ranking(page):
    # Reader B>A>D>C against the crowd A>B>C>D: pairs AB and CD reversed -> 4/6. Participants: USA and KEN
    # agree fully (16), MEX reversed (0, 10), NLD B>A>D>C (4/6, 4): 14 of 30 at or below the reader.
    # Countries with >= 10 on the prompt: USA (A>B>C>D) 4/6, MEX (D>C>B>A) 2/6; but KEN and NLD hide only 8 of the
    # 30 together, so complementary suppression hides MEX too (total - USA - MEX would give 8). Ranker B>A>C>D.
    at = rank(page(prompt=ps.ANCHOR_PROMPT), {"A": 2, "B": 1, "C": 4, "D": 3})
    assert "Your ranking: B>A>D>C" in texts(at)
    assert at.metric[0].value == "67%"
    assert any(t.startswith("Crowd's order: A>B>C>D. 47% of participants") for t in texts(at))
    (mine,) = [m for m in figures.mounts(at) if "a line marks you" in m["summary"]]  # drawn by the site's bundle
    assert mine["figure"]["data"][0]["type"] == "bar" and mine["figure"]["layout"]["shapes"][0]["x0"] == 4 / 6
    countries = next(d.value for d in at.dataframe if "country_order" in d.value.columns)
    got = dict(zip(countries["country"], countries["agreement"], strict=True))
    assert got == pytest.approx({"United States": 4 / 6})  # names, not codes
    assert dict(zip(countries["country"], countries["country_order"], strict=True)) == {
        "United States": "A>B>C>D"}
    assert any(t.startswith("Agreement with the Model Spec Ranker (B>A>C>D): 83%") for t in texts(at))


def test_rank_it_yourself_with_a_tie_and_nothing_in_the_url(page):
    at = rank(page(prompt=ps.ANCHOR_PROMPT), {"A": 1, "B": 1, "C": 3, "D": 4})
    assert "Your ranking: A=B>C>D" in texts(at)
    assert at.metric[0].value == "100%"  # the tied pair is left out; the other five agree
    assert dict(at.query_params) == {"prompt": ps.ANCHOR_PROMPT}


def test_reader_comparison_by_hand(store):
    con = duckdb.connect(str(store), read_only=True)
    ranks = rp.participant_ranks(con, ps.ANCHOR_PROMPT, "world")
    con.close()
    result = rp.reader_comparison(parse_ranking("B>A>D>C"), "A>B>C>D", ranks, "B>A>C>D", 10)
    assert result["crowd"] == pytest.approx(4 / 6)
    assert result["share_at_or_below"] == pytest.approx(14 / 30)
    assert result["ranker"] == pytest.approx(5 / 6)
    assert sorted(result["participants"].round(4).tolist()) == sorted([1.0] * 16 + [0.0] * 10 + [0.6667] * 4)


def test_like_pattern_escapes_wildcards():
    assert rp.like_pattern("50%_off\\") == "%50\\%\\_off\\\\%"
    assert rp.like_pattern("   ") is None
    assert len(rp.like_pattern("y" * 1000)) == rp.SEARCH_MAX_CHARS + 2


def test_reader_ranks_normalises_places():
    assert rank_yourself.reader_ranks({"A": 1, "B": 1, "C": 3, "D": 4}) == {"A": 1, "B": 1, "C": 2, "D": 3}
    assert rank_yourself.reader_ranks({"A": 1, "B": None, "C": 3, "D": 4}) is None


def test_sample_store_list_prompt_and_notice(site, sample_db):
    """The real build's sample store: the list, the busiest prompt and a content-notice prompt all render."""
    busiest = sample_db.execute(
        "SELECT prompt_id FROM prompts ORDER BY n_participants DESC, prompt_id LIMIT 1").fetchone()[0]
    notice = sample_db.execute("SELECT prompt_id FROM prompts WHERE content_notice LIMIT 1").fetchone()
    first_page = site("app_pages/prompts.py")
    assert not first_page.exception and len(listing(first_page)) == rp.PAGE_SIZE
    at = site("app_pages/prompts.py", prompt=busiest)
    assert not at.exception
    assert any(f"Prompt id {frame.md_escape(busiest)}" in c.value for c in at.caption)
    title = sample_db.execute("SELECT first_user_text FROM prompts WHERE prompt_id = ?", [busiest]).fetchone()[0]
    assert at.header[0].value == frame.md_escape(wording.prompt_title(title))
    stored = sample_db.execute("SELECT share FROM prompt_first_choice WHERE prompt_id = ? AND block = 'world' "
                               "ORDER BY letter", [busiest]).df()
    assert lazy.open_tables(at).dataframe[0].value["share"].tolist() == pytest.approx(stored["share"].tolist())
    for table in at.dataframe:
        if "n_participants" in table.value.columns:
            shown = pd.to_numeric(table.value["n_participants"], errors="coerce").dropna()
            assert (shown >= privacy.MIN_PARTICIPANTS).all()
    if notice:
        hidden = site("app_pages/prompts.py", prompt=notice[0])
        assert not hidden.exception
        assert any(w.value.startswith("Content notice") for w in hidden.warning)
        responses = sample_db.execute("SELECT content FROM responses WHERE prompt_id = ?", [notice[0]]).fetchall()
        assert not {r[0].strip() for r in responses} & set(texts(hidden))


@pytest.mark.parametrize("long_after", [5, 10_000])
def test_responses_render_short_and_long(page, monkeypatch, long_after):
    from views import prompt_view

    monkeypatch.setattr(prompt_view, "LONG_RESPONSE_CHARS", long_after)  # both box styles (scrolling, natural)
    at = page(prompt=ps.ANCHOR_PROMPT)
    assert f"Response D to {ps.ANCHOR_PROMPT}." in texts(at)


def test_junk_list_parameters_are_ignored_with_a_notice(page, store):
    at = page(sort="evil", page="999", section="no_such_section", country="ZZZ")
    assert listed(at) == expected_order(store, "contestedness")[: rp.PAGE_SIZE]
    notice = next(t for t in texts(at) if t.startswith("Ignored link parameters"))
    for part in ("sort=evil", "page=999", "section=no_such_section", "country=ZZZ"):
        assert part in notice


def test_repeated_and_huge_prompt_parameters_are_ignored(page):
    at = page(prompt=[ps.ANCHOR_PROMPT, ps.NOTICE_PROMPT])
    assert len(listed(at)) == rp.PAGE_SIZE and any("prompt (given 2 times)" in t for t in texts(at))
    at = page(prompt="x" * 5000)
    assert len(listed(at)) == rp.PAGE_SIZE and any("prompt (value too long)" in t for t in texts(at))
