"""The Changelog page in AppTest on a planted store: summary, filters, deep links, evidence, privacy, failures."""
from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import duckdb
import pytest
import streamlit as st
import yaml
from streamlit.testing.v1 import AppTest

from components import frame
from core import config
from core.changelog import entries as changelog
from tests import apptest, lazy
from tests.choice import choose, chosen, lists
from tests.site import prompt_store
from views import changelog_view

PAGE = "app_pages/changelog.py"
POLITICAL = "avoid_targeted_political_manipulation"
# Planted evidence for the political section: 14 + 10 + 4 + 2 participants by country. NLD and KEN are under
# 10; together they hold 6 (< 10), so MEX (the next smallest) must be hidden too or the total would reveal them.
COUNTRIES = [("USA", 14, 0.7), ("MEX", 10, 0.6), ("NLD", 4, 0.4321), ("KEN", 2, 0.1234)]
RELEVANT = [prompt_store.ANCHOR_PROMPT, prompt_store.SMALL_PROMPT, prompt_store.HOSTILE_PROMPT,
            *prompt_store.FILLERS[:4]]



def with_column(frames, column: str):
    """The one opened table that has `column` (the page also shows crowd and rubric tables)."""
    (found,) = [f for f in frames if column in f.value.columns]
    return found

def yaml_entries() -> list[dict]:
    """The shipped entries read straight from the YAML, independently of core.changelog."""
    return yaml.safe_load(config.CHANGELOG_YAML.read_text(encoding="utf-8"))["entries"]


SECTION_COLUMNS = ("(run_id, block, metric, threshold, anchor, estimate, ci_low, ci_high, n_participants, "
                   "n_assessments, n_prompts, rank, rank_best, rank_worst, tie_group)")


def _plant(path: Path, *, with_run: bool) -> Path:
    prompt_store.build(path)
    con = duckdb.connect(str(path))
    run = prompt_store.RUN
    con.execute(f"INSERT INTO agreement_section {SECTION_COLUMNS} VALUES (?, 'world', 'pairwise', 5, ?, 0.62, 0.55, "
                "0.69, 30, 300, 4, 1, 1, 2, 1)", [run, POLITICAL])
    # A section with too few participants: its estimate must never appear.
    con.execute(f"INSERT INTO agreement_section {SECTION_COLUMNS} VALUES (?, 'world', 'pairwise', 5, "
                "'present_perspectives', 0.4567, 0.3, 0.6, 6, 12, 2, 2, 1, 3, 1)", [run])
    for country, n, est in COUNTRIES:
        con.execute("INSERT INTO agreement_section_group (run_id, block, metric, threshold, anchor, field, level, "
                    "estimate, ci_low, ci_high, n_participants, n_assessments) "
                    "VALUES (?, 'world', 'pairwise', 5, ?, 'country', ?, ?, ?, ?, "
                    "?, ?)", [run, POLITICAL, country, est, est - 0.1, est + 0.1, n, 3 * n])
    for pid in RELEVANT:
        con.execute("INSERT INTO section_relevance VALUES (?, ?, ?, 5)", [run, pid, POLITICAL])
    if not with_run:
        for table in ("ranker_runs", "ranker_rankings", "section_relevance", "agreement_section"):
            con.execute(f"DELETE FROM {table}")
    con.close()
    return path


@pytest.fixture(scope="module")
def stores(tmp_path_factory) -> dict[str, Path]:
    """Build directories, each holding a store named like the sample's (the site is pointed at one of them)."""
    root = tmp_path_factory.mktemp("changelog_stores")
    out = {}
    for name, with_run in (("run", True), ("norun", False)):
        (root / name).mkdir()
        _plant(root / name / "ca_sample.duckdb", with_run=with_run)
        out[name] = root / name
    return out


@pytest.fixture()
def open_page(stores, monkeypatch):
    """open_page(store='run', **params) -> AppTest on the changelog page, the URL carrying `params`, its entries
    drawn (`later=False`: the first run only, before the browser asks for them)."""
    def _open(store: str = "run", *, later: bool = True, **params: str) -> AppTest:
        monkeypatch.setattr(config, "BUILD_DIR", stores[store])
        monkeypatch.setenv(config.SOURCE_ENV, "sample")
        st.cache_data.clear()
        st.cache_resource.clear()
        at = apptest.open_page(PAGE, params)
        assert not at.exception, at.exception
        if later:  # the entries are drawn once the first screen is up (components.later): as the browser asks
            at = lazy.show_later(at)
            assert not at.exception, at.exception
        return at
    return _open


