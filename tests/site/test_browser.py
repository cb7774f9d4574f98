"""End to end: `streamlit run app.py` on the sample store, every page in headless Chromium, screenshots saved."""
from __future__ import annotations

from urllib.parse import urlparse

import pytest

from bench.browser import CLS_JS
from components import frame, nav
from tests import figures
from tests.site import chromium
from tests.site.chromium import ARTIFACTS, VIEWPORTS

pytestmark = [pytest.mark.browser, pytest.mark.slow]
# Pages drawn by this site's frame: what each must show besides its heading.
CHARTS_EXPECTED = {"sections": 1, "people": 3}
MAX_CLS = 0.05


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("page_spec", nav.PAGES, ids=[p.url_path or "overview" for p in nav.PAGES])
def test_every_page_renders_in_chromium(server, browser, page_spec, viewport):
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(CLS_JS)
    page = context.new_page()
    hosts: set[str] = set()
    page.on("request", lambda req: hosts.add(urlparse(req.url).hostname or ""))
    refused: list[tuple[str, int]] = []
    page.on("response", lambda r: refused.append((urlparse(r.url).path, r.status)) if r.status >= 400 else None)
    page.goto(f"{server}/{page_spec.url_path}", wait_until="domcontentloaded")
    heading = page.locator("h1").first
    heading.wait_for(timeout=45_000)
    # A deep link connects at its first try (serve/backend_base.py): Streamlit's own guess asked
    # /<page>/_stcore/health first and got a 404.
    assert not refused, refused
    if page_spec.path in {"app_pages/overview.py", "app_pages/sections.py", "app_pages/people.py", "app_pages/methodology.py"}:
        assert page_spec.heading in heading.inner_text()
    # The footer is drawn after the page script: once it is there (and lazy widget code has loaded), the run is done.
    page.get_by_text("Figures from fewer than 10 participants are not reported", exact=False).wait_for(timeout=45_000)
    if page_spec.url_path == "":
        page.get_by_text("Overall agreement", exact=True).wait_for(timeout=30_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)
    body = page.locator("section.stMain, [data-testid='stMain']").first.inner_text()
    assert "Synthetic sample — not real results" in body
    assert page.locator("[data-testid='stException']").count() == 0
    assert frame.PAGE_FAILURE not in body
    expected = CHARTS_EXPECTED.get(page_spec.url_path, 0)
    if expected:  # the site's plotly.js bundle loads once per page: wait for the charts to be drawn
        page.locator(figures.DRAWN).nth(expected - 1).wait_for(timeout=30_000)
    if page_spec.url_path == "":
        assert "Participants" in body and "%" in body  # the headline counts and the overall agreement
    assert hosts <= {"127.0.0.1", "localhost", ""}, f"requests to other hosts: {hosts}"
    # Layout shift (issue 17): the wide layout holds from the first paint (serve/first_paint.css) and inputs keep
    # their place while their code loads.
    assert page.evaluate("window.__cls") <= MAX_CLS
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # Streamlit scrolls inside its main container, so grow the viewport to the content for a whole-page shot.
    full = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": width, "height": min(max(full, height), 12_000)})
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1000)
    page.screenshot(path=str(ARTIFACTS / f"{page_spec.url_path or 'overview'}_{viewport}.png"))
    # Accessibility on the same visit, at full content height (axe skips what is scrolled out of view).
    if chromium.AXE.is_file():
        chromium.assert_no_blocking(chromium.axe_violations(page), f"axe_{page_spec.url_path or 'overview'}_{viewport}")
    context.close()


