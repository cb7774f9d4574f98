"""`python -m bench scaleout`: K site processes behind nginx on loopback. The load driver through the proxy
finds the sessions held at a p95 time-to-content no worse than 2x an idle server; then one process is killed
under load while browser readers watch (docs/deploy.md)."""
from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from bench.cluster import Cluster, cluster
from bench.load import MAX_SESSIONS
from core.config import ROOT

P95_LIMIT = 2.0  # a level is held while its p95 is at most this many times the idle p95, with no error
# Views the browser readers hold during the kill: one per page kind, each carried by its URL.
READER_VIEWS = (
    ("?block=personal&metric=top", "Do people agree with the Model Spec?"),
    ("people?field=age&breakdown=gender", "People and countries"),
    ("sections?threshold=4", "Agreement by spec section"),
    ("prompts", "Contested prompts"),
)


def _levels(text: str) -> list[int]:
    levels = sorted({int(x) for x in text.split(",")})
    if not levels or levels[0] < 1 or levels[-1] > MAX_SESSIONS:
        raise SystemExit(f"--sessions: levels between 1 and {MAX_SESSIONS}, e.g. 1,4,8,16")
    return levels


def ensure_store(env: dict[str, str]) -> str:
    """Build the site's store once, before the processes start (each would otherwise build its own on first use)."""
    child_env = {**os.environ, **env}
    where = subprocess.run([sys.executable, "-c", "from core import store; print(store.store_path(None))"],
                           cwd=ROOT, env=child_env, capture_output=True, text=True, timeout=120, check=True)
    path = where.stdout.strip()
    if not Path(path).is_file():
        subprocess.run([sys.executable, "-m", "core", "build"], cwd=ROOT, env=child_env, check=True, timeout=1800,
                       stdout=subprocess.DEVNULL)
    return path


def _sample_rss(c: Cluster, stop: threading.Event, peaks: dict[str, float]) -> None:
    while not stop.is_set():
        for port, mb in c.rss_mb().items():
            peaks[str(port)] = max(peaks.get(str(port), 0.0), mb)
        peaks["nginx"] = max(peaks.get("nginx", 0.0), c.nginx_rss_mb())
        stop.wait(1.0)


def _level(c: Cluster, pages: list[dict], failure_texts: list[str], sessions: int, duration_s: float,
           ramp_s: float, think_s: float) -> dict:
    """One load level through the proxy: the driver's figures, sessions per process, peak memory per process."""
    from bench.wsload import run_ws_load

    since, cpu_before = len(c.log_lines()), c.cpu_seconds()
    stop, peaks = threading.Event(), {}
    sampler = threading.Thread(target=_sample_rss, args=(c, stop, peaks), daemon=True)
    sampler.start()
    try:
        result = run_ws_load(c.proxy_url, pages, sessions, duration_s, None, ramp_s, failure_texts, think_s)
    finally:
        stop.set()
        sampler.join(timeout=10)
    cpu = {k: round(v - cpu_before.get(k, 0.0), 2) for k, v in c.cpu_seconds().items()}
    time.sleep(0.5)  # nginx logs a websocket when it closes
    keep = ("sessions", "page_views", "errors", "exceptions", "failed_requests", "timeouts", "view_ms_p50",
            "view_ms_p95", "error_examples")
    return {**{k: result[k] for k in keep}, "sessions_per_process": c.sessions_per_process(since),
            "rss_peak_mb": peaks, "views_per_s": result["page_views"] / max(result["elapsed_s"], 1e-9),
            "cpu_s": cpu, "elapsed_s": result["elapsed_s"], "loadavg_end": list(os.getloadavg()),
            # The load-independent figure: a page view's CPU in the site processes (all of them together).
            "cpu_ms_per_view": 1000 * sum(v for k, v in cpu.items() if k != "nginx") / max(result["page_views"], 1)}


def capacity(processes: int, levels: list[int], duration_s: float, ramp_s: float, env: dict[str, str], work: Path,
             pages: list[dict], failure_texts: list[str], think_s: float) -> dict:
    """Idle p95 (one busy session), then each level until p95 > P95_LIMIT x idle or an error."""
    from bench.wsload import run_ws_load

    with cluster(processes, work / f"k{processes}", env) as c:
        for server in c.servers:  # first use of each process (opening the store) is not load
            run_ws_load(server.base_url, pages, 1, 3, None, 0, failure_texts)
        # Idle: one session asking for page after page with no pause, so no run ever waits for another.
        idle = _level(c, pages, failure_texts, 1, duration_s, 0, 0)
        runs, held = [], 0
        for sessions in levels:
            run = _level(c, pages, failure_texts, sessions, duration_s, ramp_s, think_s)
            run["p95_over_idle"] = (run["view_ms_p95"] or float("inf")) / idle["view_ms_p95"]
            run["held"] = run["errors"] == 0 and run["p95_over_idle"] <= P95_LIMIT
            runs.append(run)
            print(f"  K={processes} sessions={sessions}: p95 {run['view_ms_p95'] or 0:.0f} ms "
                  f"({run['p95_over_idle']:.2f}x idle), {run['views_per_s']:.1f} views/s, "
                  f"{run['cpu_ms_per_view']:.0f} ms CPU/view, load {run['loadavg_end'][0]:.1f}, errors {run['errors']}, "
                  f"per process "
                  f"{run['sessions_per_process']}, peak RSS {run['rss_peak_mb']}", flush=True)
            if not run["held"]:
                break
            held = sessions
        idle_rss = c.rss_mb()
    return {"processes": processes, "think_s": think_s, "idle": idle, "levels": runs, "sessions_held": held,
            "sessions_held_per_process": held / processes, "rss_after_mb": idle_rss}


