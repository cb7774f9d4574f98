"""Site test fixtures: the sample store built once into a tmp build dir, and an AppTest factory for any page."""
from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from components import nav
from core import config
from tests import apptest

SITE_BOOTSTRAP_B = 30


@pytest.fixture(scope="session")
def sample_build_dir(tmp_path_factory) -> Path:
    """A build directory holding `ca_sample.duckdb`, built once per session from data/sample with a small B."""
    from core import store

    build_dir = tmp_path_factory.mktemp("site_build")
    store.build("sample", db_path=build_dir / "ca_sample.duckdb", bootstrap_b=SITE_BOOTSTRAP_B,
                seed=config.BOOTSTRAP_SEED)
    return build_dir


@pytest.fixture
def sample_db(sample_build_dir) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the session's sample store, for computing expected values independently."""
    con = duckdb.connect(str(sample_build_dir / "ca_sample.duckdb"), read_only=True)
    yield con
    con.close()


@pytest.fixture
def site(sample_build_dir, monkeypatch) -> Callable[..., AppTest]:
    """`site(page, **query)` runs app.py on `page` (a nav path) with query parameters (lists for repeats)."""
    monkeypatch.setattr(config, "BUILD_DIR", sample_build_dir)
    monkeypatch.setenv(config.SOURCE_ENV, "sample")
    monkeypatch.setenv("CA_BUILD_DIR", str(sample_build_dir))
    st.cache_data.clear()
    st.cache_resource.clear()

    def open_page(page: str = nav.HOME.path, **query: str | list[str]) -> AppTest:
        return apptest.open_page(page, query)

    return open_page


@pytest.fixture(scope="session")
def server(sample_build_dir):
    """`streamlit run app.py` on the session's sample store, shared by every Chromium test of the site (read-only)."""
    from bench.server import streamlit_server

    env = {config.SOURCE_ENV: "sample", "CA_BUILD_DIR": str(sample_build_dir)}
    with streamlit_server(config.ROOT / "app.py", sample_build_dir / "streamlit.log", env=env) as running:
        yield running.base_url


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Playwright) for the browser tests of one module."""
    from playwright.sync_api import sync_playwright

    from bench.browser import CHROMIUM, CHROMIUM_ARGS

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def pytest_collection_modifyitems(items):
    # The browser test needs Chromium; mark-based deselection stays available (-m "not browser").
    if not os.path.exists("/usr/bin/chromium"):
        skip = pytest.mark.skip(reason="Chromium is not installed at /usr/bin/chromium")
        for item in items:
            if "browser" in item.keywords:
                item.add_marker(skip)
