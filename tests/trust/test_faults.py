"""Faults: interrupted builds keep the previous store, broken stores say how to rebuild, read-only site, config,
and junk URL parameters on every page."""
from __future__ import annotations

import errno
import hashlib
import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from components import frame, nav
from core import config, store
from tests.conftest import RELEASE_TINY
from tests.trust.support import (
    SiteRunner,
    count,
    exceptions_of,
    site_on,
    streamlit_server,
    texts_of,
    wait_idle,
)

FAULT_B = 5


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _usable(path: Path) -> int:
    """Open the store as the site does and count its assessments (raises if unusable)."""
    con = store.open_store(path)
    try:
        return con.execute("SELECT count(*) FROM assessments").fetchone()[0]
    finally:
        con.close()


@pytest.fixture(scope="module")
def previous_store(tmp_path_factory) -> Path:
    db = tmp_path_factory.mktemp("fault_store") / "ca_tiny.duckdb"
    store.build(str(RELEASE_TINY), db_path=db, bootstrap_b=FAULT_B, seed=1)
    return db


class Boom(Exception):
    """The injected fault."""


def _raiser(exc: BaseException):
    def fail(*args, **kwargs):
        raise exc
    return fail


# (stage, object to patch, attribute): one fault per build stage, from opening the source to the final rename.
STAGES = [
    ("open", "core.store.builder", "open_release"),
    ("read_validate", "core.store.builder", "validate_source"),
    ("store", "core.store.builder", "_insert"),
    ("ranker_runs", "core.store.builder", "_ingest_runs"),
    ("rubrics", "core.rubrics.store", "read_rows"),  # no rubric file here: read in the build's own process
    ("statistics", "core.store.builder", "_build_aggregates"),
    ("report", "core.store.builder", "_file_rows"),
    ("manifest", "core.store.builder", "_manifest"),
    ("replace", "core.store.builder.os", "replace"),
]


@pytest.mark.parametrize("exc", [Boom("injected"), KeyboardInterrupt()], ids=["exception", "keyboard_interrupt"])
@pytest.mark.parametrize("stage,module,attr", STAGES, ids=[s[0] for s in STAGES])
def test_build_interrupted_at_any_stage_keeps_the_previous_store(previous_store, monkeypatch, stage, module, attr,
                                                                 exc):
    before = _sha(previous_store)
    n_before = _usable(previous_store)
    target = previous_store.parent
    monkeypatch.setattr(f"{module}.{attr}", _raiser(exc))
    with pytest.raises(type(exc)):
        store.build(str(RELEASE_TINY), db_path=previous_store, bootstrap_b=FAULT_B, seed=2)
    monkeypatch.undo()
    assert _sha(previous_store) == before, f"fault at {stage} changed the store"
    assert _usable(previous_store) == n_before
    leftovers = [p.name for p in target.iterdir() if p.name != previous_store.name]
    assert not leftovers, f"fault at {stage} left {leftovers}"
    count("build_faults_injected")


def test_a_rubric_file_that_cannot_be_read_is_not_called_a_write_failure(previous_store, monkeypatch):
    # The rubric read fails on its thread and is raised inside the store-writing block: it must come out as itself,
    # not as "the store could not be written", which the same errno would mean there.
    denied = PermissionError(errno.EACCES, "Permission denied", "rubrics.jsonl")
    monkeypatch.setattr("core.rubrics.store.read_rows", _raiser(denied))
    with pytest.raises(PermissionError) as caught:
        store.build(str(RELEASE_TINY), db_path=previous_store, bootstrap_b=FAULT_B, seed=2)
    assert caught.value is denied
    assert not [p.name for p in previous_store.parent.iterdir() if p.name != previous_store.name]