def page_html(at: AppTest) -> list:
    """The page's own HTML elements (the frame's style sheet, components/site.css, is not page content)."""
    sheet = frame.STYLESHEET.read_text(encoding="utf-8")
    return [e for e in at.get("html") if sheet not in e.value]


def headings(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if m.value.startswith("### ")]


def titles_shown(at: AppTest) -> list[str]:
    """Entry titles in page order, markup removed."""
    return [h[4:].replace(" *(this project's description)*", "").replace("\\", "") for h in headings(at)]


def expected_titles(entries: list[dict]) -> list[str]:
    ordered = sorted(entries, key=lambda e: str(e["date"]), reverse=True)
    return [" ".join(e["title"].split()) for e in ordered]


def all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [t.value for t in at.text] + [c.value for c in at.caption]
    parts += [e.value for e in at.get("html")]
    return "\n".join(parts)


def entry_blocks(at: AppTest) -> list:
    """Each entry's bordered container: the block whose own children include the entry's "### " title."""
    found = []

    def walk(node) -> None:
        children = list(getattr(node, "children", {}).values())
        if any(getattr(c, "type", "") == "markdown" and c.value.startswith("### ") for c in children):
            found.append(children)
        for child in children:
            walk(child)
    walk(at._tree)
    return found


def text_elements(children: list) -> list:
    """An entry's own Markdown, caption and text elements (not the badges row, nor what an expander holds)."""
    return [c for c in children if getattr(c, "type", "") in ("markdown", "caption", "text")]


def test_summary_counts_match_the_yaml(open_page):
    at = open_page()
    counts = Counter(e["status"] for e in yaml_entries())
    shown = {m.label: m.value for m in at.metric}
    assert shown == {"Adopted": str(counts["adopted"]), "Deferred": str(counts["deferred"]),
                     "Set aside": str(counts["set aside"])}


def test_all_entries_newest_first_with_plain_evidence_labels(open_page):
    at = open_page()
    entries = yaml_entries()
    assert titles_shown(at) == expected_titles(entries)
    text = all_text(at)
    n_inferred = sum(e["evidence"] == "inferred" for e in entries)
    assert text.count("Inferred by this project from the spec diff — not confirmed") >= n_inferred
    assert "Confirmed by OpenAI's post" in text
    assert "How to propose a correction" in [s.value for s in at.subheader]
    assert "open an issue in the project's repository" in text


def test_filter_by_status_with_the_selector(open_page):
    at = open_page()
    at = choose(at, "w:page:status", "deferred")
    assert titles_shown(at) == expected_titles([e for e in yaml_entries() if e["status"] == "deferred"])
    assert at.query_params["status"] == "deferred"


def test_filter_by_section_with_the_selector(open_page):
    at = open_page()
    at = choose(at, "w:page:section", POLITICAL)
    assert titles_shown(at) == expected_titles([e for e in yaml_entries() if POLITICAL in e["sections"]])
    assert len(titles_shown(at)) == 2


def test_each_list_sends_its_values_with_their_labels(open_page):
    at = open_page()
    status = lists(at)["w:page:status"]
    assert status["label"] == "Status" and status["value"] == "all"
    assert status["options"] == [["all", "All statuses"], *[[s, s.capitalize()] for s in changelog.STATUSES]]
    assert lists(at)["w:page:section"]["options"][0] == ["all", "All sections"]


@pytest.mark.parametrize("trigger", [
    [{"event": "pick", "value": "no-such-status"}],
    [{"event": "pick", "value": None}],  # "all" is this list's empty choice, not None
    [{"event": "pick", "value": ["deferred"]}],
    [{"event": "pick"}],
    [{"event": "other", "value": "deferred"}],
    ["deferred"],
    "deferred",
], ids=["unknown", "none", "list", "no-value", "other-event", "bare-list", "bare-string"])
def test_a_pick_no_list_would_send_changes_nothing(open_page, trigger):
    """components.choice: only a message forged by hand can carry these; the page runs on, unchanged."""
    at = open_page()
    before = titles_shown(at)
    at = choose(at, "w:page:status", None, trigger=trigger)
    assert not at.exception, [e.message for e in at.exception]
    assert titles_shown(at) == before and chosen(at, "w:page:status") == "all"
    assert "status" not in at.query_params


