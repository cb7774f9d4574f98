"""Figures reach the browser through the site's partial plotly.js (vendor/plotly): every trace type the site builds
is in it, and in Chromium a chart page fetches it once from /app/static (no CDN, not Streamlit's 4.7 MB chunk),
draws bars, a map and error bars at desktop width and on a 390 px phone, and passes axe."""
from __future__ import annotations

import json
import re
from urllib.parse import urlparse

import pytest

from components import plotly_view
from core import config
from tests import figures
from tests.site.chromium import ARTIFACTS, AXE, BLOCKING, FOOTER, axe_violations

VENDOR = config.ROOT / "vendor" / "plotly"
TRACE = re.compile(r"\bgo\.([A-Z]\w*)\(")


def test_the_bundle_holds_every_trace_type_the_site_builds():
    used = {m.lower() for folder in ("components", "views", "app_pages")
            for path in (config.ROOT / folder).rglob("*.py") for m in TRACE.findall(path.read_text())} - {"figure"}
    registered = set(re.findall(r"plotly\.js/lib/(\w+)", (VENDOR / "index.js").read_text()))
    assert used and used <= registered, f"add {sorted(used - registered)} to vendor/plotly/index.js and rebuild"
    version = json.loads((VENDOR / "package.json").read_text())["devDependencies"]["plotly.js"]
    bundle = config.ROOT / plotly_view.BUNDLE.removeprefix("app/")
    assert bundle.is_file() and f"-{version}.min.js" in bundle.name
    assert bundle.read_text()[:200].startswith(f"/*! plotly.js {version}")  # the licence banner
    assert (config.ROOT / "static" / "plotly-LICENSE.txt").is_file()
    assert plotly_view.PLOTLY_CONFIG["topojsonURL"] == "app/static/"


def _drawn(page, selector: str) -> int:
    return page.locator(f"{figures.DRAWN} {selector}").count()


@pytest.mark.browser
@pytest.mark.slow
def test_a_chart_page_loads_the_bundle_once_and_draws_on_desktop_and_phone(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    page.goto(f"{server}/people", wait_until="domcontentloaded")
    page.get_by_text(FOOTER, exact=False).wait_for(timeout=60_000)
    charts = page.locator(figures.DRAWN)
    charts.nth(2).wait_for(timeout=45_000)  # map, participant counts, agreement by group
    page.wait_for_load_state("networkidle")
    assert _drawn(page, "path.choroplethlocation") > 0 and _drawn(page, "g.trace.bars path") > 0
    assert _drawn(page, "g.errorbar") > 0
    assert page.locator("[data-testid='stPlotlyChart']").count() == 0
    for i in range(charts.count()):  # each figure is named by its text summary
        assert charts.nth(i).get_attribute("role") == "figure" and charts.nth(i).get_attribute("aria-label")
    shown = page.locator(f"{figures.DRAWN}:visible")  # charts in a tab not selected have no box
    assert shown.count() >= 3 and all(shown.nth(i).bounding_box()["width"] > 600 for i in range(shown.count()))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "plotly_bundle_people_desktop.png"))
    # A phone: the same charts follow the narrower column (no reload).
    page.set_viewport_size({"width": 390, "height": 844})
    page.wait_for_function(f"[...document.querySelectorAll('{figures.DRAWN} .main-svg')]"
                           ".every(svg => svg.getBoundingClientRect().width <= 390)", timeout=20_000)
    assert all(0 < shown.nth(i).bounding_box()["width"] <= 390 for i in range(shown.count()))
    # Streamlit scrolls inside its main container: grow the viewport to the content for the shot and for axe.
    full = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": 390, "height": min(max(full, 844), 12_000)})
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / "plotly_bundle_people_phone.png"))
    if AXE.is_file():
        blocking = {v["id"]: v["nodes"][:2] for v in axe_violations(page) if v["impact"] in BLOCKING}
        assert not blocking, blocking
    # Another chart page reached from the navigation draws with the bundle the page already holds.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.get_by_role("link", name="Spec sections").first.click()
    page.get_by_role("heading", name="Agreement by spec section").wait_for(timeout=45_000)
    page.locator(f"{figures.DRAWN} g.errorbar").first.wait_for(timeout=45_000)
    plotly = [u for u in urls if "plotly" in u.lower()]
    assert plotly == [f"{server}/{plotly_view.BUNDLE}"], plotly  # once, from /app/static
    assert f"{server}/app/static/world_110m.json" in urls
    assert {urlparse(u).hostname for u in urls} <= {"127.0.0.1", "localhost", None}
    context.close()


