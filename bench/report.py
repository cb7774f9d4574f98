"""Targets, the PASS/MISS checks, the printed table and the JSON file."""
from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

# Targets from issues 7 and 17 (2-core machine), each met when the value is at most the limit. Absolute ones apply at
# every scale but 10x; 10x is judged against full. Issue 17 retired the parse floor: the build is judged against
# the reader floor (load_dataset alone), and first visits on both profiles, with their layout shift.
BUILD_MAX_S = 20.0
BUILD_MAX_READER_FLOOR_RATIO = 3.0
MAX_CLS = 0.05
WARM_PAGE_MAX_MS = 150.0
BROWSER_MAX_RATIO = 1.5
SERVER_MAX_MB = 400.0
SESSION_MAX_MB = 15.0
TEN_X_BUILD_MAX_RATIO = 12.0
TEN_X_PAGE_MAX_RATIO = 1.5


@dataclass
class Check:
    scale: str
    figure: str
    value: float | None  # None: not measured because the page failed
    unit: str
    limit: float
    status: str


def _check(scale: str, figure: str, value: float | None, unit: str, limit: float) -> Check:
    if value is None or math.isnan(value):
        return Check(scale, figure, None, unit, limit, "ERROR")
    return Check(scale, figure, value, unit, limit, "PASS" if value <= limit else "FAIL")


def scale_ratios(full: dict, ten_x: dict) -> dict:
    """10x over full, for the build and each page's warm run."""
    pages = {t: ten_x["pages"][t]["warm_ms_median"] / full["pages"][t]["warm_ms_median"]
             for t in full["pages"] if not t.startswith("_")
             and "warm_ms_median" in full["pages"][t] and "warm_ms_median" in ten_x["pages"].get(t, {})}
    return {"build_ratio": ten_x["build"]["process_wall_s"] / full["build"]["process_wall_s"],
            "warm_page_ratio": pages}


def checks(runs: dict, ratios: dict | None) -> list[Check]:
    out: list[Check] = []
    for scale, run in runs.items():
        if scale == "10x":
            continue
        build = run["build"]
        out.append(_check(scale, "build time", build["process_wall_s"], "s", BUILD_MAX_S))
        out.append(_check(scale, "build / reader floor", build.get("ratio_to_reader_floor"), "x",
                          BUILD_MAX_READER_FLOOR_RATIO))
        for title, page in run["pages"].items():
            if not title.startswith("_"):
                out.append(_check(scale, f"warm run: {title}", page.get("warm_ms_median"), "ms", WARM_PAGE_MAX_MS))
        if "browser" in run:
            for profile, figures in run["browser"].get("profiles", {"desktop": run["browser"]}).items():
                for title, page in figures["pages"].items():
                    out.append(_check(scale, f"first visit / empty, {profile}: {title}", page["ratio_to_empty"], "x",
                                      BROWSER_MAX_RATIO))
                    if "cls" in page:
                        out.append(_check(scale, f"layout shift, {profile}: {title}", page["cls"], "", MAX_CLS))
            out.append(_check(scale, "server RSS after all pages", run["memory"]["rss_after_pages_mb"], "MB",
                              SERVER_MAX_MB))
            out.append(_check(scale, "RSS per extra session", run["memory"]["per_session_mb"], "MB", SESSION_MAX_MB))
    if ratios:
        out.append(_check("10x", "build 10x / full", ratios["build_ratio"], "x", TEN_X_BUILD_MAX_RATIO))
        for title, ratio in ratios["warm_page_ratio"].items():
            out.append(_check("10x", f"warm run 10x / full: {title}", ratio, "x", TEN_X_PAGE_MAX_RATIO))
    return out


def _fmt(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.2f}"


