"""One site process killed under load: websocket sessions that reconnect through nginx, and browser readers
whose view must come back on another process with no error shown."""
from __future__ import annotations

import asyncio
import difflib
import time
from dataclasses import dataclass, field
from pathlib import Path

from bench.browser import CHROMIUM, CHROMIUM_ARGS, ERRORS_JS, INIT_JS, READY_JS, new_session
from bench.cluster import Cluster
from bench.load import PAGE_TIMEOUT_S, Tally, check_limits, drive_sessions
from bench.wsload import _run_page

RECONNECT_TIMEOUT_S = 60
# Words of Streamlit's own connection-error dialog ("Connection error … Is Streamlit still running?").
CONNECTION_ERROR_TEXTS = ("Connection error", "Is Streamlit still running")

# The app's connection states in order (PINGING_SERVER, CONNECTING, CONNECTED, …), kept from `window.__conn = []`.
CONNECTION_JS = """
window.__conn = [];
new MutationObserver(() => {
  const app = document.querySelector('[data-testid="stApp"]');
  const state = app && app.getAttribute('data-test-connection-state');
  if (state && window.__conn[window.__conn.length - 1] !== state) window.__conn.push(state);
}).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-connection-state']});
"""


@dataclass
class Moves:
    """Websocket sessions cut by the kill, and how long each took to run a page again on another process."""

    cut: int = 0
    interrupted_views: int = 0
    seconds_to_next_view: list[float] = field(default_factory=list)


async def _reconnecting_session(ws_url: str, pages: list[dict], deadline: float, tally: Tally,
                                failure_texts: list[str], moves: Moves) -> None:
    """Like the load driver's session, but a closed connection is reopened and the same page asked for again,
    as Streamlit's frontend does. A page run that fails after that is an error like any other."""
    import websockets

    page_hashes: dict[str, str] = {}
    step, cut_at = 0, None
    while time.monotonic() < deadline:
        try:
            async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=10) as ws:
                while time.monotonic() < deadline:
                    spec = pages[step % len(pages)]
                    t0 = time.perf_counter()
                    if await _run_page(ws, spec, page_hashes, failure_texts, tally):
                        tally.view_seconds.append(time.perf_counter() - t0)
                        tally.page_views += 1
                        if cut_at is not None:
                            moves.seconds_to_next_view.append(time.monotonic() - cut_at)
                            cut_at = None
                    step += 1
        except websockets.ConnectionClosed:
            moves.cut += 1
            moves.interrupted_views += 1
            cut_at = time.monotonic()
        except (OSError, websockets.InvalidStatus, websockets.InvalidHandshake) as exc:
            tally.note("failed_requests", f"reconnect refused: {exc.__class__.__name__}: {exc}")
            await asyncio.sleep(0.5)
        except TimeoutError:
            tally.note("timeouts", f"{pages[step % len(pages)]['url_path'] or '/'}: no answer in {PAGE_TIMEOUT_S} s")
            return


def ws_load_with_moves(base_url: str, pages: list[dict], sessions: int, duration_s: float, ramp_s: float,
                       failure_texts: list[str]) -> tuple[dict, Moves]:
    check_limits(sessions, duration_s)
    ws_url = base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
    moves = Moves()

    async def drive() -> dict:
        return await drive_sessions(
            lambda deadline, tally: _reconnecting_session(ws_url, pages, deadline, tally, failure_texts, moves),
            sessions, duration_s, ramp_s, None)

    return asyncio.run(drive()), moves


# Bytes a new visitor's first page cost on the wire (compressed) and once decoded, from the Resource Timing API.
TRANSFER_JS = """
() => {
  const all = [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')];
  return {requests: all.length, wire_bytes: all.reduce((s, e) => s + (e.transferSize || 0), 0),
          decoded_bytes: all.reduce((s, e) => s + (e.decodedBodySize || 0), 0)};
}
"""


# The page's words in document order, each chart stood for by its accessible name (its text summary) and each data
# grid by a marker: Plotly lays out tick labels, and the grid fills its accessible copy of the cells, on their own
# schedule after the script has finished, so their drawn text is not part of "the same view".
VIEW_TEXT_JS = """
() => {
  const parts = [];
  const walk = (node) => {
    if (node.nodeType === Node.TEXT_NODE) {
      const text = node.textContent.trim();
      if (text) parts.push(text);
    } else if (node.nodeType === Node.ELEMENT_NODE && !node.matches('script, style')) {
      if (node.matches('.ca-plotly')) parts.push(`[chart: ${node.getAttribute('aria-label')}]`);
      else if (node.matches('[data-testid="stDataFrame"]')) parts.push('[data grid]');
      else node.childNodes.forEach(walk);
    }
  };
  walk(document.querySelector('[data-testid="stMain"]'));
  return parts.join('\\n');
}
"""