# `python -m core build` as a visitor runs it (the CLI's own signal handling and clean-up), except that the build pauses
# inside its statistics stage and says so: the signal then always lands mid-way, however loaded the machine is.
PAUSED_BUILD = """
import sys, time
import core.store
from core.cli import main

build = core.store.build

def paused(*args, progress, **kwargs):
    def say(fraction, message):
        progress(fraction, message)
        if message == "computing statistics":
            print("PAUSED IN STATISTICS", file=sys.stderr, flush=True)
            time.sleep(120)
    return build(*args, progress=say, **kwargs)

core.store.build = paused
sys.exit(main(sys.argv[1:]))
"""


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM, signal.SIGKILL], ids=["SIGINT", "SIGTERM", "SIGKILL"])
def test_build_killed_mid_way_keeps_the_previous_store(previous_store, sig):
    before = _sha(previous_store)
    proc = subprocess.Popen(
        [sys.executable, "-c", PAUSED_BUILD, "build", "--source", str(RELEASE_TINY), "--db", str(previous_store),
         "--bootstrap", str(FAULT_B), "--seed", "3"],
        cwd=config.ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        # A shell starts a background job with SIGINT ignored, and Python then keeps ignoring it (so does the CLI, as
        # a background program should): give the build the disposition a terminal's Ctrl-C meets.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    seen = []
    for line in proc.stderr:  # the progress lines, up to the pause inside the statistics stage
        seen.append(line)
        if line.startswith("PAUSED IN STATISTICS"):
            break
    assert seen and seen[-1].startswith("PAUSED IN STATISTICS"), seen
    proc.send_signal(sig)
    seen += proc.stderr.read().splitlines()
    proc.wait(timeout=60)
    assert proc.returncode != 0 and not any(line.endswith("] done") for line in seen), seen
    assert _sha(previous_store) == before, seen  # the previous store, untouched
    assert _usable(previous_store) > 0
    leftovers = sorted(p.name for p in previous_store.parent.iterdir() if p.name != previous_store.name)
    if sig in (signal.SIGINT, signal.SIGTERM):  # both unwind as KeyboardInterrupt: the build's clean-up runs
        assert not leftovers, leftovers
    for name in leftovers:  # SIGKILL runs none: the temp file is harmless but stays
        (previous_store.parent / name).unlink()
    count("build_kills")
    count(f"build_kill_leftover_files_{signal.Signals(sig).name}", len(leftovers))


# ---------------------------------------------------------------- broken stores


def _broken_stores(tmp: Path, good: Path) -> dict[str, Path]:
    garbage = tmp / "garbage" / "ca_sample.duckdb"
    garbage.parent.mkdir()
    garbage.write_bytes(os.urandom(4096))
    truncated = tmp / "truncated" / "ca_sample.duckdb"
    truncated.parent.mkdir()
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 3])
    empty_db = tmp / "emptydb" / "ca_sample.duckdb"
    empty_db.parent.mkdir()
    duckdb.connect(str(empty_db)).close()
    zero = tmp / "zero" / "ca_sample.duckdb"
    zero.parent.mkdir()
    zero.write_bytes(b"")
    return {"garbage": garbage, "truncated": truncated, "empty_duckdb": empty_db, "zero_bytes": zero,
            "missing": tmp / "missing" / "ca_sample.duckdb"}


def test_broken_store_names_the_rebuild_command(tmp_path, previous_store):
    for kind, path in _broken_stores(tmp_path, previous_store).items():
        with pytest.raises(store.StoreError) as info:
            store.open_store(path)
        assert "python -m core build" in str(info.value), kind
        # The CLI: a clear one-line message and the command, no traceback.
        out = subprocess.run([sys.executable, "-m", "core", "stats", "--db", str(path)], cwd=config.ROOT,
                             capture_output=True, text=True, timeout=120, check=False)
        assert out.returncode != 0, kind
        assert "Traceback" not in out.stderr + out.stdout, (kind, out.stderr[-2000:])
        assert "python -m core build" in out.stderr + out.stdout, (kind, out.stderr[-500:])
        count("broken_stores_tried_cli")


@pytest.fixture(scope="module")
def corrupt_site(tmp_path_factory):
    """A server whose store file (for the `sample` source) is garbage."""
    build_dir = tmp_path_factory.mktemp("corrupt_build")
    (build_dir / "ca_sample.duckdb").write_bytes(os.urandom(8192))
    with streamlit_server("sample", build_dir) as base:
        yield base


def test_corrupt_store_on_the_site_says_how_to_rebuild_without_a_traceback(corrupt_site, browser):
    context = browser.new_context()
    page = context.new_page()
    try:
        for spec in nav.PAGES:
            page.goto(f"{corrupt_site}/{spec.url_path}", wait_until="domcontentloaded")
            wait_idle(page)
            body = page.locator("[data-testid='stMain'], section.stMain").first.inner_text()
            assert "python -m core build" in body, spec.url_path
            assert "not available" in body
            assert "Traceback" not in body and "File \"" not in body
            assert page.locator("[data-testid='stException']").count() == 0
            count("corrupt_store_pages_checked")
    finally:
        context.close()


def test_missing_source_on_the_site_says_how_to_build_without_a_traceback(tmp_path, browser):
    """No store and a source that does not exist: the site cannot build one and must say so plainly."""
    with streamlit_server(tmp_path / "no-such-release", tmp_path) as base:
        context = browser.new_context()
        page = context.new_page()
        try:
            page.goto(base, wait_until="domcontentloaded")
            wait_idle(page)
            body = page.locator("[data-testid='stMain'], section.stMain").first.inner_text()
        finally:
            context.close()
    assert "python -m core build" in body
    assert "Traceback" not in body and page_has_no_exception(body)
    count("missing_store_sites_checked")


def page_has_no_exception(body: str) -> bool:
    return "Error:" not in body and "File \"" not in body


# ---------------------------------------------------------------- read-only connection and server config


