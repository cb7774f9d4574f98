"""A store with no ranker run, served by `streamlit run`: every page shows the crowd's findings with 95% CIs."""
from __future__ import annotations

import shutil

import pytest

from components import frame, nav
from core import config
from tests import figures
from tests.site.chromium import ARTIFACTS, VIEWPORTS
from tests.trust.support import build_store, streamlit_server

pytestmark = [pytest.mark.browser, pytest.mark.slow]
# Pages whose content comes from the release alone: each must draw at least one chart with 95% interval bars.
FIGURE_PAGES = ("", "sections", "people", "prompts", "changelog")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("no_run")
    source, build_dir = root / "release", root / "build"
    shutil.copytree(config.SAMPLE_DIR, source, ignore=shutil.ignore_patterns("rankers"))
    build_dir.mkdir()
    db = build_store(source, build_dir)
    import duckdb

    with duckdb.connect(str(db), read_only=True) as con:
        assert con.execute("SELECT count(*) FROM ranker_runs").fetchone()[0] == 0
    with streamlit_server(source, build_dir) as url:
        yield url


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("page_spec", nav.PAGES, ids=[p.url_path or "overview" for p in nav.PAGES])
def test_every_page_without_a_run_shows_crowd_findings(server, browser, page_spec, viewport):
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{server}/{page_spec.url_path}", wait_until="domcontentloaded")
    page.locator("h1").first.wait_for(timeout=60_000)
    page.get_by_text("Figures from fewer than 10 participants are not reported").wait_for(timeout=60_000)
    if page_spec.url_path in FIGURE_PAGES:
        chart = page.locator(figures.DRAWN).first
        chart.wait_for(timeout=45_000)
        chart.scroll_into_view_if_needed()
        # Plotly draws error bars as `g.errorbar` groups: the figure carries its intervals, not dots alone.
        page.wait_for_function(f"document.querySelectorAll('{figures.DRAWN} g.errorbar').length > 0", timeout=30_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(800)
    body = page.locator("[data-testid='stMain']").first.inner_text()
    assert page.locator("[data-testid='stException']").count() == 0
    assert frame.PAGE_FAILURE not in body
    assert "Synthetic sample — not real results" in body
    if page_spec.url_path in FIGURE_PAGES:
        assert "95% CI" in body
        assert "no Model Spec Ranker run yet" not in body  # the old empty-page notice is gone
    if page_spec.url_path in ("", "sections", "people", "changelog"):
        assert body.count("docs/ranker.md") == 1  # one line on what a run would add
    if page_spec.url_path == "":
        assert "People agree with each other" in body and "Across the " in body
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    full = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": width, "height": min(max(full, height), 12_000)})
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / f"crowd_{page_spec.url_path or 'overview'}_{viewport}.png"))
    context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_opening_a_findings_difference_tab_draws_its_chart_around_zero(server, browser, viewport):
    from components import crowd

    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{server}/people", wait_until="domcontentloaded")
    tab = page.get_by_role("tab", name=crowd.DIFFERENCE_TAB)
    tab.wait_for(timeout=60_000)
    assert page.get_by_text("No difference", exact=True).count() == 0  # not drawn before it is opened
    tab.scroll_into_view_if_needed()
    tab.click()
    # The rerun draws the difference chart: its zero line is labelled, and its intervals are error bars.
    page.locator(f"{figures.DRAWN} text", has_text="No difference").first.wait_for(timeout=45_000)
    assert tab.get_attribute("aria-selected") == "true"
    body = page.locator("[data-testid='stMain']").first.inner_text()
    assert "each group minus everyone else" in body and frame.PAGE_FAILURE not in body
    assert page.locator("[data-testid='stException']").count() == 0
    page.locator(f"{figures.DRAWN}", has_text="No difference").first.screenshot(
        path=str(ARTIFACTS / f"crowd_people_difference_{viewport}.png"))
    context.close()