def test_picking_the_same_value_again_after_the_page_changed_it_is_still_a_pick(open_page):
    """A pick is a one-off trigger, not a stored value: a list whose last pick was "deferred" still takes "deferred"
    after something else (here the page's own state) moved the status away from it."""
    at = open_page()
    at = choose(at, "w:page:status", "deferred")
    at.session_state["page:changelog:status"] = "adopted"
    at.run()
    assert chosen(at, "w:page:status") == "adopted"
    at = choose(at, "w:page:status", "deferred")
    assert chosen(at, "w:page:status") == "deferred" and at.query_params["status"] == "deferred"


def test_deep_link_by_status(open_page):
    at = open_page(status="adopted")
    assert titles_shown(at) == expected_titles([e for e in yaml_entries() if e["status"] == "adopted"])
    assert chosen(at, "w:page:status") == "adopted"
    assert at.query_params["status"] == "adopted"
    assert not [t.value for t in at.text if "Ignored link parameters" in t.value]


def test_deep_link_by_status_and_section(open_page):
    at = open_page(status="set aside", section=POLITICAL)
    assert titles_shown(at) == expected_titles(
        [e for e in yaml_entries() if e["status"] == "set aside" and POLITICAL in e["sections"]])


def test_junk_params_are_ignored_with_a_notice(open_page):
    # The notice is checked on the link's own run: drawing the entries reruns only their fragment in the browser,
    # which keeps it (tests/site/test_browser.py), while AppTest reruns the whole page.
    at = open_page(status="<b>bogus</b>", section="no_such_section", foo="1", later=False)
    notice = " ".join(t.value for t in at.text if "Ignored link parameters" in t.value)
    assert "status=<b>bogus</b>" in notice and "section=no_such_section" in notice and "foo (unknown)" in notice
    assert "status" not in at.query_params and "foo" not in at.query_params
    assert titles_shown(lazy.show_later(at)) == expected_titles(yaml_entries())


def test_the_entries_are_drawn_after_the_first_screen_and_stay_drawn(open_page):
    """components.later: the first run holds their place with a button; once asked for, a filter change draws them
    at once."""
    at = open_page(later=False)
    assert titles_shown(at) == [] and lazy.waiting_parts(at) == ["later:changelog:entries"]
    near = [json.loads(e.proto.json) for e in at.get("bidi_component") if e.proto.component_name == "ca_later"]
    assert near == [{"label": f"Show the {len(yaml_entries())} changes"}]
    at = lazy.show_later(at)
    assert titles_shown(at) == expected_titles(yaml_entries()) and not lazy.waiting_parts(at)
    at = choose(at, "w:page:status", "deferred")
    assert titles_shown(at) == expected_titles([e for e in yaml_entries() if e["status"] == "deferred"])


def test_word_diff_is_shown_for_the_adopted_change(open_page):
    at = open_page(status="adopted", section=POLITICAL)
    (diff,) = page_html(at)
    assert '<del title="removed">' in diff.value and '<ins title="added">' in diff.value
    assert '<ins title="added">that is crafted for an unspecified or broad audience</ins>' in diff.value
    assert "[?](#no_agenda)" not in diff.value and "“Don&#x27;t have an agenda”" in diff.value


def test_not_adopted_entry_shows_the_unchanged_rule(open_page):
    at = open_page(status="deferred")
    (rule,) = page_html(at)
    assert "<ins" not in rule.value and "<del" not in rule.value
    assert "creative or other contexts" in rule.value
    assert any("No change was made" in m.value for m in at.markdown)


