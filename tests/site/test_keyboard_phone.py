"""Keyboard and phone checks in Chromium: Tab stops before Rank it yourself, chart toolbars, legends against axis
titles at 390 px, the phone menu's label and the top navigation's focus ring. One server, few page loads."""
from __future__ import annotations

import pytest

from tests.site.chromium import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]
FOOTER = "Figures from fewer than 10 participants are not reported"
PHONE, DESKTOP = (390, 844), (1280, 900)
# Measured on the sample store's busiest prompt: 18 presses at 1280 px, 19 at 390 px (skip link, 7 navigation
# links, menu, page, filters, back button, heading links). Issue 15 counted 96 when the charts came first.
MAX_TABS_TO_RANK_IT = 30

# Each drawn chart: the boxes of its legend, axis titles and toolbar, in viewport pixels (null when not drawn).
GEOMETRY_JS = """() => [...document.querySelectorAll('.ca-plotly')].map(chart => {
  const box = e => { if (!e) return null; const r = e.getBoundingClientRect();
                     return r.width && r.height ? [r.left, r.top, r.right, r.bottom] : null; };
  const key = chart.closest('[class*="st-key-fig"]');
  return {name: key ? key.className.match(/st-key-fig\\S*/)[0] : '?', chart: box(chart),
          legend: box(chart.querySelector('.legend .bg') || chart.querySelector('.legend')),
          titles: [...chart.querySelectorAll('.xtitle, .ytitle')].map(box).filter(Boolean),
          toolbar: box(chart.querySelector('.modebar')),
          buttons: chart.querySelectorAll('.modebar button, .modebar a[href]').length};
})"""
ACTIVE_JS = """() => { const a = document.activeElement; const r = a.getBoundingClientRect(); const s = getComputedStyle(a);
  return {testid: a.dataset.testid || '', label: a.getAttribute('aria-label') || a.innerText.slice(0, 40),
          ry: !!a.closest('[class*="st-key-ry"]'), toolbar: !!a.closest('.modebar'),
          box: [r.left, r.top, r.right, r.bottom], outline: [s.outlineStyle, parseFloat(s.outlineWidth)]}; }"""


def overlap(a, b) -> bool:
    return bool(a and b) and a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.fixture(scope="module")
def busiest_prompt(sample_build_dir) -> str:
    import duckdb

    con = duckdb.connect(str(sample_build_dir / "ca_sample.duckdb"), read_only=True)
    try:
        return con.execute("SELECT prompt_id FROM prompts ORDER BY n_participants DESC, prompt_id LIMIT 1").fetchone()[0]
    finally:
        con.close()


def open_page(browser, base: str, url_path: str, size: tuple[int, int], charts: bool = True):
    context = browser.new_context(viewport={"width": size[0], "height": size[1]})
    page = context.new_page()
    page.goto(f"{base}/{url_path}", wait_until="domcontentloaded", timeout=120_000)
    page.get_by_text(FOOTER, exact=False).wait_for(timeout=120_000)
    if charts:  # every chart on the page drawn by the site's bundle
        page.wait_for_function("""() => { const c = document.querySelectorAll('.ca-plotly');
            return c.length && [...c].every(e => e.dataset.drawn === 'true'); }""", timeout=60_000)
    page.wait_for_timeout(500)
    return context, page


