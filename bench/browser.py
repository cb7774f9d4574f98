"""Headless Chromium against a running Streamlit server: time to visible content, errors, sessions."""
from __future__ import annotations

import statistics
import time
from dataclasses import dataclass, field

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# Counts every change of the app's script state, so a wait after a click cannot mistake the
# previous page's finished state for the new one.
INIT_JS = """
window.__stChanges = 0;
new MutationObserver(ms => { window.__stChanges += ms.length; })
  .observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state']});
"""

# Cumulative Layout Shift as Chrome's Web Vitals define it: the largest burst of unexpected shifts (gaps under
# 1 s, at most 5 s long), recorded from the first paint (buffered) for as long as the tab is open.
CLS_JS = """
window.__cls = 0;
(() => {
  let burst = 0, first = 0, last = 0;
  new PerformanceObserver(list => {
    for (const e of list.getEntries()) {
      if (e.hadRecentInput) continue;
      if (burst && e.startTime - last < 1000 && e.startTime - first < 5000) burst += e.value;
      else { burst = e.value; first = e.startTime; }
      last = e.startTime;
      window.__cls = Math.max(window.__cls, burst);
    }
  }).observe({type: 'layout-shift', buffered: true});
})();
"""

# The charts of the first screen: Streamlit's own Plotly element (the reference page) and the site's chart component
# (components/plotly_view.js, keyed "fig:…" or "ry-fig:…"), counted from its element container so that a chart whose
# script has not yet made its drawing area counts too. A chart is in the first screen when its box meets the
# viewport; one in a closed tab or expander has no box. The site draws the others when they come near the screen.
CHARTS_JS = """
const charts = main => [...main.querySelectorAll(
  '[data-testid="stPlotlyChart"], .stElementContainer[class*="st-key-fig-"], .stElementContainer[class*="st-key-ry-fig-"]')]
  .filter(c => { const r = c.getBoundingClientRect(); return r.width > 0 && r.bottom > 0 && r.top < innerHeight; });
const undrawn = c => !(c.matches('[data-testid="stPlotlyChart"]') ? c.querySelector('.main-svg')
  : c.querySelector('.ca-plotly[data-drawn], .ca-plotly[data-painted]'));
"""

# "Main content visible": connected, on the wanted path, the script finished (and, when the page has
# no heading to recognise it by, its state changed since `since`: a fast run may never show "running"),
# the page's heading from the registry in the main area, nothing stale or still loading, every Plotly
# chart in the first screen drawn.
READY_JS = """
([since, heading, path]) => {""" + CHARTS_JS + """
  const app = document.querySelector('[data-testid="stApp"]');
  if (!app || app.getAttribute('data-test-connection-state') !== 'CONNECTED') return false;
  if (path !== null && location.pathname !== path) return false;
  if (app.getAttribute('data-test-script-state') !== 'notRunning') return false;
  if (!heading && window.__stChanges <= since) return false;
  const main = document.querySelector('[data-testid="stMain"]');
  if (!main || !main.querySelector('[data-testid="stElementContainer"]')) return false;
  if (heading && ![...main.querySelectorAll('h1, h2, h3')].some(h => h.textContent.includes(heading))) return false;
  const shown = e => e.getClientRects().length > 0;
  if ([...document.querySelectorAll('[data-stale="true"], [data-testid="stSkeleton"]')].some(shown)) return false;
  return !charts(main).some(undrawn);
}
"""

# What the page looked like when it never became ready, for the error message.
DIAG_JS = """
([heading]) => {""" + CHARTS_JS + """
  const app = document.querySelector('[data-testid="stApp"]');
  const main = document.querySelector('[data-testid="stMain"]');
  const shown = e => e.getClientRects().length > 0;
  return {
    url: location.href,
    script: app && app.getAttribute('data-test-script-state'),
    connection: app && app.getAttribute('data-test-connection-state'),
    changes: window.__stChanges,
    heading_found: !heading || !!main && [...main.querySelectorAll('h1, h2, h3')].some(h => h.textContent.includes(heading)),
    headings: main ? [...main.querySelectorAll('h1, h2, h3')].slice(0, 3).map(h => h.textContent.slice(0, 60)) : [],
    stale_or_skeleton: [...document.querySelectorAll('[data-stale="true"], [data-testid="stSkeleton"]')].filter(shown).length,
    charts_undrawn: main ? charts(main).filter(undrawn).length : -1,
  };
}
"""

# Uncaught exceptions, and error boxes that carry one of the site's own failure messages.
ERRORS_JS = """
(markers) => ({
  exceptions: document.querySelectorAll('[data-testid="stException"]').length
    + [...document.querySelectorAll('[data-testid="stAlertContentError"]')]
        .filter(e => markers.some(m => e.textContent.includes(m))).length,
  charts: document.querySelectorAll('[data-testid="stMain"] [data-testid="stPlotlyChart"]').length,
  elements: document.querySelectorAll('[data-testid="stMain"] [data-testid="stElementContainer"]').length,
})
"""