def kill_under_load(processes: int, sessions: int, duration_s: float, ramp_s: float, env: dict[str, str],
                    work: Path, pages: list[dict], failure_texts: list[str]) -> dict:
    """Websocket load with reconnects and browser readers on several views; the busiest reader process is killed
    halfway. Every moved reader must come back with its view and no error; the ws sessions must keep going."""
    from playwright.sync_api import sync_playwright

    from bench import failover

    shots = work / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with cluster(processes, work / f"kill_k{processes}", env) as c, sync_playwright() as pw:
        browser = failover.launch_browser(pw)
        readers = failover.open_readers(browser, c, list(READER_VIEWS), failure_texts)
        ports = [r["port"] for r in readers]
        victim = max(set(ports), key=ports.count)
        outcome: dict = {}

        def load() -> None:
            outcome["ws"], outcome["moves"] = failover.ws_load_with_moves(c.proxy_url, pages, sessions, duration_s,
                                                                          ramp_s, failure_texts)

        driver = threading.Thread(target=load)
        driver.start()
        time.sleep(ramp_s + (duration_s - ramp_s) / 3)
        failover.mark(readers)
        c.kill(victim)
        checked = [failover.check_reader(r, r["port"] == victim, shots) for r in readers]
        for reader, check in zip(readers, checked):
            check["port_after"] = c.upstream_of(reader["route"])
            check["download_works"] = failover.download_works(reader) if check["moved"] else None
            check["console_errors"] = reader["session"].console_errors[:5]
            check["first_visit"] = reader["first_visit"]
        driver.join(timeout=duration_s + 180)
        browser.close()
        ws, moves = outcome["ws"], outcome["moves"]
    return {
        "processes": processes, "killed_port": victim, "readers": checked,
        "ws": {k: ws[k] for k in ("sessions", "page_views", "errors", "exceptions", "failed_requests", "timeouts",
                                  "view_ms_p50", "view_ms_p95", "error_examples")},
        "ws_sessions_cut": moves.cut, "ws_interrupted_views": moves.interrupted_views,
        "ws_seconds_to_next_view": sorted(round(s, 2) for s in moves.seconds_to_next_view),
    }


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--processes", default="1,2", help="site process counts to measure, e.g. 1,2")
    parser.add_argument("--sessions", default="1,2,4,8,12,16,24,32", help="load levels (websocket sessions)")
    parser.add_argument("--duration", type=float, default=30, help="seconds per level (at most 900)")
    parser.add_argument("--ramp", type=float, default=5, help="seconds over which a level's sessions join")
    parser.add_argument("--think", type=float, default=0,
                        help="a reader's mean pause between pages, seconds (0: the load driver as is, no pause)")
    parser.add_argument("--kill-processes", type=int, default=2, help="processes for the kill run (0: skip it)")
    parser.add_argument("--kill-sessions", type=int, default=8, help="websocket sessions during the kill run")
    parser.add_argument("--kill-duration", type=float, default=45)
    parser.add_argument("--source", help="CA_SOURCE for the site processes (a directory, sample, …)")
    parser.add_argument("--build-dir", type=Path, help="CA_BUILD_DIR for the site processes (built there if missing)")
    parser.add_argument("--out", type=Path, default=Path("bench/out/scaleout.json"))


def run(args: argparse.Namespace) -> int:
    # A stop (timeout, kill) unwinds like an exception, so every process this command started is stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    from bench.load import check_limits
    from bench.pages import list_pages

    counts = [int(x) for x in args.processes.split(",") if x]
    levels = _levels(args.sessions)
    check_limits(levels[-1], args.duration)
    env = {k: str(v) for k, v in (("CA_SOURCE", args.source), ("CA_BUILD_DIR", args.build_dir)) if v}
    pages, failure_texts = list_pages()
    store = ensure_store(env)
    work = args.out.parent / "scaleout"
    result: dict = {"command": "python -m bench " + " ".join(sys.argv[1:]),
                    "store": store, "nproc": os.cpu_count(), "loadavg_start": list(os.getloadavg()), "p95_limit": P95_LIMIT,
                    "capacity": []}
    for k in counts:
        print(f"capacity with {k} process(es):", flush=True)
        result["capacity"].append(capacity(k, levels, args.duration, args.ramp, env, work, pages, failure_texts,
                                           args.think))
    if args.kill_processes >= 2:
        print(f"kill one of {args.kill_processes} processes under {args.kill_sessions} sessions:", flush=True)
        result["kill"] = kill_under_load(args.kill_processes, args.kill_sessions, args.kill_duration, args.ramp, env,
                                         work, pages, failure_texts)
        for reader in result["kill"]["readers"]:
            print(f"  reader {reader['view'] or '/'}: {reader}", flush=True)
        print(f"  ws: {result['kill']['ws']}, cut {result['kill']['ws_sessions_cut']}, back after "
              f"{result['kill']['ws_seconds_to_next_view']} s", flush=True)
    result["loadavg_end"] = list(os.getloadavg())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2, default=str) + "\n")
    for cap in result["capacity"]:
        print(f"K={cap['processes']}: idle p95 {cap['idle']['view_ms_p95']:.0f} ms; held {cap['sessions_held']} "
              f"sessions ({cap['sessions_held_per_process']:.1f} per process)")
    print(f"wrote {args.out}")
    kill = result.get("kill")
    ok = kill is None or (kill["ws"]["errors"] == 0 and all(
        r["same_url"] and r["same_view"] and not r["errors_shown"] and not r["connection_error_shown"]
        for r in kill["readers"]))
    return 0 if ok else 1
