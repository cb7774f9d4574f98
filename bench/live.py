"""Measurements against running servers: first-visit times next to an empty page, and server memory."""
from __future__ import annotations

import time
from pathlib import Path

from bench import browser
from bench.memory import slope, tree_rss_mb
from bench.pages import PLOTLY_FLOOR_APP, PLOTLY_FLOOR_HEADING, write_empty_app
from bench.server import streamlit_server
from core.config import ROOT

SETTLE_S = 1.0  # let the server finish sending before reading its memory


def visit_all(session: browser.Session, base_url: str, pages: list[dict]) -> list[float]:
    """One visitor goes through every page: the first by URL, the rest by the app's own links."""
    first, rest = pages[0], pages[1:]
    times = [browser.open_url(session, f"{base_url}/{first['url_path']}", first.get("heading", ""))]
    times += [browser.click_to(session, base_url, p["url_path"], p.get("heading", "")) for p in rest]
    return times


def measure(pages: list[dict], env: dict[str, str], work_dir: Path, repeats: int, extra_sessions: int,
            app: Path = ROOT / "app.py", failure_texts: list[str] | None = None) -> dict:
    from playwright.sync_api import sync_playwright

    empty_app = write_empty_app(work_dir / "empty_app")
    floor_app = write_empty_app(work_dir / "plotly_floor_app", PLOTLY_FLOOR_APP)
    # The floor app imports the site's chart config, so it runs with the site's root on its path.
    floor_env = {"PYTHONPATH": str(ROOT)}
    with streamlit_server(empty_app, work_dir / "empty_server.log") as empty, \
            streamlit_server(floor_app, work_dir / "plotly_floor_server.log", env=floor_env) as floor, \
            streamlit_server(app, work_dir / "site_server.log", env=env) as site, \
            sync_playwright() as pw:
        chromium = browser.launch(pw)
        rss_idle = tree_rss_mb(site.pid)
        first = browser.new_session(chromium, site.base_url, failure_texts)
        visit_all(first, site.base_url, pages)
        time.sleep(SETTLE_S)
        rss_after_pages = tree_rss_mb(site.pid)

        # Interleave the reference pages and the site's pages so all see the same machine load.
        empty_times: list[float] = []
        floor_times: list[float] = []
        page_times: dict[str, list[float]] = {p["title"]: [] for p in pages}
        for _ in range(repeats):
            empty_times.append(browser.first_visit(chromium, empty.base_url, "", "Empty page"))
            floor_times.append(browser.first_visit(chromium, floor.base_url, "", PLOTLY_FLOOR_HEADING))
            for p in pages:
                page_times[p["title"]].append(browser.first_visit(chromium, site.base_url, p["url_path"],
                                                                  p.get("heading", "")))

        sessions = [first]
        not_ready: list[str] = []
        xs, ys = [0.0], [tree_rss_mb(site.pid)]
        for k in range(1, extra_sessions + 1):
            session = browser.new_session(chromium, site.base_url, failure_texts)
            sessions.append(session)
            try:
                visit_all(session, site.base_url, pages)
            except browser.NotReady as exc:  # counted and shown; the session still holds server memory
                not_ready.append(str(exc)[:400])
            time.sleep(SETTLE_S)
            xs.append(float(k))
            ys.append(tree_rss_mb(site.pid))
        errors = {"not_ready": len(not_ready), "exceptions": sum(s.exceptions for s in sessions),
                  "console_errors": sum(len(s.console_errors) for s in sessions),
                  "failed_requests": sum(len(s.failed_requests) for s in sessions),
                  "examples": (not_ready + [e for s in sessions for e in s.console_errors + s.failed_requests])[:5]}
        for session in sessions:
            session.context.close()
        chromium.close()

    empty_ms = browser.median(empty_times) * 1000
    floor_ms = browser.median(floor_times) * 1000
    return {
        "browser": {
            "empty_ms": empty_ms,
            "plotly_floor_ms": floor_ms,
            "plotly_floor_ratio_to_empty": floor_ms / empty_ms,
            "pages": {title: {"ms": browser.median(times) * 1000,
                              "ratio_to_empty": browser.median(times) * 1000 / empty_ms,
                              "ratio_to_plotly_floor": browser.median(times) * 1000 / floor_ms}
                      for title, times in page_times.items()},
            "repeats": repeats,
        },
        "memory": {
            "rss_idle_mb": rss_idle,
            "rss_after_pages_mb": rss_after_pages,
            "per_session_mb": slope(xs, ys),
            "sessions_added": extra_sessions,
            "rss_samples_mb": ys,
        },
        "session_errors": errors,
    }
