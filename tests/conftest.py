"""Shared test fixtures: the tiny release, the bad-input corpus, and a throwaway datasets cache."""
from __future__ import annotations

import json
import os
import shutil
import time
from collections import Counter
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
RELEASE_TINY = FIXTURES / "release_tiny"
BAD_INPUTS = FIXTURES / "bad_inputs"
TEST_BOOTSTRAP_B = 20
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
_STARTED = time.time()


def pytest_sessionfinish(session, exitstatus):
    """Under pytest-xdist each worker writes its trust counts as a part; the controller adds the parts up."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        return
    parts = [p for p in ARTIFACTS.glob("trust_counts.*.part.json") if p.stat().st_mtime >= _STARTED]
    if not parts:
        return
    from tests.trust.support import write_counts

    total: Counter = Counter()
    for part in parts:
        total.update(json.loads(part.read_text()))
        part.unlink()
    write_counts(total)


@pytest.fixture(scope="session", autouse=True)
def datasets_cache(tmp_path_factory) -> Path:
    """Point the `datasets` cache at a session tmp dir so tests never touch ~/.cache (read at call time)."""
    cache = tmp_path_factory.mktemp("hf_datasets_cache")
    saved = os.environ.get("HF_DATASETS_CACHE")
    os.environ["HF_DATASETS_CACHE"] = str(cache)
    yield cache
    if saved is None:
        os.environ.pop("HF_DATASETS_CACHE", None)
    else:
        os.environ["HF_DATASETS_CACHE"] = saved


@pytest.fixture
def tiny_copy(tmp_path) -> Path:
    """A writable copy of the tiny release (with its README front matter)."""
    target = tmp_path / "release"
    shutil.copytree(RELEASE_TINY, target)
    return target


@pytest.fixture(scope="session")
def tiny_store(tmp_path_factory) -> Path:
    """The tiny release built once into a store (small bootstrap); open it read-only with core.store.open_store."""
    from core.store.builder import build

    db = tmp_path_factory.mktemp("tiny_store") / "ca_tiny.duckdb"
    build(str(RELEASE_TINY), db_path=db, bootstrap_b=TEST_BOOTSTRAP_B, seed=1)
    return db