CHART_PLACES_JS = """() => [...document.querySelectorAll('.ca-plotly')].map(c => {
  const r = c.getBoundingClientRect();
  return {top: r.top, left: r.left, width: r.width, height: r.height, drawn: !!c.dataset.drawn,
          painted: !!c.dataset.painted, still: c.querySelectorAll('.ca-still svg').length}; })"""
# What the still picture of a map coloured and what plotly.js coloured (the outlines' own grey is no data).
MAP_FILLS_JS = """c => ({still: [...c.querySelectorAll('.ca-still path')].filter(p => p.getAttribute('fill') !== '#F2F2F2').length,
  plotly: c.querySelectorAll('path.choroplethlocation').length})"""
# Row labels, top to bottom as drawn: the still picture's (left of the plot, anchored at their end) and plotly.js's
# y-axis ticks, as text.
TOP_DOWN = ".map(t => [t.getBoundingClientRect().top, t.textContent]).sort((a, b) => a[0] - b[0]).map(p => p[1])"
STILL_LABELS_JS = f"""c => [...c.querySelectorAll('.ca-still text[text-anchor="end"]')]{TOP_DOWN}"""
PLOTLY_LABELS_JS = f"""c => [...c.querySelectorAll('.yaxislayer-above .ytick text')]{TOP_DOWN}"""
# Line segments of the still map longer than half its width: a ring crossing the 180th meridian drawn uncut.
BANDS_JS = """c => { const svg = c.querySelector('.ca-still svg'); const half = svg.getBoundingClientRect().width / 2;
  let bands = 0;
  for (const path of svg.querySelectorAll('path')) for (const ring of path.getAttribute('d').split('M').slice(1)) {
    const xs = ring.replace('Z', '').split('L').map(p => parseFloat(p));
    for (let i = 1; i < xs.length; i++) if (Math.abs(xs[i] - xs[i - 1]) > half) bands++;
  }
  return bands; }"""
REACH_JS = "c => c.dispatchEvent(new PointerEvent('pointerenter'))"  # as a pointer arriving, without scrolling