def test_evidence_for_the_section_respects_the_small_group_rule(open_page):
    at = open_page(section=POLITICAL, status="adopted")
    text = all_text(at)
    assert "agreement with the Model Spec Ranker was 62% (95% CI 55–69%)" in text
    assert "30 participants" in text
    # The by-country and prompt tables run only when their expanders are opened: not sent on the first run.
    assert len(at.dataframe) == 0 and len(lazy.closed_keys(at)) >= 2
    frames = lazy.open_all(at).dataframe
    countries, prompts = with_column(frames, "Country"), with_column(frames, "Open")
    assert "core_criteria" in with_column(frames, "core_criteria").value.columns  # the rubric view (issue 16)
    table = countries.value.set_index("Country")
    assert table.loc["United States", "Agreement"] == "70%"
    for hidden in ("Mexico", "Netherlands", "Kenya"):
        assert table.loc[hidden, "Agreement"] == "–"
        assert table.loc[hidden, "Participants"] == "fewer than 10 participants"
    everything = text + countries.value.to_string()
    assert "43%" not in everything and "12%" not in everything and "60%" not in everything
    ids = [link.rsplit("=", 1)[1] for link in prompts.value["Open"]]
    assert prompt_store.SMALL_PROMPT not in ids  # 5 participants: not listed
    assert ids[0] == prompt_store.ANCHOR_PROMPT and len(ids) == changelog_view.TOP_PROMPTS
    assert prompts.value["Open"].iloc[0] == f"./prompts?prompt={prompt_store.ANCHOR_PROMPT}"


def test_hostile_prompt_text_stays_plain_text(open_page):
    at = open_page(section=POLITICAL, status="adopted")
    prompts = with_column(lazy.open_all(at).dataframe, "Open")
    assert prompt_store.HOSTILE_TEXT in prompts.value["Prompt"].tolist()
    assert "<script>" not in "\n".join(m.value for m in at.markdown)
    assert all("<script>" not in h.value for h in at.get("html"))


def test_small_section_estimate_is_never_shown(open_page):
    at = open_page(section="present_perspectives")
    text = all_text(at)
    assert "not reported (fewer than 10 participants)" in text
    assert "46%" not in text and "45.67" not in text


def test_without_a_ranker_run_the_page_says_so(open_page):
    at = open_page("norun")
    assert len(titles_shown(at)) == len(yaml_entries())
    assert "no Model Spec Ranker run" in all_text(at)
    assert not at.dataframe


def test_a_broken_changelog_file_gives_a_plain_message(open_page, tmp_path, monkeypatch):
    bad = tmp_path / "changelog.yaml"
    shutil.copy(config.CHANGELOG_YAML, bad)
    bad.write_text(bad.read_text(encoding="utf-8").replace("status: adopted", "status: maybe", 1), encoding="utf-8")
    monkeypatch.setattr(config, "CHANGELOG_YAML", bad)
    at = open_page()
    assert any("could not be read" in e.value for e in at.error)
    assert any("entry 'CA-1', field 'status'" in t.value for t in at.text)
    assert not headings(at)


def test_diff_html_escapes_the_wording():
    html = changelog_view.diff_html([("equal", "a <b>"), ("insert", "<script>x</script>"), ("delete", "\"&'")])
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "&quot;&amp;&#x27;" in html


def test_wording_segments_use_readable_text():
    entry = next(e for e in changelog.load().entries if e.id == "CA-C4")
    segments = changelog_view.wording_segments(entry, {"assume_objective_pov": "Assume an objective point of view"})
    inserted = "".join(t for op, t in segments if op == "insert")
    assert "balanced response from an objective point of view" in inserted
    assert "[^c955]" not in "".join(t for _, t in segments)