def figures_table(runs: dict) -> list[str]:
    """Every measured figure, target or not."""
    lines = []
    for scale, run in runs.items():
        b = run["build"]
        lines.append(f"[{scale}] data {run['data']['mb']:.1f} MB · build {b['process_wall_s']:.2f} s "
                     f"(build() {b['call_s']:.2f} s, imports {b['import_s']:.2f} s) · peak RSS "
                     f"{b['peak_rss_mb']:.0f} MB · parse floor {b['parse_floor_s']:.3f} s ({b['parse_floor_decoder']}) "
                     f"· ratio {b['ratio_to_floor']:.1f}x · B={b['bootstrap_b']}")
        lines.append(f"[{scale}] CPU: build {b['cpu_s']:.2f} s, parse floor {b['parse_floor_cpu_s']:.3f} s, "
                     f"ratio {b['cpu_ratio_to_floor']:.1f}x (wall time on a busy machine includes waiting for a core)")
        if "reader_floor_s" in b:
            lines.append(f"[{scale}] reader floor (import datasets + load_dataset + rows, nothing checked, fresh "
                         f"process and cache) {b['reader_floor_s']:.2f} s · build() / reader floor "
                         f"{b['ratio_to_reader_floor']:.2f}x (best of each) · loaders {b['reader_floor_loaders']}")
        if "call_s_runs" in b:
            lines.append(f"[{scale}] runs, alternating: build() " + ", ".join(f"{x:.2f}" for x in b["call_s_runs"])
                         + " s · reader floor " + ", ".join(f"{x:.2f}" for x in b["reader_floor_s_runs"]) + " s")
        if b["stages"]:
            lines.append(f"[{scale}] stages: " + ", ".join(f"{k} {v:.2f} s" for k, v in b["stages"].items()))
        lines.append(f"[{scale}] {'page':<34} {'cold s':>8} {'warm ms':>9} {'cleared ms':>11} {'browser ms':>11} "
                     f"{'/empty':>7} {'/plotly':>8}")
        browser_run = run.get("browser", {})
        if "plotly_floor_ms" in browser_run:
            lines.append(f"[{scale}] {'_one_plotly_chart (reference)':<34} {'-':>8} {'-':>9} {'-':>11} "
                         f"{_fmt(browser_run['plotly_floor_ms']):>11} {_fmt(browser_run['plotly_floor_ratio_to_empty']):>7} "
                         f"{'1.00':>8}")
        for title, page in run["pages"].items():
            shown = browser_run.get("pages", {}).get(title)
            if title == "_empty" and browser_run:
                shown = {"ms": browser_run["empty_ms"], "ratio_to_empty": 1.0,
                         "ratio_to_plotly_floor": browser_run["empty_ms"] / browser_run.get("plotly_floor_ms", math.nan)}
            if "warm_ms_median" not in page:
                lines.append(f"[{scale}] {title:<34} FAILED: {page.get('error')}")
                continue
            lines.append(f"[{scale}] {title:<34} {page['cold_s']:>8.2f} {page['warm_ms_median']:>9.1f} "
                         f"{page['cache_cleared_ms']:>11.1f} "
                         f"{_fmt(shown['ms']) if shown else '-':>11} {_fmt(shown['ratio_to_empty']) if shown else '-':>7} "
                         f"{_fmt(shown.get('ratio_to_plotly_floor')) if shown else '-':>8}"
                         + (f"  error: {page['error'][:80]}" if page.get("error") else ""))
        lines += first_visit_table(run, scale)
        if "memory" in run:
            m = run["memory"]
            lines.append(f"[{scale}] server RSS idle {m['rss_idle_mb']:.0f} MB, after every page {m['rss_after_pages_mb']:.0f} MB, "
                         f"{m['per_session_mb']:+.2f} MB per extra session over {m['sessions_added']} sessions; "
                         f"errors seen {run['session_errors']}")
    return lines


def first_visit_table(run: dict, scale: str) -> list[str]:
    """Per profile: each page's median first visit, its ratio to the empty page (with the spread over visits),
    the bytes it took (compressed, as sent) and its layout shift."""
    lines = []
    browser_run = run.get("browser", {})
    for profile, figures in browser_run.get("profiles", {}).items():
        empty = figures["empty"]
        lines.append(f"[{scale}] first visit, {profile}: median of {browser_run.get('repeats')} fresh contexts per page, "
                     "interleaved; KB as sent (compressed); CLS median")
        lines.append(f"[{scale}] first visit, {profile}: {'page':<28} {'ms':>7} {'/empty':>7} {'spread':>11} {'KB':>7} "
                     f"{'CLS':>6}")
        rows = [("_empty (reference)", empty), *figures["pages"].items()]
        if "plotly_floor_ms" in figures:
            rows.insert(1, ("_one_plotly_chart (reference)", {"ms": figures["plotly_floor_ms"],
                                                              "ratio_to_empty": figures["plotly_floor_ratio_to_empty"],
                                                              "kb": figures["plotly_floor_kb"]}))
        for title, page in rows:
            runs = page.get("ratio_runs") or []
            spread = f"{min(runs):.2f}-{max(runs):.2f}" if runs else "-"
            cls = f"{page['cls']:>6.3f}" if "cls" in page else f"{'-':>6}"
            lines.append(f"[{scale}] first visit, {profile}: {title[:28]:<28} {_fmt(page['ms']):>7} "
                         f"{_fmt(page['ratio_to_empty']):>7} {spread:>11} {_fmt(page.get('kb')):>7} {cls}")
    return lines


def checks_table(found: list[Check]) -> list[str]:
    lines = [f"{'scale':<6} {'figure':<46} {'value':>10} {'target':>10}  status"]
    for c in found:
        lines.append(f"{c.scale:<6} {c.figure[:46]:<46} {_fmt(c.value) + ' ' + c.unit:>10} "
                     f"{'≤ ' + _fmt(c.limit) + ' ' + c.unit:>10}  {c.status}")
    return lines


def write_json(path: Path, result: dict, found: list[Check]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**result, "checks": [asdict(c) for c in found]}, indent=2, sort_keys=False) + "\n")