CLICK_LINK_JS = """
(urlPath) => {
  const want = '/' + urlPath.replace(/^\\/+/, '');
  const links = [...document.querySelectorAll('a[href]')]
    .filter(a => { const u = new URL(a.href); return u.pathname === want && !u.hash; });
  const link = links.find(a => (a.dataset.testid || '').includes('NavLink')) || links[0];
  if (!link) return false;
  link.click();
  return true;
}
"""


@dataclass
class Session:
    """One visitor: a browser context with one tab, and every error it saw."""
    context: object
    page: object
    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    exceptions: int = 0
    failure_texts: list[str] = field(default_factory=list)


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def _expected_probe(url: str) -> bool:
    """The frontend first looks for the server under the page's own path (`/people/_stcore/health`),
    gets 404 and falls back to the root: normal base-path discovery, not an error."""
    return "/_stcore/" in url and not url.split("//", 1)[-1].split("/", 1)[-1].startswith("_stcore/")


def new_session(browser, base_url: str, failure_texts: list[str] | None = None) -> Session:
    context = browser.new_context()
    context.add_init_script(INIT_JS)
    page = context.new_page()
    session = Session(context, page, failure_texts=failure_texts or [])
    page.on("console", lambda m: m.type == "error" and not _expected_probe(m.location.get("url", ""))
            and session.console_errors.append(f"{m.text} [{m.location.get('url', '')}]"))
    page.on("pageerror", lambda e: session.console_errors.append(f"pageerror: {e}"))
    # ERR_ABORTED is a request cancelled by a navigation, not a failure.
    page.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "")
            and session.failed_requests.append(f"{r.failure} {r.url}"))
    page.on("response", lambda r: r.status >= 400 and not _expected_probe(r.url)
            and session.failed_requests.append(f"{r.status} {r.url}"))
    return session


class NotReady(RuntimeError):
    """A page whose main content did not become visible in time; the message says what was missing."""


def _wait_ready(page, since: int, heading: str, timeout_s: float, path: str | None = None) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        page.wait_for_function(READY_JS, arg=[since, heading, path], polling=10, timeout=timeout_s * 1000)
    except PlaywrightTimeout:
        raise NotReady(f"not ready after {timeout_s:.0f} s: {page.evaluate(DIAG_JS, [heading])}") from None


def _record_exceptions(session: Session) -> dict:
    info = session.page.evaluate(ERRORS_JS, session.failure_texts)
    session.exceptions += info["exceptions"]
    return info


def open_url(session: Session, url: str, heading: str = "", timeout_s: float = 60.0) -> float:
    """Load a URL in the session's tab; seconds until the main content is visible."""
    t0 = time.perf_counter()
    session.page.goto(url, wait_until="commit", timeout=timeout_s * 1000)
    _wait_ready(session.page, 0, heading, timeout_s)
    elapsed = time.perf_counter() - t0
    _record_exceptions(session)
    return elapsed


def click_to(session: Session, base_url: str, url_path: str, heading: str = "", timeout_s: float = 60.0) -> float:
    """Navigate inside the app (same session) by its own link; falls back to loading the URL."""
    page = session.page
    since = page.evaluate("() => window.__stChanges")
    t0 = time.perf_counter()
    if not page.evaluate(CLICK_LINK_JS, url_path):
        return open_url(session, f"{base_url}/{url_path}", heading, timeout_s)
    _wait_ready(page, since, heading, timeout_s, "/" + url_path)
    elapsed = time.perf_counter() - t0
    _record_exceptions(session)
    return elapsed


@dataclass(frozen=True)
class Profile:
    """How a first visitor connects: a viewport, and a throttled network (CDP) or none (loopback as it is)."""
    name: str
    viewport: tuple[int, int]
    network: dict | None = None


# Issue 17: a desktop on loopback, and a phone reader at 10 Mbit/s down, 5 Mbit/s up, 40 ms latency.
PROFILES = (
    Profile("desktop", (1280, 900)),
    Profile("phone", (390, 844), {"offline": False, "latency": 40, "downloadThroughput": 10e6 / 8,
                                  "uploadThroughput": 5e6 / 8}),
)


@dataclass(frozen=True)
class Visit:
    seconds: float
    bytes: int  # sent over HTTP for the visit, compressed as sent (CDP encodedDataLength)
    cls: float


def first_visit(browser, base_url: str, url_path: str, heading: str = "", profile: Profile = PROFILES[0]) -> Visit:
    """A new visitor (fresh context, empty cache) on `profile`: seconds until the main content is visible, the
    bytes it took and the layout shift seen (the CLS after the page is ready)."""
    width, height = profile.viewport
    context = browser.new_context(viewport={"width": width, "height": height})
    context.add_init_script(INIT_JS)
    context.add_init_script(CLS_JS)
    page = context.new_page()
    received: list[int] = []
    try:
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        if profile.network:
            cdp.send("Network.emulateNetworkConditions", profile.network)
        cdp.on("Network.loadingFinished", lambda e: received.append(int(e.get("encodedDataLength", 0))))
        session = Session(context, page)  # first visits are timed; errors are counted by the sessions
        seconds = open_url(session, f"{base_url}/{url_path}", heading)
        return Visit(seconds, sum(received), float(page.evaluate("window.__cls")))
    finally:
        context.close()


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")
