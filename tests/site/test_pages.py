"""AppTests of the overview, sections, people and methodology pages on the sample store, with deep and junk links."""
from __future__ import annotations

import shutil

import duckdb
import pandas as pd
import pytest
import streamlit as st

from components import crowd, frame, labels, nav
from core import config, privacy
from core.reads import figures
from tests import figures as drawn
from tests import lazy, markdown_tables
from tests.choice import choose

MINE = ("app_pages/overview.py", "app_pages/sections.py", "app_pages/people.py", "app_pages/methodology.py")


def texts(at) -> list[str]:
    out: list[str] = []
    for kind in ("title", "header", "subheader", "markdown", "text", "caption", "code", "error", "warning", "info"):
        out.extend(str(e.value) for e in getattr(at, kind))
    return out


def healthy(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert frame.PAGE_FAILURE not in [e.value for e in at.error]


def notice(at) -> str:
    return next((t for t in texts(at) if t.startswith("Ignored link parameters")), "")


def drawn_keys(at) -> set[str]:
    """Keys of the elements drawn inside tabs (a chart's component is keyed "fig:<name>")."""
    return {str(getattr(e, "key", "")) for tab in at.tabs for e in tab.children.values()}


def default_run(db) -> str:
    sql = "SELECT run_id FROM ranker_runs ORDER BY synthetic, created_at DESC, run_id LIMIT 1"
    return db.execute(sql).fetchone()[0]


def no_small_counts(at) -> None:
    """Every table on the page: participant counts are absent or at least the minimum."""
    for table in at.dataframe:
        df = table.value
        for col in [c for c in df.columns if c == "n_participants"]:
            values = pd.to_numeric(df[col], errors="coerce").dropna()
            assert (values >= privacy.MIN_PARTICIPANTS).all(), (col, values.min())


def test_the_registry_lists_seven_pages_whose_scripts_exist():
    assert len(nav.PAGES) == 7 and len({p.url_path for p in nav.PAGES}) == 7
    for page in nav.PAGES:
        assert (config.ROOT / page.path).is_file(), page.path
    for path in MINE:  # thin pages
        assert len((config.ROOT / path).read_text().splitlines()) <= 100, path


def test_overview_counts_and_overall_agreement_come_from_the_store(site, sample_db):
    at = site()
    healthy(at)
    assert at.title[0].value == nav.HOME.heading
    assert any("Synthetic sample — not real results" in e.value for e in at.error)
    metrics = {m.label: m.value for m in at.metric}
    people, prompts, assessments = sample_db.execute(
        "SELECT (SELECT count(*) FROM annotators), (SELECT count(*) FROM prompts), (SELECT count(*) FROM assessments)"
    ).fetchone()
    assert metrics["Participants"] == f"{people:,}" and metrics["Prompts"] == f"{prompts:,}"
    assert metrics["Assessments"] == f"{assessments:,}"
    est, lo, hi, n = sample_db.execute(
        "SELECT estimate, ci_low, ci_high, n_participants FROM agreement_overall "
        "WHERE run_id = ? AND block = 'world' AND metric = 'pairwise'", [default_run(sample_db)]).fetchone()
    assert metrics["Agreement with the Model Spec Ranker"] == privacy.pct(est)
    # The copyable quote runs only when opened; the sentence itself is on the page from the start.
    assert not at.code and any(f"{n:,} participants" in t.value for t in at.text)
    quote = lazy.open_all(at).code[0].value
    assert f"{n:,} participants" in quote and privacy.ci_text(lo, hi) in quote and "NOT REAL DATA" in quote


def test_overview_names_the_highest_section_from_the_data(site, sample_db):
    at = site()
    top = sample_db.execute(
        "SELECT a.anchor FROM agreement_section a WHERE run_id = ? AND block = 'world' AND metric = 'pairwise' "
        "AND threshold = 5 AND n_participants >= 10 ORDER BY estimate DESC LIMIT 1", [default_run(sample_db)]
    ).fetchone()[0]
    title = sample_db.execute("SELECT title FROM spec_sections WHERE anchor = ? LIMIT 1", [top]).fetchone()[0]
    highest = [t for t in texts(at) if t.startswith("**Highest agreement")]
    assert highest and frame.md_escape(title) in highest[0]


def sample_db_value(path) -> float:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT estimate FROM crowd_overall WHERE measure = 'agreement' AND block = 'world' "
                           "AND metric = 'pairwise'").fetchone()[0]


