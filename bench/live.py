"""Measurements against running servers: first-visit times next to an empty page, and server memory."""
from __future__ import annotations

import math
import time
from pathlib import Path

from bench import browser
from bench.memory import slope, tree_rss_mb
from bench.pages import PLOTLY_FLOOR_APP, PLOTLY_FLOOR_HEADING, write_empty_app
from bench.server import streamlit_server
from core.config import ROOT

SETTLE_S = 1.0  # let the server finish sending before reading its memory
# A first visit that is not ready within its minute is listed and made once more: on a loaded machine a visit has
# been seen never to start (no app in the page after 60 s), and one such visit must not leave a median short.
RETRIES = 1


EMPTY, PLOTLY_FLOOR = "_empty", "_one_plotly_chart"


def visit_plan(titles: list[str], profiles, repeats: int) -> list[tuple[int, object, str]]:
    """Every (repeat, profile, page) first visit in the order they are made: each round visits every page on each
    profile, the empty page among them, starting one place later each round so no page always comes first."""
    plan = []
    for r in range(repeats):
        for profile in profiles:
            k = r % len(titles)
            plan += [(r, profile, t) for t in titles[k:] + titles[:k]]
    return plan


def summarise(visits: dict[str, list]) -> dict:
    """Medians per page (time, bytes, layout shift), each page's time over the empty page's, and the spread."""
    ms = {t: browser.median([v.seconds for v in vs]) * 1000 for t, vs in visits.items()}
    empty_ms, floor_ms = ms[EMPTY], ms.get(PLOTLY_FLOOR, math.nan)

    def figures(title: str) -> dict:
        vs = visits[title]
        return {"ms": ms[title], "ratio_to_empty": ms[title] / empty_ms, "ratio_to_plotly_floor": ms[title] / floor_ms,
                "kb": browser.median([v.bytes for v in vs]) / 1024, "cls": browser.median([v.cls for v in vs]),
                "cls_max": max((v.cls for v in vs), default=math.nan), "ms_runs": [v.seconds * 1000 for v in vs],
                "ratio_runs": [v.seconds * 1000 / empty_ms for v in vs]}

    pages = {t: figures(t) for t in visits if t not in (EMPTY, PLOTLY_FLOOR)}
    out = {"empty_ms": empty_ms, "empty_kb": figures(EMPTY)["kb"], "empty": figures(EMPTY), "pages": pages}
    if PLOTLY_FLOOR in visits:
        out.update(plotly_floor_ms=floor_ms, plotly_floor_ratio_to_empty=floor_ms / empty_ms,
                   plotly_floor_kb=figures(PLOTLY_FLOOR)["kb"])
    return out


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

        # Interleave the reference pages and the site's pages (and both profiles) so all see the same machine load.
        targets = {EMPTY: (empty.base_url, "", "Empty page"), PLOTLY_FLOOR: (floor.base_url, "", PLOTLY_FLOOR_HEADING),
                   **{p["title"]: (site.base_url, p["url_path"], p.get("heading", "")) for p in pages}}
        visits: dict[str, dict[str, list[browser.Visit]]] = {pr.name: {t: [] for t in targets} for pr in browser.PROFILES}
        missed: list[str] = []  # a visit that never became ready is reported, not timed, and made once more
        for _, profile, title in visit_plan(list(targets), browser.PROFILES, repeats):
            for _attempt in range(1 + RETRIES):
                try:
                    visits[profile.name][title].append(browser.first_visit(chromium, *targets[title], profile=profile))
                    break
                except browser.NotReady as exc:
                    missed.append(f"{profile.name} {title}: {str(exc)[:300]}")

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

    profiles = {name: summarise(by_title) for name, by_title in visits.items()}
    return {
        # The desktop profile's figures at the top level (as before issue 17), every profile under "profiles".
        "browser": {**profiles[browser.PROFILES[0].name], "profiles": profiles, "repeats": repeats,
                    "first_visits_not_ready": missed},
        "memory": {
            "rss_idle_mb": rss_idle,
            "rss_after_pages_mb": rss_after_pages,
            "per_session_mb": slope(xs, ys),
            "sessions_added": extra_sessions,
            "rss_samples_mb": ys,
        },
        "session_errors": errors,
    }