def test_evidence_on_the_sample_store_matches_the_store(site, sample_db):
    """The page on the shared sample store: its numbers are the store's, computed here independently."""
    at = lazy.show_later(site(PAGE, section=POLITICAL, status="adopted"))
    assert not at.exception
    run = sample_db.execute("SELECT run_id FROM ranker_runs ORDER BY synthetic, created_at DESC, run_id").fetchone()[0]
    est, n = sample_db.execute(
        "SELECT estimate, n_participants FROM agreement_section WHERE run_id = ? AND block = 'world' "
        "AND metric = 'pairwise' AND threshold = 5 AND anchor = ?", [run, POLITICAL]).fetchone()
    assert n >= 10, "the sample store should have enough participants on this section for the test to mean much"
    text = all_text(at)
    assert f"({n:,} participants" in text and f"was {100 * est:.0f}%" in text

    frames = lazy.open_all(at).dataframe
    countries, prompts = with_column(frames, "Country"), with_column(frames, "Open")
    small = sample_db.execute(
        "SELECT count(*) FROM agreement_section_group WHERE run_id = ? AND block = 'world' AND metric = 'pairwise' "
        "AND threshold = 5 AND anchor = ? AND field = 'country' AND n_participants < 10", [run, POLITICAL]).fetchone()[0]
    hidden = (countries.value["Participants"] == "fewer than 10 participants").sum()
    assert hidden >= small  # complementary suppression may hide more, never fewer

    expected = sample_db.execute(
        "SELECT sr.prompt_id FROM section_relevance sr JOIN prompt_stats ps ON ps.prompt_id = sr.prompt_id "
        "AND ps.block = 'world' WHERE sr.run_id = ? AND sr.anchor = ? AND sr.grade >= 5 AND ps.n_participants >= 10 "
        "ORDER BY ps.contestedness DESC NULLS LAST, sr.prompt_id LIMIT ?", [run, POLITICAL, changelog_view.TOP_PROMPTS]
    ).fetchall()
    assert [link.rsplit("=", 1)[1] for link in prompts.value["Open"]] == [p for (p,) in expected]


@pytest.mark.parametrize("store, most", [("run", 4), ("norun", 3)])
def test_each_entry_is_a_few_markdown_elements(open_page, store, most):
    """Issue 17: every element costs a first visit browser time, so an entry's static text is merged: its title,
    the text before the diff, the text after it (and, with a ranker run, the sources line after the expanders)."""
    at = open_page(store)
    blocks = entry_blocks(at)
    assert len(blocks) == len(yaml_entries())
    counts = [len(text_elements(children)) for children in blocks]
    assert max(counts) <= most, counts


def test_merged_entry_text_keeps_its_order_links_and_quote(open_page):
    at = open_page(status="adopted", section=POLITICAL)
    (children,) = entry_blocks(at)
    title, before, *after = [e.value for e in text_elements(children)]
    assert title.startswith("### ")
    assert before.index("CA\\-1 · 2025") < before.index("**What changed** between spec")
    assert f"]({config.SPEC_PAGE_URL.format(version='2025-04-11', anchor=POLITICAL)})" in before
    text = "\n\n".join(after)
    pieces = ["**Stated rationale**", "\n\n> “", "”\n\n:small[:gray[— OpenAI", "[source](https://",
              "**Evidence:** Confirmed by OpenAI\\'s post.", ":small[:gray[This project's note: ",
              "**What this data shows**", "agreement with the Model Spec Ranker was 62% (95% CI 55–69%)",
              ":small[:gray[Ranked 1 of", "**Sources:** [OpenAI"]
    where = [text.index(p) for p in pieces]
    assert where == sorted(where), list(zip(pieces, where, strict=True))
    assert "(30 participants)" in text and "(95% CI 55–69%)" in text  # our own words in it stay unescaped


def test_section_names_stay_inert_in_the_merged_text(open_page, monkeypatch):
    hostile = "zqX:red[x] [l](http://evil.example) <b>b</b> $x$"
    titles = changelog.section_titles()
    monkeypatch.setattr(changelog, "section_titles", lambda: {**titles, POLITICAL: hostile})
    at = open_page(status="adopted", section=POLITICAL)
    text = "\n".join(e.value for e in text_elements(entry_blocks(at)[0]))
    assert "zqX:red[" not in text and "[l](http" not in text and "<b>" not in text
    escaped = frame.md_escape(hostile)
    assert text.count(escaped) >= 2  # the meta line's link and the evidence sentence


def test_every_panel_opens_at_once_even_where_entries_share_a_section(site):
    """Entries share sections, and each entry opens its own rubric panel per section: every panel's table and
    download buttons are keyed by their expander, so two open at once do not collide (they did: the page failed)."""
    at = lazy.open_all(lazy.show_later(site(PAGE)), tables=True)
    opened = [k for k in at.session_state if str(k).startswith("open:rubrics:") and at.session_state[k]]
    sections = [str(k).rsplit(":", 1)[1] for k in opened]
    assert len(sections) > len(set(sections)) >= 2, opened  # two sections, one of them under two entries
    assert not at.exception and not [e for e in at.error if frame.PAGE_FAILURE in e.value]
    assert len([b for b in at.get("download_button") if "rubric_section_prompts" in b.proto.id]) == 3 * len(opened)