def test_overview_without_a_ranker_run_explains_how_to_make_one(site, sample_build_dir, tmp_path, monkeypatch):
    shutil.copy(sample_build_dir / "ca_sample.duckdb", tmp_path / "ca_sample.duckdb")
    con = duckdb.connect(str(tmp_path / "ca_sample.duckdb"))
    con.execute("DELETE FROM ranker_runs")
    con.close()
    monkeypatch.setattr(config, "BUILD_DIR", tmp_path)
    st.cache_data.clear()
    at = site()
    healthy(at)
    # One line says what a run would add; the crowd's own findings lead the page instead of a notice.
    assert sum("docs/ranker.md" in m.value for m in at.markdown) == 1 and not at.warning
    assert "Agreement with the Model Spec Ranker" not in {m.label for m in at.metric}
    headline = next(m for m in at.metric if m.label == "People agree with each other")
    stored = sample_db_value(tmp_path / "ca_sample.duckdb")
    assert headline.value == f"{100 * stored:.0f}%"
    assert any(m.value.startswith("Across the ") and "countries" in m.value for m in at.markdown)


def test_sections_deep_link_opens_the_section_with_its_quote(site, sample_db):
    run = default_run(sample_db)
    anchor, title, n, est = sample_db.execute(
        "SELECT a.anchor, s.title, a.n_participants, a.estimate FROM agreement_section a "
        "JOIN spec_sections s USING (anchor) WHERE run_id = ? AND block = 'world' AND metric = 'pairwise' "
        "AND threshold = 4 AND n_participants >= 10 ORDER BY n_participants DESC, anchor LIMIT 1", [run]).fetchone()
    at = site("app_pages/sections.py", section=anchor, threshold="4")
    healthy(at)
    assert not notice(at)
    assert frame.md_escape(title) in [s.value for s in at.subheader]
    sentence = next(t.value for t in at.text if t.value.startswith("Section '"))
    assert f"{n:,} participants" in sentence and privacy.pct(est) in sentence
    lazy.open_all(at, tables=True)
    assert f"section={anchor}" in at.code[0].value and "threshold=4" in at.code[0].value
    assert at.query_params["section"] == anchor and at.query_params["threshold"] == "4"
    no_small_counts(at)


def test_sections_junk_parameters_are_listed_and_ignored(site):
    at = site("app_pages/sections.py", foo="1", block="sideways", run=["a", "b"], threshold="9" * 5000,
              section="no_such_section", group="country:ATLANTIS")
    healthy(at)
    assert at.title[0].value == "Agreement by spec section"
    listed = notice(at)
    for expected in ("foo (unknown)", "block=sideways", "run (given 2 times)", "threshold (value too long)",
                     "section=no_such_section", "group=country:ATLANTIS"):
        assert expected in listed
    assert "foo" not in at.query_params and "block" not in at.query_params
    assert not [d for d in at.dataframe if "n_participants" in d.value.columns]  # behind its Table tab


def test_the_junk_parameter_notice_survives_opening_a_table_tab(site):
    """Opening a Table tab reruns the page with the URL the site wrote: the notice about the visitor's link stays
    (the tab's callback, as a browser's tab switch sends it); a filter change afterwards is new input and drops it."""
    at = site("app_pages/sections.py", foo="1", block="sideways")
    listed = notice(at)
    assert "foo (unknown)" in listed and "block=sideways" in listed
    lazy.switch_tab(at, "tabs:sections")
    healthy(at)
    assert notice(at) == listed
    assert [d for d in at.dataframe if "n_participants" in d.value.columns]  # the table the tab opened
    assert "fig:sections" not in drawn_keys(at)  # and the hidden chart is not drawn
    lazy.switch_tab(at, "tabs:sections", "Chart")
    assert notice(at) == listed and "fig:sections" in drawn_keys(at)
    assert not [d for d in at.dataframe if "n_participants" in d.value.columns]
    choose(at, "w:block", "personal")
    healthy(at)
    assert not notice(at)


