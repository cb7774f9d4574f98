"""Work run in a fresh child process (`python -m core.bench.child …`), printing one JSON line.

Streamlit and the store are imported only here, in the child, so the measuring process stays
small and each measurement starts cold.
"""
from __future__ import annotations

import argparse
import inspect
import json
import resource
import statistics
import sys
import time
from pathlib import Path

from core.config import ROOT


def _field(entry, name: str):
    return entry.get(name) if isinstance(entry, dict) else getattr(entry, name, None)


def list_pages() -> list[dict]:
    """The page registry from components/nav.py, whatever its variable is called."""
    from components import nav

    registries = [value for value in vars(nav).values()
                  if isinstance(value, (list, tuple)) and value
                  and all(_field(e, "path") is not None and _field(e, "url_path") is not None for e in value)]
    if not registries:
        raise SystemExit("components/nav.py has no list of pages with `path` and `url_path`")
    registry = max(registries, key=len)
    # Like app.py, leave out a registered page whose script does not exist (yet).
    registry = [e for e in registry if (ROOT / str(_field(e, "path"))).is_file()]
    return [{"path": str(_field(e, "path")), "title": str(_field(e, "title") or _field(e, "path")),
             "url_path": str(_field(e, "url_path")), "heading": str(_field(e, "heading") or "")}
            for e in registry]


def failure_texts() -> list[str]:
    """The site's own failure messages (components/frame.py constants named *FAILURE*): an error box
    showing one of them is a failed page, while other error boxes (e.g. the synthetic-data notice) are content."""
    try:
        from components import frame
    except ImportError:
        return []
    return [v for k, v in vars(frame).items() if k.endswith("FAILURE") and isinstance(v, str)]


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


def _stage_timings(result, events: list[tuple[float, tuple]], t0: float) -> dict[str, float]:
    """Per-stage seconds as the build reports them (`stage_seconds`), else the gaps between progress messages."""
    reported = getattr(result, "stage_seconds", None)
    if isinstance(reported, dict) and reported:
        return {str(k): float(v) for k, v in reported.items()}
    stages: dict[str, float] = {}
    previous, name = t0, None
    for when, args in events:
        label = next((a for a in args if isinstance(a, str)), None)
        if label and label != name:
            if name:
                stages[name] = stages.get(name, 0.0) + when - previous
            previous, name = when, label
    return stages


def time_build(source: str, bootstrap_b: int, seed: int) -> dict:
    """The build into the store the site would open for this source (CA_BUILD_DIR decides where)."""
    t_import = time.perf_counter()
    from core.store import build, store_path

    imported = time.perf_counter() - t_import
    db = Path(store_path(source))
    events: list[tuple[float, tuple]] = []
    kwargs = {"db_path": db, "bootstrap_b": bootstrap_b, "seed": seed}
    if "progress" in inspect.signature(build).parameters:
        kwargs["progress"] = lambda *a, **k: events.append((time.perf_counter(), a + tuple(k.values())))
    t0 = time.perf_counter()
    result = build(source, **kwargs)
    call_s = time.perf_counter() - t0
    events.append((time.perf_counter(), ("<end>",)))
    usage = resource.getrusage(resource.RUSAGE_SELF)
    # CPU seconds (all threads) next to wall time: on a shared machine wall time includes waiting for a core.
    return {"db": str(db), "call_s": call_s, "import_s": imported, "peak_rss_mb": usage.ru_maxrss / 1024,
            "cpu_s": usage.ru_utime + usage.ru_stime,
            "stages": _stage_timings(result, events, t0)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m core.bench.child")
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
    args = parser.parse_args(argv)
    if args.what == "pages":
        out = {"pages": list_pages(), "failure_texts": failure_texts()}
    elif args.what == "apptest":
        out = time_apptest(args.app, args.page, args.repeats, args.timeout)
    else:
        out = time_build(args.source, args.bootstrap, args.seed)
    sys.stdout.write("\n" + json.dumps(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