def tab_until(page, done: str, limit: int) -> list[dict]:
    """Press Tab from the top of the page until `done` (a key of ACTIVE_JS's answer) is true; every stop."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stops.append(page.evaluate(ACTIVE_JS))
        if stops[-1][done]:
            break
    return stops


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_rank_it_yourself_is_a_few_tab_presses_from_the_top(server, browser, busiest_prompt, size):
    context, page = open_page(browser, server, f"prompts?prompt={busiest_prompt}", size)
    try:
        stops = tab_until(page, "ry", MAX_TABS_TO_RANK_IT + 1)
        assert stops[-1]["ry"], f"not reached in {len(stops)} presses: {[s['label'] for s in stops[-8:]]}"
        assert len(stops) <= MAX_TABS_TO_RANK_IT
        # Every stop on the way is on screen (no hidden navigation links taking focus) ...
        offscreen = [s["label"] for s in stops if s["box"][2] <= 0 or s["box"][0] >= size[0]]
        assert not offscreen, offscreen
        # ... and each chart's toolbar is one button (PNG download), not a row of Tab stops.
        charts = page.evaluate(GEOMETRY_JS)
        assert len(charts) >= 5 and all(c["buttons"] <= 1 for c in charts), [(c["name"], c["buttons"]) for c in charts]
    finally:
        context.close()


def test_legends_titles_and_toolbars_keep_clear_on_a_phone(server, browser, busiest_prompt):
    """At 390 px on every page with a legend: no legend covers an axis title, no axis title runs out of its
    chart, and a chart scrolled under the header is drawn beneath it (the header, with the menu, stays on top)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems, legends = [], 0
    for url_path in ("sections", "people", f"prompts?prompt={busiest_prompt}"):
        context, page = open_page(browser, server, url_path, PHONE)
        try:
            for chart in [c for c in page.evaluate(GEOMETRY_JS) if c["chart"]]:  # not in a hidden tab
                legends += chart["legend"] is not None
                where = f"{url_path.split('?')[0]} {chart['name']}"
                problems += [f"{where}: legend over an axis title" for t in chart["titles"]
                             if overlap(chart["legend"], t)]
                left, right = chart["chart"][0] - 1, chart["chart"][2] + 1
                problems += [f"{where}: axis title cut off {t}" for t in chart["titles"] if t[0] < left or t[2] > right]
            if url_path == "people":
                page.screenshot(path=str(ARTIFACTS / "keyboard_phone_people_390.png"))
                # Scroll the first chart up under the header and look at what is drawn at its toolbar button.
                page.evaluate("""() => { const c = document.querySelector('.ca-plotly');
                    const main = document.querySelector('[data-testid=stMain]');
                    const header = document.querySelector('[data-testid=stHeader]').getBoundingClientRect();
                    main.scrollBy(0, c.getBoundingClientRect().top - header.bottom / 2); }""")
                page.wait_for_timeout(300)
                on_top = page.evaluate("""() => { const b = document.querySelector('.ca-plotly .modebar-btn');
                    const header = document.querySelector('[data-testid=stHeader]').getBoundingClientRect();
                    const r = b.getBoundingClientRect(); const y = (r.top + r.bottom) / 2;
                    if (y > header.bottom) return 'below the header';
                    return document.elementFromPoint((r.left + r.right) / 2, y)?.closest('.modebar') ? 'toolbar' : 'header'; }""")
                assert on_top in ("header", "below the header"), "the chart toolbar is drawn over the header"
        finally:
            context.close()
    assert legends >= 3, "the pages drew fewer legends than expected: the check would be vacuous"
    assert not problems, problems


def test_phone_menu_is_labelled_and_opens_by_keyboard(server, browser):
    """At 390 px Streamlit 1.67 puts the top navigation in a sidebar opened by its own button, labelled
    "Expand sidebar" by Streamlit (not changeable from the app, see docs/site.md). While closed, its links take no
    Tab stop (components/site.css); opened with Enter, they are on screen and reached by keyboard. Streamlit then
    removes the button without moving focus into the sidebar, whose links come before the header in the page: they
    are reached with Shift+Tab (recorded in docs/site.md as Streamlit's own behaviour)."""
    context, page = open_page(browser, server, "methodology", PHONE, charts=False)
    try:
        toggle = page.locator("[data-testid=stExpandSidebarButton]")
        assert (toggle.get_attribute("aria-label") or "").strip()
        assert toggle.get_attribute("aria-controls") == "stSidebar"
        stops = tab_until(page, "ry", 2)  # the skip link, then the menu button: no hidden link in between
        assert [s["testid"] for s in stops] == ["stSkipToContent", "stExpandSidebarButton"]
        page.keyboard.press("Enter")
        link = page.locator("[data-testid=stSidebarNavLink]").first
        link.wait_for(state="visible", timeout=10_000)
        page.wait_for_timeout(500)  # the sidebar slides in
        for _ in range(3):
            page.keyboard.press("Shift+Tab")
            active = page.evaluate(ACTIVE_JS)
            if active["testid"] == "stSidebarNavLink":
                break
        assert active["testid"] == "stSidebarNavLink" and active["box"][0] >= 0, active
        page.screenshot(path=str(ARTIFACTS / "keyboard_phone_menu_390.png"))
    finally:
        context.close()


def test_top_navigation_shows_a_focus_ring(server, browser):
    context, page = open_page(browser, server, "methodology", DESKTOP, charts=False)
    try:
        stops = tab_until(page, "ry", 2)
        link = stops[-1]
        assert link["testid"] == "stTopNavLink", stops
        style, width = link["outline"]
        assert style == "solid" and width >= 2, link
    finally:
        context.close()