def test_the_junk_parameter_notice_survives_opening_a_lazy_expander(site):
    """A lazy expander reruns the page when opened (frame.lazy_expander): the notice about the visitor's link stays,
    and the expander's content is drawn."""
    at = site("app_pages/downloads.py", foo="1")
    listed = notice(at)
    assert "foo (unknown)" in listed
    assert not [c for c in at.code if "@misc" in c.value]  # the citations are not drawn until asked for
    lazy.open_all(at)
    healthy(at)
    assert notice(at) == listed
    assert [c for c in at.code if "@misc" in c.value or "@dataset" in c.value]


def test_a_small_group_filter_shows_no_small_values(site, sample_db):
    small = sample_db.execute("SELECT country FROM annotators WHERE country IS NOT NULL GROUP BY country "
                              "HAVING count(*) < 10 ORDER BY country LIMIT 1").fetchone()
    if small is None:
        pytest.skip("the sample has no small country")
    at = site("app_pages/sections.py", group=f"country:{small[0]}")
    healthy(at)
    assert not notice(at)
    table = lazy.open_tables(at).dataframe[0].value
    assert table["estimate"].isna().all() and table["n_participants"].isna().all()


def test_people_country_view_and_its_quote(site, sample_db):
    run = default_run(sample_db)
    groups = sample_db.execute("SELECT field, level, estimate, ci_low, ci_high, n_participants FROM agreement_group "
                               "WHERE run_id = ? AND block = 'world' AND metric = 'pairwise'", [run]).df()
    shown = privacy.apply(groups, partition_cols=["field"])
    big = shown[(shown["field"] == "country") & ~shown["suppressed"]].sort_values("n_participants").iloc[-1]
    at = site("app_pages/people.py", country=big["level"])
    healthy(at)
    sentence = next(t.value for t in at.text if t.value.startswith("People living in"))
    assert f"{int(big['n_participants']):,} participants" in sentence and privacy.pct(big["estimate"]) in sentence
    everyone = sample_db.execute("SELECT estimate FROM agreement_overall WHERE run_id = ? AND block = 'world' "
                                 "AND metric = 'pairwise'", [run]).fetchone()[0]
    assert f"everyone in the study {privacy.pct(everyone)}" in sentence and "chance level 50%" in sentence
    assert labels.country_name(big["level"]) in sentence and "Measure: pairwise order" in sentence
    quoted = next(c.value for c in lazy.open_all(at, tables=True).code if c.value.startswith("People living in"))
    assert f"country={big['level']}" in quoted
    no_small_counts(at)
    hidden = shown[(shown["field"] == "country") & shown["suppressed"]]
    if not hidden.empty:
        at = site("app_pages/people.py", country=hidden["level"].iloc[0])
        assert f"country={hidden['level'].iloc[0]}" in notice(at)
        assert not any(t.value.startswith("People living in") for t in at.text)


def test_people_participant_counts_follow_the_breakdown_link(site, sample_db):
    counts = figures.demographic_counts(sample_db.cursor())
    shown = privacy.apply(counts, value_cols=[], partition_cols=["field"])
    for field in ("age", "gender"):
        at = site("app_pages/people.py", breakdown=field)
        healthy(at)
        assert not notice(at)
        expected = shown[(shown["field"] == field) & ~shown["suppressed"]]
        # The second table on the page (after the countries): name, n_participants, reliability of this field.
        table = lazy.open_tables(at).dataframe[1].value
        assert list(table.columns) == ["name", "n_participants", "reliability"]
        assert set(table["name"]) == set(shown.loc[shown["field"] == field, "level"])
        drawn = table[~table["n_participants"].isna()]
        assert sorted(drawn["n_participants"].astype(int)) == sorted(expected["n_participants"].astype(int))
        assert any(f"Participants — {labels.FIELDS[field]}" in c.value for c in at.caption)
    at = site("app_pages/people.py", breakdown="shoe_size")
    healthy(at)
    assert "breakdown=shoe_size" in notice(at)
    assert any("Participants — Age" in c.value for c in at.caption)  # the default instead