@pytest.mark.browser
@pytest.mark.slow
def test_a_first_screen_chart_is_a_still_picture_until_the_reader_reaches_for_it(server, browser):
    """A first visit shows the first screen's charts as still pictures drawn from the figure (no plotly.js yet);
    charts further down show nothing until scrolled near. Reaching for a chart swaps in plotly.js's drawing in the
    same box, with the same countries coloured. The later catch-up draw is switched off (window.caChartSettleMs),
    so only the reader can have caused each step."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script("window.caChartSettleMs = 1e9")
    page = context.new_page()
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    try:
        page.goto(f"{server}/people", wait_until="domcontentloaded")
        page.get_by_text(FOOTER, exact=False).wait_for(timeout=60_000)
        page.locator(".ca-plotly[data-painted]").first.wait_for(timeout=45_000)  # the map, in the first screen
        page.wait_for_load_state("networkidle")
        places = page.evaluate(CHART_PLACES_JS)
        near = [p for p in places if p["height"] and p["top"] < 900 + 40]
        later = [p for p in places if p["height"] and p["top"] > 900 + 40]
        assert near and later, places
        assert all(p["painted"] and p["still"] == 1 and not p["drawn"] for p in near), places
        assert not any(p["painted"] or p["still"] or p["drawn"] for p in later), places
        assert not [u for u in urls if "plotly" in u.lower()]  # the still picture needs no plotly.js
        chart = page.locator(".ca-plotly").first
        still = chart.evaluate(MAP_FILLS_JS)["still"]
        assert still > 0  # every country shown (ten or more participants) is coloured; plotly.js agrees below
        assert chart.evaluate(BANDS_JS) == 0  # Russia and Fiji cut at the date line, not drawn across the map
        chart.evaluate(REACH_JS)
        page.locator(f"{figures.DRAWN}").first.wait_for(timeout=45_000)
        after = page.evaluate(CHART_PLACES_JS)[0]
        assert not after["painted"] and after["still"] == 0
        assert {k: after[k] for k in ("top", "left", "width", "height")} == {k: places[0][k] for k in
                                                                             ("top", "left", "width", "height")}
        assert chart.evaluate(MAP_FILLS_JS)["plotly"] == still
        last = page.locator(".ca-plotly:visible").last
        last.scroll_into_view_if_needed()
        page.locator(".ca-plotly:visible").last.locator("xpath=self::*[@data-painted='true']").wait_for(timeout=45_000)
        assert not page.evaluate(CHART_PLACES_JS)[-1]["drawn"]
        last.hover()
        page.locator(".ca-plotly:visible").last.locator("xpath=self::*[@data-drawn='true']").wait_for(timeout=45_000)
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize("width", [1280, 390])
def test_the_still_picture_of_a_ranking_has_the_rows_plotly_draws(server, browser, width):
    """Spec sections' ranking as a still picture: the same row labels as plotly.js's axis, in the same order, inside
    the phone's width too."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    context.add_init_script("window.caChartSettleMs = 1e9")
    page = context.new_page()
    try:
        page.goto(f"{server}/sections", wait_until="domcontentloaded")
        page.get_by_text(FOOTER, exact=False).wait_for(timeout=60_000)
        chart = page.locator(".ca-plotly").first
        chart.scroll_into_view_if_needed()
        page.locator(".ca-plotly[data-painted]").first.wait_for(timeout=45_000)
        labels = chart.evaluate(STILL_LABELS_JS)
        box = page.locator(".ca-plotly .ca-still svg").first.bounding_box()
        assert 0 < box["width"] <= width and labels
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"plotly_still_sections_{width}.png"))
        chart.evaluate(REACH_JS)
        page.locator(figures.DRAWN).first.wait_for(timeout=45_000)
        assert chart.evaluate(PLOTLY_LABELS_JS) == labels
    finally:
        context.close()


@pytest.mark.browser
@pytest.mark.slow
def test_a_downloaded_chart_image_carries_its_title_and_source(server, browser):
    """The toolbar's one button downloads a PNG drawn with the chart's caption above it and its source below it
    (synthetic data says so), taller than the chart on screen by just those lines."""
    import struct

    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{server}/sections", wait_until="domcontentloaded")
        page.get_by_text(FOOTER, exact=False).wait_for(timeout=120_000)
        chart = page.locator(figures.DRAWN).first
        chart.wait_for(timeout=60_000)
        # Record what the button asks plotly.js to draw (its click calls Plotly.toImage on a copy of the figure).
        page.evaluate("""() => { const draw = Plotly.toImage; window.__caImage = null;
            Plotly.toImage = (fig, opts) => { window.__caImage = {layout: fig.layout, opts}; return draw(fig, opts); }; }""")
        chart.hover()
        buttons = chart.locator(".modebar-btn")
        assert buttons.count() == 1
        with page.expect_download(timeout=60_000) as download:
            buttons.first.click()
        png = download.value.path().read_bytes()
        drawn = page.evaluate("window.__caImage")
        on_screen = chart.bounding_box()
    finally:
        context.close()
    assert re.fullmatch(r"ca1_[a-z0-9_-]+\.png", download.value.suggested_filename)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "chart_image_download.png").write_bytes(png)  # to be looked at
    width, height = struct.unpack(">II", png[16:24])
    assert width == drawn["opts"]["width"] and height == drawn["opts"]["height"] > on_screen["height"]
    title = drawn["layout"]["title"]["text"]
    assert title.startswith("Agreement by section")
    assert '<span style="font-size:11px;color:#444444">SYNTHETIC DATA — not real results' in title
    assert "Collective Alignment Explorer" in title
