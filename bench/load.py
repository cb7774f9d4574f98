"""Concurrent browser sessions cycling through every page for a bounded time, with server memory sampled."""
from __future__ import annotations

import asyncio
import contextlib
import statistics
import time
from dataclasses import dataclass, field

from bench.browser import (
    CHROMIUM,
    CHROMIUM_ARGS,
    CLICK_LINK_JS,
    DIAG_JS,
    ERRORS_JS,
    INIT_JS,
    READY_JS,
    _expected_probe,
)
from bench.memory import robust_slope, tree_rss_mb

MAX_SESSIONS = 50
MAX_DURATION_S = 900
PAGE_TIMEOUT_S = 60


@dataclass
class Tally:
    page_views: int = 0
    exceptions: int = 0
    console_errors: int = 0
    failed_requests: int = 0
    timeouts: int = 0
    view_seconds: list[float] = field(default_factory=list)
    examples: list[str] = field(default_factory=list)

    def note(self, kind: str, text: str) -> None:
        setattr(self, kind, getattr(self, kind) + 1)
        if len(self.examples) < 10:
            self.examples.append(f"{kind}: {text[:700]}")


async def _ready(page, since: int, heading: str, path: str) -> None:
    await page.wait_for_function(READY_JS, arg=[since, heading, path], polling=50, timeout=PAGE_TIMEOUT_S * 1000)


async def _visitor(browser, base_url: str, pages: list[dict], deadline: float, tally: Tally,
                   failure_texts: list[str]) -> None:
    """One session: open the first page by URL, then follow the app's links round the pages until the deadline."""
    context = await browser.new_context()
    await context.add_init_script(INIT_JS)
    page = await context.new_page()
    page.on("console", lambda m: m.type == "error" and not _expected_probe(m.location.get("url", ""))
            and tally.note("console_errors", f"{m.text} [{m.location.get('url', '')}]"))
    page.on("pageerror", lambda e: tally.note("console_errors", f"pageerror: {e}"))
    page.on("response", lambda r: r.status >= 400 and not _expected_probe(r.url)
            and tally.note("failed_requests", f"{r.status} {r.url}"))
    # ERR_ABORTED is a request cancelled by a navigation, not a failure.
    page.on("requestfailed", lambda r: "ERR_ABORTED" not in (r.failure or "")
            and tally.note("failed_requests", f"{r.failure} {r.url}"))
    try:
        step = 0
        while time.monotonic() < deadline:
            spec = pages[step % len(pages)]
            t0 = time.perf_counter()
            try:
                since = 0 if step == 0 else await page.evaluate("() => window.__stChanges")
                if step == 0 or not await page.evaluate(CLICK_LINK_JS, spec["url_path"]):
                    since = 0
                    await page.goto(f"{base_url}/{spec['url_path']}", wait_until="commit",
                                    timeout=PAGE_TIMEOUT_S * 1000)
                await _ready(page, since, spec.get("heading", ""), "/" + spec["url_path"])
            except Exception as exc:
                try:
                    state = await page.evaluate(DIAG_JS, [spec.get("heading", "")])
                except Exception:
                    state = None
                tally.note("timeouts", f"{spec['url_path'] or '/'}: {exc.__class__.__name__}: {str(exc)[:120]} {state}")
                step = 0  # start over from a fresh load
                continue
            tally.view_seconds.append(time.perf_counter() - t0)
            tally.page_views += 1
            found = await page.evaluate(ERRORS_JS, failure_texts)
            if found["exceptions"]:
                tally.note("exceptions", f"{found['exceptions']} on {spec['url_path'] or '/'}")
            step += 1
    finally:
        await context.close()