# Parts drawn after the first screen (components/later.py) press their own place-holder button within seconds; a
# view is compared once none is left, so that the same page is not called different for being caught earlier.
LATER_DRAWN_JS = "() => !document.querySelector('button.ca-later')"


def _reader_state(session, heading: str) -> dict:
    page = session.page
    page.wait_for_function(LATER_DRAWN_JS, polling=100, timeout=RECONNECT_TIMEOUT_S * 1000)
    body = page.inner_text("body")
    return {
        "url": page.url,
        "main_text": page.evaluate(VIEW_TEXT_JS),
        "errors": page.evaluate(ERRORS_JS, session.failure_texts)["exceptions"],
        "connection_error_shown": any(t in body for t in CONNECTION_ERROR_TEXTS),
        "heading_shown": heading in body,
    }


def open_readers(browser, cluster: Cluster, views: list[tuple[str, str]], failure_texts: list[str]) -> list[dict]:
    """One browser context per view (url path with query, heading); each reader's process from its route cookie."""
    readers = []
    for view, heading in views:
        session = new_session(browser, cluster.proxy_url, failure_texts)
        session.context.add_init_script(CONNECTION_JS)
        session.page.goto(f"{cluster.proxy_url}/{view}", wait_until="commit", timeout=PAGE_TIMEOUT_S * 1000)
        session.page.wait_for_function(READY_JS, arg=[0, heading, None], polling=50, timeout=PAGE_TIMEOUT_S * 1000)
        route = next(c["value"] for c in session.context.cookies() if c["name"] == "ca_route")
        readers.append({"session": session, "view": view, "heading": heading, "route": route,
                        "port": cluster.upstream_of(route), "before": _reader_state(session, heading),
                        "first_visit": session.page.evaluate(TRANSFER_JS)})
    return readers


def mark(readers: list[dict]) -> None:
    """Remember each reader's script-run counter and clear its connection history, just before the kill."""
    for reader in readers:
        page = reader["session"].page
        reader["changes_before"] = page.evaluate("() => window.__stChanges")
        page.evaluate("() => { window.__conn = []; }")


def check_reader(reader: dict, moved: bool, shots: Path | None = None) -> dict:
    """After the kill: a moved reader must lose the connection, get it back, have its page run again (on the new
    process) and show the same view with no error; a reader on another process must not notice anything."""
    page = reader["session"].page
    out = {"view": reader["view"], "port_before": reader["port"], "moved": moved}
    t0 = time.monotonic()
    if moved:
        page.wait_for_function("() => window.__conn.some(s => s !== 'CONNECTED')", timeout=RECONNECT_TIMEOUT_S * 1000)
        page.wait_for_function("() => window.__conn[window.__conn.length - 1] === 'CONNECTED'",
                               timeout=RECONNECT_TIMEOUT_S * 1000)
        # The page ran again: its script state went to running and back.
        page.wait_for_function("(since) => window.__stChanges >= since + 2", arg=reader["changes_before"],
                               timeout=RECONNECT_TIMEOUT_S * 1000)
        page.wait_for_function(READY_JS, arg=[reader["changes_before"], reader["heading"], None], polling=50,
                               timeout=RECONNECT_TIMEOUT_S * 1000)
        out["seconds_to_view_again"] = round(time.monotonic() - t0, 2)
    after = _reader_state(reader["session"], reader["heading"])
    out.update(
        connection_states=page.evaluate("() => window.__conn"),
        reruns=(page.evaluate("() => window.__stChanges") - reader["changes_before"]) // 2,
        same_url=after["url"] == reader["before"]["url"],
        same_view=after["main_text"] == reader["before"]["main_text"],
        view_diff=list(difflib.unified_diff(reader["before"]["main_text"].splitlines(),
                                            after["main_text"].splitlines(), "before", "after", n=1, lineterm=""))[:40],
        errors_shown=after["errors"], connection_error_shown=after["connection_error_shown"],
        heading_shown=after["heading_shown"], port_after=None,
    )
    if shots is not None:
        name = reader["view"].split("?")[0] or "overview"
        page.screenshot(path=str(shots / f"reader_{name}_{'moved' if moved else 'stayed'}.png"))
    return out


def download_works(reader: dict) -> bool | None:
    """Click the reader's first download button: a whole file must arrive (its maker lives in the new session)."""
    page = reader["session"].page
    buttons = page.locator('[data-testid="stDownloadButton"] button')
    if buttons.count() == 0:
        return None
    try:
        with page.expect_download(timeout=20_000) as started:
            buttons.first.click()
        download = started.value
        return download.failure() is None and Path(download.path()).stat().st_size > 0
    except Exception:
        return False


def launch_browser(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def reader_setup(session) -> None:
    """For readers opened elsewhere (the tests): the same init scripts as open_readers."""
    session.context.add_init_script(INIT_JS)
    session.context.add_init_script(CONNECTION_JS)
