"""Helpers of the trust tests, imported as tests.trust.support so the counts live in one module object."""
from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st
from streamlit.testing.v1 import AppTest

from bench import server
from bench.browser import CHROMIUM, CHROMIUM_ARGS  # noqa: F401 - the trust tests import them from here
from components import nav
from core import config
from tests import apptest, lazy

TRUST_BOOTSTRAP_B = 20
COUNTS_FILE = config.ROOT / "tests" / "artifacts" / "trust_counts.json"
LOCAL_HOSTS = {"127.0.0.1", "localhost", ""}

COUNTS: Counter = Counter()


def write_counts(counts: Counter) -> None:
    """Merge this run's counts into tests/artifacts/trust_counts.json (keys not counted this run keep their value)."""
    COUNTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    previous = json.loads(COUNTS_FILE.read_text()) if COUNTS_FILE.is_file() else {}
    previous.update(dict(sorted(counts.items())))
    COUNTS_FILE.write_text(json.dumps(previous, indent=1, sort_keys=True) + "\n")
    print("\ntrust counts:", json.dumps(dict(sorted(counts.items()))))


def count(name: str, n: int = 1) -> None:
    """Add to a figure quoted in docs/reliability.md (written to tests/artifacts/trust_counts.json)."""
    COUNTS[name] += n


@dataclass
class BuiltStore:
    """A release directory built into a store at the path the site derives for it."""

    source_dir: Path
    build_dir: Path
    db_path: Path
    planted: dict = field(default_factory=dict)


def store_path_for(source_dir: Path, build_dir: Path) -> Path:
    """The file the site opens for CA_SOURCE=source_dir and CA_BUILD_DIR=build_dir."""
    from core import store

    saved = config.BUILD_DIR
    config.BUILD_DIR = build_dir
    try:
        return store.store_path(str(source_dir))
    finally:
        config.BUILD_DIR = saved


def build_store(source_dir: Path, build_dir: Path) -> Path:
    from core import store

    db = store_path_for(source_dir, build_dir)
    store.build(str(source_dir), db_path=db, bootstrap_b=TRUST_BOOTSTRAP_B, seed=config.BOOTSTRAP_SEED)
    return db


@dataclass
class Download:
    """One st.download_button call: what the reader would get by clicking it."""

    page: str
    label: str
    file_name: str
    mime: str
    payload: object  # bytes, str or a zero-argument callable (deferred generation)

    def data(self) -> bytes:
        value = self.payload() if callable(self.payload) else self.payload
        return value.encode("utf-8") if isinstance(value, str) else bytes(value)


@contextmanager
def site_on(built: BuiltStore) -> Iterator[None]:
    """Point the in-process site (config, env, caches) at a built store."""
    saved_dir, saved_env = config.BUILD_DIR, {k: os.environ.get(k) for k in (config.SOURCE_ENV, "CA_BUILD_DIR")}
    config.BUILD_DIR = built.build_dir
    os.environ[config.SOURCE_ENV] = str(built.source_dir)
    os.environ["CA_BUILD_DIR"] = str(built.build_dir)
    st.cache_data.clear()
    st.cache_resource.clear()
    try:
        yield
    finally:
        st.cache_data.clear()
        st.cache_resource.clear()
        config.BUILD_DIR = saved_dir
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


class SiteRunner:
    """Runs app.py with AppTest on any page and query, recording every download button it draws."""

    def __init__(self) -> None:
        self.downloads: list[Download] = []
        self._page = ""

    def record(self, original: Callable) -> Callable:
        def download_button(label, data, file_name=None, mime=None, *args, **kwargs):
            self.downloads.append(Download(self._page, str(label), str(file_name), str(mime), data))
            return original(label, data, file_name, mime, *args, **kwargs)
        return download_button

    def open(self, page: str = nav.HOME.path, query: dict[str, str | list[str]] | None = None,
             expand: bool = False) -> AppTest:
        """Run the page; with `expand`, also open every lazy expander (frame.lazy_expander, keys "open:…") and
        every chart's Table tab (keys "tabs:…"), and run again until none is left closed, so the checks see every
        table a reader can open. (The reruns drop one-off output such as the junk-parameter notice, so checks of
        that run without `expand`.)"""
        self._page = page
        at = apptest.open_page(page, query, timeout=120)
        return lazy.open_all(at, tables=True) if expand else at


def texts_of(at: AppTest) -> list[str]:
    """Every piece of visible text AppTest exposes (markdown, text, captions, headings, alerts, code, metrics)."""
    out: list[str] = []
    for kind in ("markdown", "text", "caption", "title", "header", "subheader", "error", "warning", "info",
                 "success", "code", "exception"):
        out += [str(getattr(e, "value", "")) for e in at.get(kind)]
    out += [f"{m.label} {m.value}" for m in at.metric]
    return out


def exceptions_of(at: AppTest) -> list[str]:
    """Uncaught exceptions, and the frame's own "could not be shown" message (app.py shows it, not an exception, when
    a page raises: a walk that counted exceptions alone once missed a Changelog that failed with two rubric panels
    open)."""
    from components import frame

    return [str(e.value) for e in at.exception] + [e.value for e in at.error if frame.PAGE_FAILURE in e.value]


# ---------------------------------------------------------------- a real server and a real browser


@contextmanager
def streamlit_server(source: Path | str, build_dir: Path, extra_env: dict | None = None) -> Iterator[str]:
    """`streamlit run app.py` on a free loopback port for a source and build dir; yields the base URL."""
    env = {config.SOURCE_ENV: str(source), "CA_BUILD_DIR": str(build_dir), **(extra_env or {})}
    with server.streamlit_server(config.ROOT / "app.py", build_dir / "streamlit.log", env=env,
                                 timeout_s=90) as running:
        yield running.base_url


def wait_idle(page, timeout: int = 60_000) -> None:
    """Wait until the app has drawn its heading (or a failure) and its script run has finished."""
    page.locator("h1, [data-testid='stAlert']").first.wait_for(timeout=timeout)
    page.wait_for_function("!document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)
    page.wait_for_timeout(700)