def test_the_site_connection_is_read_only(hostile_store):
    from components import data

    with site_on(hostile_store):
        con = data.connection()
        for statement in ("CREATE TABLE pwned(a INT)", "DELETE FROM assessments", "UPDATE manifest SET value = 'x'",
                          "DROP TABLE prompts", "INSERT INTO manifest VALUES ('k', 'v')"):
            with pytest.raises(duckdb.Error):
                con.cursor().execute(statement)
            count("writes_refused")
        assert con.cursor().execute("SELECT count(*) FROM prompts").fetchone()[0] > 0


def test_effective_server_config_has_xsrf_on_and_error_details_hidden():
    out = subprocess.run([sys.executable, "-m", "streamlit", "config", "show"], cwd=config.ROOT,
                         capture_output=True, text=True, timeout=120, check=False).stdout
    settings = {}
    for line in out.splitlines():
        if "=" in line and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            settings[key.strip()] = value.strip()
    assert settings.get("enableXsrfProtection") == "true"
    assert settings.get("showErrorDetails") in ('"none"', "false")
    assert settings.get("enableCORS") in (None, "true")


def test_running_server_sets_the_xsrf_cookie(corrupt_site, browser):
    context = browser.new_context()
    page = context.new_page()
    page.goto(corrupt_site, wait_until="domcontentloaded")
    wait_idle(page)
    names = {c["name"] for c in context.cookies()}
    context.close()
    assert "_streamlit_xsrf" in names


# ---------------------------------------------------------------- junk URL parameters


def _junk(rng: random.Random, prompt_id: str) -> list[dict[str, str | list[str]]]:
    """Bad query strings: random text, 10 KB values, repeated keys, unknown ids, SQL-ish and HTML values."""
    rand = "".join(rng.choice("abcXYZ019-_%&=?#;'\"<>/\\ ") for _ in range(40))
    huge = "x" * 10_240
    return [
        {"block": rand, "metric": rand, "threshold": "99", "run": rand, "zzz": rand},
        {"block": huge, "section": huge, "prompt": huge, "country": huge, huge[:300]: "1"},
        {"block": ["world", "personal"], "metric": ["top", "top"], "section": ["a", "b"], "prompt": [prompt_id] * 2},
        {"section": "no-such-section", "country": "ATLANTIS", "prompt": "00000000-0000-0000-0000-000000000000",
         "field": "shoe_size", "table": "secret_table", "page": "9999", "sort": "random", "status": "maybe"},
        {"run": "x' OR 1=1 --", "prompt": "'; DROP TABLE prompts; --", "country": "USA' --",
         "group": "country:USA' OR '1'='1", "threshold": "5 OR 1=1"},
        {"block": "<script>alert(1)</script>", "group": "<img src=x onerror=alert(1)>:x",
         "section": "<b>bold</b>", "<svg onload=alert(1)>": "1"},
        {"group": "gender", "threshold": "-1", "page": "0", "metric": "", "block": "\x00"},
    ]


def test_junk_url_parameters_never_raise_and_are_named(hostile_store, monkeypatch):
    import streamlit as st

    runner = SiteRunner()
    monkeypatch.setattr(st, "download_button", runner.record(st.download_button))
    rng = random.Random(7)
    tried = 0
    problems = []
    with site_on(hostile_store):
        for spec in nav.PAGES:
            for query in _junk(rng, hostile_store.planted["anchor_prompt_id"]):
                runner.downloads.clear()
                at = runner.open(spec.path, query)
                texts = texts_of(at)
                joined = "\n".join(texts)
                if exceptions_of(at):
                    problems.append((spec.url_path, list(query)[:3], exceptions_of(at)[0][:200]))
                if frame.PAGE_FAILURE in joined:
                    problems.append((spec.url_path, list(query)[:3], "page failure"))
                notice = next((t for t in texts if t.startswith("Ignored link parameters")), "")
                if not notice:
                    problems.append((spec.url_path, list(query)[:3], "no notice"))
                # Visitor text never reaches a file name.
                valid = {"world", "personal", "top", "pairwise", "gender", hostile_store.planted["anchor_prompt_id"]}
                for d in runner.downloads:
                    for value in (v for vs in query.values() for v in ([vs] if isinstance(vs, str) else vs)):
                        if len(value) > 3 and value not in valid and value.lower() in d.file_name:
                            problems.append((spec.url_path, d.file_name, "URL text in a file name"))
                tried += sum(1 if isinstance(v, str) else len(v) for v in query.values())
    count("junk_url_values_tried", tried)
    count("junk_url_queries_tried", len(nav.PAGES) * 7)
    assert not problems, problems[:10]


def test_junk_notice_names_what_was_ignored(hostile_store):
    runner = SiteRunner()
    with site_on(hostile_store):
        at = runner.open(nav.by_url_path("sections").path, {"block": "sideways", "threshold": "99", "foo": "bar"})
    notice = next(t for t in texts_of(at) if t.startswith("Ignored link parameters"))
    for part in ("block=sideways", "threshold=99", "foo"):
        assert part in notice, notice
