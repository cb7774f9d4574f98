"""`python -m bench load`: N concurrent sessions through every page of a local server, bounded in time."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--sessions", type=int, default=20, help="concurrent browser sessions (at most 50)")
    parser.add_argument("--duration", type=float, default=60, help="seconds of load (at most 900)")
    parser.add_argument("--host", default="127.0.0.1", help="loopback only: 127.0.0.1 or localhost")
    parser.add_argument("--port", type=int, help="target a server already running on this port (else start one)")
    parser.add_argument("--source", help="CA_SOURCE for the server this command starts (a directory, sample, …)")
    parser.add_argument("--build-dir", type=Path, help="CA_BUILD_DIR for the server this command starts")
    parser.add_argument("--ramp", type=float, default=10.0, help="seconds over which sessions join")
    parser.add_argument("--mode", choices=("ws", "browser"), default="ws",
                        help="ws: Streamlit's websocket protocol (default; 20 Chromium tabs starve 2 cores); "
                             "browser: one headless Chromium context per session")
    parser.add_argument("--out", type=Path, default=Path("bench/out/load.json"))


def _listening_pid(port: int) -> int | None:
    """The process listening on a local port, so its memory can be sampled (None if not visible)."""
    import psutil

    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid:
                return conn.pid
    except psutil.AccessDenied:
        return None
    return None


def run(args: argparse.Namespace) -> int:
    from bench.load import run_load
    from bench.pages import list_pages
    from bench.server import require_loopback, streamlit_server, wait_healthy
    from bench.wsload import run_ws_load
    from core.config import ROOT

    require_loopback(args.host)
    pages, failure_texts = list_pages()
    drive = run_ws_load if args.mode == "ws" else run_load
    command = "python -m bench " + " ".join(sys.argv[1:])
    if args.port:
        base_url = f"http://{args.host}:{args.port}"
        wait_healthy(base_url, timeout_s=10)
        result = drive(base_url, pages, args.sessions, args.duration, _listening_pid(args.port), args.ramp,
                       failure_texts)
    else:
        env = {k: str(v) for k, v in (("CA_SOURCE", args.source), ("CA_BUILD_DIR", args.build_dir)) if v}
        with streamlit_server(ROOT / "app.py", args.out.parent / "load_server.log", env=env) as server:
            # One visit first so a store built on first use is not counted as load.
            run_ws_load(server.base_url, pages[:1], 1, 1, None, 0)
            result = drive(server.base_url, pages, args.sessions, args.duration, server.pid, args.ramp,
                           failure_texts)
    result.update(command=command, mode=args.mode, pages=[p["url_path"] or "/" for p in pages], loadavg_end=list(os.getloadavg()))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"{args.mode}: {result['sessions']} sessions × {result['elapsed_s']:.0f} s: {result['page_views']} page views, "
          f"{result['errors']} errors (exceptions {result['exceptions']}, console {result['console_errors']}, "
          f"failed requests {result['failed_requests']}, timeouts {result['timeouts']})")
    print(f"page view p50 {result['view_ms_p50'] or 0:.0f} ms, p95 {result['view_ms_p95'] or 0:.0f} ms")
    if "rss_start_mb" in result:
        print(f"server RSS {result['rss_start_mb']:.0f} → peak {result['rss_peak_mb']:.0f} → end {result['rss_end_mb']:.0f} MB; "
              f"slope first third {result['rss_slope_first_third_mb_per_min']:+.1f} MB/min, last third "
              f"{result['rss_slope_last_third_mb_per_min']:+.1f} MB/min → "
              f"{'stops growing' if result['rss_stops_growing'] else 'STILL GROWING'}")
    for example in result["error_examples"]:
        print("  " + example)
    print(f"wrote {args.out}")
    return 0 if result["errors"] == 0 and result.get("rss_stops_growing", True) else 1