def test_deep_link_with_junk_parameters_in_chromium(server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    junk = "block=sideways&foo=%3Cscript%3Ealert(1)%3C%2Fscript%3E"
    page.goto(f"{server}/sections?{junk}", wait_until="domcontentloaded")
    page.locator("h1").first.wait_for(timeout=45_000)
    notice = page.get_by_text("Ignored link parameters", exact=False)
    notice.wait_for(timeout=20_000)
    assert "block=sideways" in notice.inner_text()
    # The visitor's text is shown as text: no element was created from it.
    assert page.locator("main script, [data-testid='stMain'] script").count() == 0
    # The page rewrites the address to the state it kept, without the ignored parameters.
    page.wait_for_function("!location.search.includes('foo') && !location.search.includes('sideways')",
                           timeout=20_000)
    context.close()


def test_the_page_tells_streamlit_where_the_server_is(server, browser):
    """serve/backend_base.py: a page's address minus the page's path is the server's base, also behind a prefix that
    only a proxy knows about (here /ca/, answered with the same HTML); the home page lets Streamlit find it itself."""
    import urllib.request

    html = urllib.request.urlopen(f"{server}/people").read()
    context = browser.new_context()
    page = context.new_page()
    page.route(f"{server}/ca/people/", lambda route: route.fulfill(body=html, content_type="text/html"))
    page.route(f"{server}/ca/static/**", lambda route: route.abort())  # this check needs no frontend
    base = "() => window.__streamlit && window.__streamlit.BACKEND_BASE_URL"
    page.goto(f"{server}/ca/people/", wait_until="domcontentloaded")
    assert page.evaluate(base) == f"{server}/ca/"
    page.goto(f"{server}/people?country=USA", wait_until="domcontentloaded")
    assert page.evaluate(base) == f"{server}/"
    page.goto(f"{server}/", wait_until="domcontentloaded")
    assert page.evaluate(base) is None
    context.close()


def test_a_list_is_the_browsers_own_select_and_a_keyboard_pick_reaches_the_link(server, browser):
    """components.choice: each list is a labelled <select> (a combo box by its label), showing the link's value;
    a pick made with the keyboard alone reruns the page and rewrites the address, keeping the link's other value."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{server}/changelog?status=adopted&metric=top", wait_until="domcontentloaded")
    page.locator("h1").first.wait_for(timeout=45_000)
    status = page.get_by_role("combobox", name="Status", exact=True)
    status.wait_for(timeout=45_000)
    assert status.evaluate("e => [e.tagName, e.selectedOptions[0].textContent]") == ["SELECT", "Adopted"]
    measure = page.get_by_role("combobox", name="Agreement measure", exact=True)
    assert measure.evaluate("e => e.selectedOptions[0].textContent") == "Top choice"
    before = page.locator("strong", has_text="changes shown").inner_text()
    assert before.endswith("changes shown")
    status.focus()
    page.keyboard.press("ArrowDown")  # the next status, "deferred", without opening the list
    page.wait_for_function("location.search.includes('status=deferred') && location.search.includes('metric=top')",
                           timeout=30_000)
    page.wait_for_function("""([t]) => [...document.querySelectorAll('strong')]
        .some(s => / of \\d+ changes shown$/.test(s.textContent) && s.textContent !== t)""", arg=[before], timeout=30_000)
    assert status.evaluate("e => e.selectedOptions[0].textContent") == "Deferred"
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()


def test_the_changelog_entries_are_drawn_when_the_reader_comes_near_and_the_notice_stays(server, browser):
    """components.later: below the first screen the entries wait behind a button; scrolling near it draws them (the
    timed catch-up is switched off here, so only the scroll can have), and only their fragment reruns, so the
    visitor's "Ignored link parameters" notice stays."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script("window.caLaterSettleMs = 1e9")
    page = context.new_page()
    page.goto(f"{server}/changelog?foo=1", wait_until="domcontentloaded")
    waiting = page.locator("button.ca-later")
    waiting.wait_for(timeout=45_000)
    assert waiting.inner_text() == "Show the 10 changes"
    page.get_by_text("Ignored link parameters", exact=False).wait_for(timeout=20_000)
    page.wait_for_timeout(1000)
    headings = page.locator("[data-testid='stMain'] h3").count()  # the page's own, without any entry's
    waiting.scroll_into_view_if_needed()
    page.wait_for_function("([n]) => document.querySelectorAll('[data-testid=\"stMain\"] h3').length >= n + 10",
                           arg=[headings], timeout=30_000)
    waiting.wait_for(state="detached", timeout=30_000)  # gone once the fragment's run has finished
    assert page.get_by_text("Ignored link parameters", exact=False).count() == 1
    # Opening an entry's lazy expander reruns the fragment alone: the notice stays, and a filter change then
    # clears it, as it does everywhere else (the expander's keep_notice leaves no flag behind for that run).
    page.get_by_text("Before and after as plain text").first.click()
    page.get_by_text("Before (", exact=False).first.wait_for(timeout=30_000)
    assert page.get_by_text("Ignored link parameters", exact=False).count() == 1
    page.get_by_role("combobox", name="Status", exact=True).select_option(label="Deferred")
    page.wait_for_function("location.search.includes('status=deferred')", timeout=30_000)
    page.get_by_text("Ignored link parameters", exact=False).wait_for(state="detached", timeout=30_000)
    assert page.locator("[data-testid='stException']").count() == 0
    context.close()


@pytest.mark.parametrize(("path", "label", "drawn"), [
    ("prompts", "Show where people agree least, and the most flagged responses",
     "Where people agree with each other least"),
    ("people", "Show the groups that differ from everyone else", "Groups that differ from everyone else"),
])
def test_parts_below_the_first_screen_are_drawn_when_near_and_the_notice_stays(server, browser, path, label, drawn):
    """Contested prompts' crowd lists and People's differing groups wait behind a button (components.later) until the
    reader scrolls near (the timed catch-up switched off); only their fragment reruns, so a link's notice stays."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script("window.caLaterSettleMs = 1e9")
    page = context.new_page()
    try:
        page.goto(f"{server}/{path}?foo=1", wait_until="domcontentloaded")
        waiting = page.get_by_role("button", name=label, exact=True)
        waiting.wait_for(timeout=45_000)
        page.get_by_text("Ignored link parameters", exact=False).wait_for(timeout=20_000)
        page.wait_for_timeout(1000)
        assert page.get_by_text(drawn, exact=True).count() == 0
        waiting.scroll_into_view_if_needed()
        page.get_by_text(drawn, exact=True).first.wait_for(timeout=30_000)
        waiting.wait_for(state="detached", timeout=30_000)
        assert page.get_by_text("Ignored link parameters", exact=False).count() == 1
        assert page.locator("[data-testid='stException']").count() == 0
    finally:
        context.close()


def test_lists_that_share_a_row_take_rows_of_their_own_on_a_phone(server, browser):
    """serve/first_paint.css: two lists in one row (Spec sections' interval and prompts) keep 14rem each, so at 390 px
    each takes the whole width and shows its chosen text whole; at 1280 px they still share the row."""
    widths = {}
    for name, (width, height) in VIEWPORTS.items():
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(f"{server}/sections", wait_until="domcontentloaded")
        interval = page.get_by_role("combobox", name="95% interval", exact=True)
        interval.wait_for(timeout=45_000)
        prompts = page.get_by_role("combobox", name="Prompts", exact=True)
        widths[name] = [box["width"] for box in (interval.bounding_box(), prompts.bounding_box())]
        tops = [box["y"] for box in (interval.bounding_box(), prompts.bounding_box())]
        widths[name].append(tops[0] == tops[1])
        context.close()
    assert widths["phone"][2] is False and min(widths["phone"][:2]) > 300, widths
    assert widths["desktop"][2] is True and max(widths["desktop"][:2]) < 640, widths
