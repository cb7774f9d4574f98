"""`python -m bench`: build and site measured on synthetic data, each figure next to its target."""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shlex
import sys
from pathlib import Path

# scale -> (generator scale, bootstrap replicates, extra sessions for the memory slope).
# `tiny` exists for the test: the generator's `small` sample with fewer replicates and sessions.
SCALES = {"tiny": ("small", 100, 2), "full": ("full", 1000, 10), "10x": ("10x", 1000, 10)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scale", nargs="+", choices=list(SCALES), default=["full"],
                        help="one or more scales; with 10x, full is measured too unless its JSON is in --out")
    parser.add_argument("--out", type=Path, default=Path("bench/out"), help="data, stores, logs and JSON")
    parser.add_argument("--repeats", type=int, default=5, help="warm runs per page (median reported)")
    parser.add_argument("--browser-repeats", type=int, default=5,
                        help="first visits per page and profile in Chromium (median reported)")
    parser.add_argument("--sessions", type=int, help="extra sessions for the memory slope (default per scale)")
    parser.add_argument("--bootstrap", type=int, help="bootstrap replicates (default 1000; 100 at tiny)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--build-repeats", type=int, default=3,
                        help="builds and reader-floor reads, alternating; the best of each is compared (3)")
    parser.add_argument("--skip-browser", action="store_true", help="no server, Chromium or memory figures")


def machine() -> dict:
    import psutil

    return {"nproc": os.cpu_count(), "mem_total_gb": psutil.virtual_memory().total / 2**30,
            "python": platform.python_version(), "platform": platform.platform(),
            "loadavg": list(os.getloadavg())}


def measure_scale(scale: str, args: argparse.Namespace) -> dict:
    from bench import live, pages, pipeline

    sample_scale, default_b, default_sessions = SCALES[scale]
    work = args.out.resolve() / scale
    source = work / "source"
    print(f"[{scale}] generating synthetic data ({sample_scale}) in {source}", flush=True)
    data = pipeline.generate(sample_scale, args.seed, source)
    floor = pipeline.parse_floor(source)
    bootstrap_b = args.bootstrap or default_b
    print(f"[{scale}] building the store {args.build_repeats} times (B = {bootstrap_b}), each after a reader-floor "
          "read", flush=True)
    build, reader = pipeline.build_and_reader_floor(source, work / "store", work, bootstrap_b, args.seed,
                                                    args.build_repeats)
    build.update(parse_floor_s=floor["seconds"], parse_floor_cpu_s=floor["cpu_s"], parse_floor_decoder=floor["decoder"],
                 ratio_to_floor=build["process_wall_s"] / floor["seconds"],
                 cpu_ratio_to_floor=build["cpu_s"] / floor["cpu_s"],
                 reader_floor_s=reader["seconds"], reader_floor_cpu_s=reader["cpu_s"],
                 reader_floor_loaders=reader["loaders"], ratio_to_reader_floor=build["call_s"] / reader["seconds"])
    env = pipeline.site_env(source, work / "store")
    site_pages, failure_texts = pages.list_pages()
    print(f"[{scale}] timing {len(site_pages)} pages with AppTest ({args.repeats} warm runs each)", flush=True)
    run = {"data": data, "build": build,
           "pages": pages.time_pages(site_pages, env, args.repeats, pages.write_empty_app(work / "empty_app"))}
    if not args.skip_browser:
        print(f"[{scale}] Chromium against a live server", flush=True)
        run.update(live.measure(site_pages, env, work, args.browser_repeats, args.sessions or default_sessions,
                                failure_texts=failure_texts))
    return run


def run(args: argparse.Namespace) -> int:
    from bench import report
    from core.config import code_version

    scales = list(dict.fromkeys(args.scale))
    full_json = args.out / "bench-full.json"
    if "10x" in scales and "full" not in scales and not full_json.exists():
        scales.insert(scales.index("10x"), "full")
    started = dt.datetime.now(dt.UTC)
    meta = {"command": "python -m bench " + shlex.join(sys.argv[1:] if sys.argv[0].endswith("__main__.py") else []),
            "started_at": started.isoformat(timespec="seconds"), "code_version": code_version(),
            "machine": machine()}
    runs = {scale: measure_scale(scale, args) for scale in scales}
    meta["loadavg_end"] = list(os.getloadavg())
    meta["seconds"] = (dt.datetime.now(dt.UTC) - started).total_seconds()

    ratios = None
    if "10x" in runs:
        full = runs.get("full") or json.loads(full_json.read_text())["runs"]["full"]
        ratios = report.scale_ratios(full, runs["10x"])
    found = report.checks(runs, ratios)
    result = {"meta": meta, "runs": runs, "scale": ratios}
    for line in [*report.figures_table(runs), "", *report.checks_table(found)]:
        print(line)
    name = "bench-" + "-".join(scales) + ".json"
    report.write_json(args.out / name, result, found)
    if len(scales) > 1:  # one file per scale too, so a later `--scale 10x` can compare with full
        for scale in scales:
            report.write_json(args.out / f"bench-{scale}.json", {"meta": meta, "runs": {scale: runs[scale]}},
                              [c for c in found if c.scale == scale])
    print(f"\nwrote {args.out / name}; load average at start {meta['machine']['loadavg']}, end {meta['loadavg_end']}")
    return 0
