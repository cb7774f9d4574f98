"""Trust-suite fixtures: the hostile and small-group stores, an AppTest runner that records downloads,
and one Chromium for the session."""
from __future__ import annotations

import json
import os

import pytest
import streamlit as st

from tests.trust.support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    COUNTS,
    COUNTS_FILE,
    BuiltStore,
    SiteRunner,
    build_store,
    write_counts,
)


def pytest_sessionfinish(session, exitstatus):
    if not COUNTS:
        return
    COUNTS_FILE.parent.mkdir(parents=True, exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if worker:  # one part per worker; the controller adds them up (tests/conftest.py)
        COUNTS_FILE.with_name(f"trust_counts.{worker}.part.json").write_text(json.dumps(dict(COUNTS)))
        return
    write_counts(COUNTS)


@pytest.fixture(scope="session")
def hostile_store(tmp_path_factory) -> BuiltStore:
    from tests.datasets import hostile

    source = tmp_path_factory.mktemp("hostile_release")
    planted = hostile.generate(source)
    build_dir = tmp_path_factory.mktemp("hostile_build")
    return BuiltStore(source, build_dir, build_store(source, build_dir), planted.as_dict())


@pytest.fixture(scope="session")
def small_store(tmp_path_factory) -> BuiltStore:
    from tests.datasets import small_groups

    source = tmp_path_factory.mktemp("small_groups_release")
    small_groups.generate(source)
    build_dir = tmp_path_factory.mktemp("small_groups_build")
    return BuiltStore(source, build_dir, build_store(source, build_dir))


@pytest.fixture
def site_runner(monkeypatch) -> SiteRunner:
    runner = SiteRunner()
    monkeypatch.setattr(st, "download_button", runner.record(st.download_button))
    return runner


# Per module, not per session: while a sync Playwright is open its event loop counts as running in this thread, so
# a later module's own Playwright, or any asyncio.run (the websocket load in test_deploy), would fail beside it
# (test files share a worker in any order under pytest-xdist).
@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    if not os.path.exists("/usr/bin/chromium"):
        pytest.skip("Chromium is not installed at /usr/bin/chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