def test_methodology_sets_published_figures_beside_computed_ones(site, sample_db):
    at = site("app_pages/methodology.py")
    healthy(at)
    headers = [h.value for h in at.header]
    assert {"What the numbers mean", "Small groups", "Ranker runs", "Published figures beside ours",
            "Data quality", "Limitations the study states"} <= set(headers)
    tables = markdown_tables.tables_of(at)
    comparison = next(t for t in tables if "published" in t.columns)
    card = comparison[comparison["source"] == "Dataset card"].set_index("figure")
    assert card.loc["assessments", "published"] == "18,384"
    assert markdown_tables.number(card.loc["assessments", "computed"]) == sample_db.execute(
        "SELECT count(*) FROM assessments").fetchone()[0]
    assert (comparison["note"] != "").all() and (comparison["note"] != "–").all()
    # Computed demographic counts follow the small-group rule like every other page: none below 10 shown.
    levels = comparison[comparison["source"].str.startswith("Blog appendix")]
    computed = pd.Series([markdown_tables.number(c) for c in levels["computed"]], index=levels.index, dtype=float)
    assert (computed.dropna() >= privacy.MIN_PARTICIPANTS).all()
    counts = figures.demographic_counts(sample_db.cursor())
    small = counts[counts["n_participants"] < privacy.MIN_PARTICIPANTS]
    assert not small.empty, "the sample should have small groups for this check to mean much"
    for _, row in small.iterrows():
        match = levels[(levels["source"] == f"Blog appendix: {row['field']}") & (levels["figure"] == row["level"])]
        assert match.empty or ((match["computed"] == "–").all() and match["note"].str.startswith("Not compared").all())
    report = next(t for t in tables if "severity" in t.columns)
    assert len(report) == sample_db.execute("SELECT count(*) FROM build_report").fetchone()[0]


def test_a_corrupt_store_gives_a_plain_message_with_the_rebuild_command(site, tmp_path, monkeypatch):
    (tmp_path / "ca_sample.duckdb").write_bytes(b"not a database" * 100)
    monkeypatch.setattr(config, "BUILD_DIR", tmp_path)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = site("app_pages/sections.py")
    assert not at.exception
    assert any("not available" in e.value for e in at.error)
    assert any("python -m core build" in t.value for t in at.text)


def test_first_visit_without_a_store_builds_it_then_shows_the_page(site, tmp_path, monkeypatch):
    from core.store import child

    real_start = child._start
    calls = []

    def recorded_start(name, path):  # the build runs in a child process (components/data.py)
        calls.append(name)
        return real_start(name, path)

    monkeypatch.setattr(child, "_start", recorded_start)
    monkeypatch.setattr(config, "BUILD_DIR", tmp_path)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = site()
    healthy(at)
    assert calls == ["sample"] and (tmp_path / "ca_sample.duckdb").is_file()
    assert at.title[0].value == nav.HOME.heading and at.metric


def _chart_files(at) -> list[str]:
    return [m["image"]["filename"] for m in drawn.mounts(at) if m.get("image")]


def test_a_findings_difference_tab_is_built_only_when_opened_and_keeps_the_notice(site):
    at = site("app_pages/people.py", foo="1")
    healthy(at)
    listed = notice(at)
    assert "foo (unknown)" in listed
    charts_before = _chart_files(at)
    assert any("crowd_agreement_by_country" in f for f in charts_before)
    assert not any("difference_by" in f for f in charts_before)  # the closed tab is neither built nor sent
    lazy.switch_tab(at, f"{crowd.FINDING_TABS}agreement:country", crowd.DIFFERENCE_TAB)
    healthy(at)
    assert notice(at) == listed
    charts_after = _chart_files(at)
    assert any("crowd_agreement_difference_by_country" in f for f in charts_after)
    assert not any("crowd_agreement_by_country" in f for f in charts_after)
    assert any("each group minus everyone else" in c.value for c in at.caption)


def test_the_site_stylesheet_holds_no_angle_bracket():
    """frame.styles sends components/site.css through st.html, whose sanitiser drops a <style> element whose text
    looks like markup (a "<select>" in a comment once took every rule of the site with it)."""
    assert "<" not in frame.STYLESHEET.read_text(encoding="utf-8")
