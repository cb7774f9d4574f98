"""Work run in a fresh child process (`python -m bench.child …`), printing one JSON line.

Streamlit and the store are imported only here, in the child, so the measuring process stays
small and each measurement starts cold.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from pathlib import Path


def list_pages() -> list[dict]:
    """The site's pages from its registry (components/nav.py): the benchmark measures the site, so it reads it."""
    from components import nav

    return [{"path": p.path, "title": p.title, "url_path": p.url_path, "heading": p.heading}
            for p in nav.PAGES if nav.exists(p)]


def failure_texts() -> list[str]:
    """The site's own failure message: an error box showing it is a failed page, while other error boxes
    (e.g. the synthetic-data notice) are content."""
    from components import frame

    return [frame.PAGE_FAILURE]


def time_apptest(app: str, page: str | None, repeats: int, timeout_s: float) -> dict:
    """Cold run, then `repeats` warm runs, then one run after clearing Streamlit's caches.

    A page that fails is reported (first message) rather than timed: the site turns exceptions into
    an error box with its own failure message, so those count as failures too.
    """
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(app, default_timeout=timeout_s)
    if page:
        at.switch_page(page)

    def run_once() -> float:
        t0 = time.perf_counter()
        at.run()
        return time.perf_counter() - t0

    markers = failure_texts()

    def failure() -> str | None:
        found = [e.value for e in at.exception]
        found += [e.value for e in at.error if any(m in str(e.value) for m in markers)]
        return str(found[0])[:500] if found else None

    cold = run_once()
    if failure():
        return {"error": failure()}
    warm = [run_once() for _ in range(repeats)]
    st.cache_data.clear()
    st.cache_resource.clear()
    cleared = run_once()
    return {"cold_s": cold, "warm_ms": [w * 1000 for w in warm], "warm_ms_median": statistics.median(warm) * 1000,
            "cache_cleared_ms": cleared * 1000, **({"error": failure()} if failure() else {})}


def time_build(source: str, bootstrap_b: int, seed: int) -> dict:
    """The build into the store the site would open for this source (CA_BUILD_DIR decides where)."""
    t_import = time.perf_counter()
    from core.store import build, store_path

    imported = time.perf_counter() - t_import
    db = Path(store_path(source))
    t0 = time.perf_counter()
    result = build(source, db_path=db, bootstrap_b=bootstrap_b, seed=seed)
    call_s = time.perf_counter() - t0
    usage = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)  # the rubric file's reading process
    # CPU seconds (all threads and the child) next to wall time: on a shared machine wall time includes waiting for
    # a core.
    return {"db": str(db), "call_s": call_s, "import_s": imported, "peak_rss_mb": usage.ru_maxrss / 1024,
            "cpu_s": usage.ru_utime + usage.ru_stime + children.ru_utime + children.ru_stime,
            "child_peak_rss_mb": children.ru_maxrss / 1024,
            "stages": {str(k): float(v) for k, v in result.stage_seconds.items()}}


def time_reader(source: str) -> dict:
    """The reading the build cannot skip: `core.source.iter_records` over the three files (importing `datasets`,
    `load_dataset` into Arrow, rows out), every record dropped unchecked. The floor of the pipeline as specified."""
    import gc

    gc.disable()  # as the build does while it reads (core.validate.gc_paused): the floor is the cheapest read
    t0, c0 = time.perf_counter(), time.process_time()
    from core.release import source as release_source

    release = release_source.open_release(release_source.resolve_source(source))
    rows = 0
    for config_name in release.files:
        for _ in release_source.iter_records(release, config_name):
            rows += 1
    return {"seconds": time.perf_counter() - t0, "cpu_s": time.process_time() - c0, "rows": rows,
            "loaders": {name: item.loader for name, item in release.files.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.child")
    sub = parser.add_subparsers(dest="what", required=True)
    sub.add_parser("pages")
    p = sub.add_parser("apptest")
    p.add_argument("--app", required=True)
    p.add_argument("--page", help="page script relative to the app; omit for the home page")
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--timeout", type=float, default=120.0)
    b = sub.add_parser("build")
    b.add_argument("--source", required=True)
    b.add_argument("--bootstrap", type=int, required=True)
    b.add_argument("--seed", type=int, required=True)
    r = sub.add_parser("reader")
    r.add_argument("--source", required=True)
    args = parser.parse_args(argv)
    if args.what == "pages":
        out = {"pages": list_pages(), "failure_texts": failure_texts()}
    elif args.what == "apptest":
        out = time_apptest(args.app, args.page, args.repeats, args.timeout)
    elif args.what == "reader":
        out = time_reader(args.source)
    else:
        out = time_build(args.source, args.bootstrap, args.seed)
    sys.stdout.write("\n" + json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
