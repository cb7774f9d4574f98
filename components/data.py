"""The store behind the site: one cached read-only DuckDB connection, a cursor per query, cached results."""
from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from core import config

REBUILD_HINT = "python -m core build --source {source}"
BUILD_WAIT_S = 3600  # a first build at full scale takes about a minute on 2 cores; an hour means it is stuck


class StoreUnavailable(Exception):
    """The store cannot be opened or built; the message is plain words for visitors."""


def source_name() -> str:
    """The source the site shows (CA_SOURCE, default `auto`)."""
    return os.environ.get(config.SOURCE_ENV) or config.DEFAULT_SOURCE


def _build_with_progress(name: str, path: Path) -> None:
    """Wait for the store's build, run in a child process (core.store.child), showing its progress.

    The build never runs in this process: a record that crashes a parser (pyarrow on a line nested 10,000
    deep) ends the child, not the server. Visitors who arrive meanwhile watch the same build.
    """
    from core.store import child

    job = child.ensure(name, path)
    if job is None:
        return
    bar = st.progress(0.0, text="Building the data store for the first time…")
    deadline = time.monotonic() + BUILD_WAIT_S
    while job.running() and time.monotonic() < deadline:
        fraction, message = job.progress()
        bar.progress(min(max(fraction, 0.0), 1.0), text=f"Building the data store: {message}"[:200])
        time.sleep(0.5)
    bar.empty()
    if job.running():
        raise StoreUnavailable(f"The data store is still being built after {BUILD_WAIT_S // 60} minutes. "
                               "Reload the page later.")
    failure = job.failure()
    if failure is not None:
        raise StoreUnavailable(f"The data store could not be built: {failure}. "
                               f"To build it by hand, run: {REBUILD_HINT.format(source=name)}")


@st.cache_resource(show_spinner="Opening the data store…", max_entries=4)
def _open(path: str, stamp: str) -> duckdb.DuckDBPyConnection:
    # `stamp` (inode and mtime) gives a rebuilt store its own connection, not the deleted file's.
    from core import store

    return store.open_store(Path(path))


def _stamp(path: Path) -> str:
    try:
        info = path.stat()
    except OSError:
        return "missing"
    return f"{info.st_ino}:{info.st_mtime_ns}"


@st.cache_resource(show_spinner=False)
def _store_path(name: str, build_dir: str) -> str:
    # Resolving `auto` probes the hub; do it once per server (and build directory), not on every query.
    from core import store

    return str(store.store_path(name))


def store_file() -> Path:
    """Where the store of the configured source lives."""
    return Path(_store_path(source_name(), str(config.BUILD_DIR)))


def connection() -> duckdb.DuckDBPyConnection:
    """The shared read-only connection; raises StoreUnavailable with a plain message."""
    from core import store

    name = source_name()
    try:
        path = store_file()
        if not path.exists():
            # Built outside the cached function so the progress bar is not replayed on every cache hit.
            _build_with_progress(name, path)
        return _open(str(path), _stamp(path))
    except StoreUnavailable:
        raise
    except store.StoreError as exc:
        raise StoreUnavailable(str(exc)) from exc  # its message already names the rebuild command
    except Exception as exc:  # a failed first build must still end in a plain message, never a traceback
        raise StoreUnavailable(
            f"The data store could not be built or opened ({exc.__class__.__name__}). "
            f"To rebuild it, run: {REBUILD_HINT.format(source=name)}"
        ) from exc


@st.cache_data(max_entries=512, show_spinner=False)
def _read(_fn: Callable[..., pd.DataFrame], key: str, args: tuple, store: str) -> pd.DataFrame:
    # A fresh cursor per query: a DuckDB connection must not be shared between Streamlit's threads.
    return read_on(connection(), _fn, *args)


def read_on(con: duckdb.DuckDBPyConnection, fn: Callable[..., pd.DataFrame], *args) -> pd.DataFrame:
    """fn(cursor, *args) with damaged data blocks reported in plain words (also for files made on a download click,
    whose thread gets the connection from the page run)."""
    try:
        return fn(con.cursor(), *args)
    except duckdb.Error as exc:
        from core.store import damage

        problem = damage(exc, store_file(), source_name())
        if problem is None:
            raise
        raise StoreUnavailable(str(problem)) from exc  # damaged data blocks: plain words on every page


def _key(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def _checked_store() -> Path:
    try:
        return store_file()
    except Exception as exc:  # resolving the source failed: same plain message as a missing store
        raise StoreUnavailable(f"The data source could not be resolved ({exc.__class__.__name__}). "
                               f"To build it, run: {REBUILD_HINT.format(source=source_name())}") from exc


def _store_key() -> str:
    """The store file and its stamp: results cached from a store that was since rebuilt are not reused."""
    path = _checked_store()
    return f"{path}@{_stamp(path)}"


def read(fn: Callable[..., pd.DataFrame], *args: object) -> pd.DataFrame:
    """Run `fn(cursor, *args)` on the store, cached per function, arguments and store file."""
    return _read(fn, _key(fn), args, _store_key())


@st.cache_data(max_entries=512, show_spinner=False)
def _read_shown(_fn: Callable[..., pd.DataFrame], key: str, args: tuple, store: str) -> pd.DataFrame:
    from core import privacy

    return privacy.rule_of(_fn).apply(_read(_fn, key, args, store))


def read_shown(fn: Callable[..., pd.DataFrame], *args: object) -> pd.DataFrame:
    """`read`, then the small-group rule `fn` declares (core.privacy.declares), cached together: the rule runs
    once per result, not on every rerun."""
    return _read_shown(fn, _key(fn), args, _store_key())


@st.cache_data(max_entries=8, show_spinner=False)
def _source_info(store: str) -> dict[str, str]:
    from core.reads import figures

    df = _read(figures.manifest, _key(figures.manifest), (), store)
    return dict(zip(df["key"].astype(str), df["value"].astype(str), strict=True))


def source_info() -> dict[str, str]:
    """The store manifest as a dict (read once per store file)."""
    return _source_info(_store_key())


def is_synthetic(info: dict[str, str]) -> bool:
    """True when the manifest says the data is generated."""
    return str(info.get("synthetic", "true")).lower() != "false"