async def _sample_rss(pid: int | None, stop: asyncio.Event, t0: float, samples: list[tuple[float, float]],
                      every_s: float) -> None:
    while pid is not None and not stop.is_set():
        samples.append((time.monotonic() - t0, tree_rss_mb(pid)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every_s)


async def drive_sessions(session, sessions: int, duration_s: float, ramp_s: float,
                         server_pid: int | None) -> dict:
    """Run `session(deadline, tally)` in `sessions` staggered copies until the deadline, sampling server RSS."""
    tally, samples = Tally(), []
    stop = asyncio.Event()
    t0 = time.monotonic()
    deadline = t0 + duration_s
    sampler = asyncio.create_task(_sample_rss(server_pid, stop, t0, samples, 1.0))

    async def staggered(i: int) -> None:
        await asyncio.sleep(ramp_s * i / max(sessions, 1))  # ramp up so connects are not all at once
        await session(deadline, tally)

    results = await asyncio.wait_for(
        asyncio.gather(*(staggered(i) for i in range(sessions)), return_exceptions=True),
        timeout=duration_s + PAGE_TIMEOUT_S + ramp_s + 60)
    for r in results:
        if isinstance(r, BaseException):
            tally.note("timeouts", f"session ended: {r.__class__.__name__}: {r}")
    stop.set()
    await sampler
    return _summary(tally, samples, sessions, duration_s, time.monotonic() - t0)


async def _drive(base_url: str, pages: list[dict], sessions: int, duration_s: float, server_pid: int | None,
                 ramp_s: float, failure_texts: list[str]) -> dict:
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            return await drive_sessions(
                lambda deadline, tally: _visitor(browser, base_url, pages, deadline, tally, failure_texts),
                sessions, duration_s, ramp_s, server_pid)
        finally:
            await browser.close()


def _summary(tally: Tally, samples: list[tuple[float, float]], sessions: int, duration_s: float,
             elapsed_s: float) -> dict:
    views = sorted(tally.view_seconds)
    out = {
        "sessions": sessions, "duration_s": duration_s, "elapsed_s": elapsed_s, "page_views": tally.page_views,
        "errors": tally.exceptions + tally.console_errors + tally.failed_requests + tally.timeouts,
        "exceptions": tally.exceptions, "console_errors": tally.console_errors,
        "failed_requests": tally.failed_requests, "timeouts": tally.timeouts, "error_examples": tally.examples,
        "view_ms_p50": statistics.median(views) * 1000 if views else None,
        "view_ms_p95": views[int(0.95 * (len(views) - 1))] * 1000 if views else None,
        # Every sample is kept (the first is taken before any page); slopes need six or more.
        "rss_samples": [[round(t, 1), round(m, 1)] for t, m in samples],
    }
    if len(samples) >= 6:
        third = len(samples) // 3
        first, last = samples[:third], samples[-third:]
        per_min = [robust_slope([t for t, _ in part], [m for _, m in part]) * 60 for part in (first, last)]
        out.update(rss_start_mb=samples[0][1], rss_peak_mb=max(m for _, m in samples), rss_end_mb=samples[-1][1],
                   rss_slope_first_third_mb_per_min=per_min[0], rss_slope_last_third_mb_per_min=per_min[1],
                   # "Stops growing": the last third rises by less than 1 MB/min or a quarter of the first third.
                   rss_stops_growing=per_min[1] <= max(1.0, 0.25 * per_min[0]))
    return out


def check_limits(sessions: int, duration_s: float) -> None:
    """Refuse a load run beyond the harness's limits (both modes), with the option to fix in the message."""
    if not 1 <= sessions <= MAX_SESSIONS:
        raise SystemExit(f"--sessions must be between 1 and {MAX_SESSIONS}")
    if not 1 <= duration_s <= MAX_DURATION_S:
        raise SystemExit(f"--duration must be between 1 and {MAX_DURATION_S} seconds")


def run_load(base_url: str, pages: list[dict], sessions: int, duration_s: float, server_pid: int | None,
             ramp_s: float = 10.0, failure_texts: list[str] | None = None) -> dict:
    check_limits(sessions, duration_s)
    return asyncio.run(_drive(base_url, pages, sessions, duration_s, server_pid, ramp_s, failure_texts or []))
