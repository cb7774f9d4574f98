"""Hostile text: stored byte for byte, malformed rows counted, and shown as inert text on every page in Chromium."""
from __future__ import annotations

import json
from collections import Counter
from urllib.parse import quote, urlparse

import duckdb
import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from components import frame, nav
from core.config import HF_CONFIGS
from tests.datasets import hostile
from tests.trust.support import LOCAL_HOSTS, count, streamlit_server, wait_idle

# Installed before any page script: records dialogs and console output, and exposes the payload flag.
HOOKS = """
window.__ca_dialogs = [];
for (const name of ['alert', 'confirm', 'prompt', 'print']) {
  const original = window[name];
  window[name] = function (...args) { window.__ca_dialogs.push(name + ':' + String(args[0])); };
}
"""


def _source_rows(path) -> list[dict]:
    rows = []
    planted = {line for lines in hostile.MALFORMED.values() for line, _check in lines}
    for raw in path.read_bytes().split(b"\n"):
        if raw in planted:  # the malformed lines this test planted (some would crash json.loads itself)
            continue
        try:
            value = json.loads(raw)
        except (json.JSONDecodeError, UnicodeDecodeError):
            continue
        if isinstance(value, dict):
            rows.append(value)
    return rows


@pytest.fixture(scope="module")
def db(hostile_store):
    con = duckdb.connect(str(hostile_store.db_path), read_only=True)
    yield con
    con.close()


def test_every_hostile_string_is_stored_byte_for_byte(hostile_store, db):
    planted = hostile_store.planted
    checked = 0
    for prompt_id, name in planted["messages"].items():
        (text,) = db.execute("SELECT content FROM messages WHERE prompt_id = ? AND role = 'user' ORDER BY turn "
                             "LIMIT 1", [prompt_id]).fetchone()
        assert text == hostile.HOSTILE[name], (prompt_id, name)
        (first,) = db.execute("SELECT first_user_text FROM prompts WHERE prompt_id = ?", [prompt_id]).fetchone()
        assert first == hostile.HOSTILE[name]
        checked += 2
    for prompt_id, letters in planted["responses"].items():
        stored = dict(db.execute("SELECT letter, content FROM responses WHERE prompt_id = ?", [prompt_id]).fetchall())
        assert stored == {letter: hostile.HOSTILE[name] for letter, name in letters.items()}
        checked += 4
    for prompt_id, name in planted["ranker_rationales"].items():
        (text,) = db.execute("SELECT rationale FROM ranker_rankings WHERE prompt_id = ?", [prompt_id]).fetchone()
        assert text == hostile.HOSTILE[name]
        checked += 1

    # Every rationale of every accepted assessment, in file order, exactly as in comparisons.jsonl.
    expected = []
    for row in _source_rows(hostile_store.source_dir / HF_CONFIGS["comparisons"]):
        for a in row.get("metadata", {}).get("assessments", []):
            blocks = a["ranking_blocks"]
            if blocks["world"][0]["ranking"] == hostile.BAD_RANKING:
                continue
            expected.append((blocks["world"][0].get("rationale"),
                             blocks["personal"][0].get("rationale") if blocks["personal"] else None,
                             blocks["unacceptable"][0].get("rationale") if blocks["unacceptable"] else None))
    stored = db.execute("SELECT world_rationale, personal_rationale, unacceptable_rationale FROM assessments "
                        "ORDER BY assessment_id").fetchall()
    assert stored == expected
    hostile_values = set(hostile.HOSTILE.values())
    n_hostile_rationales = sum(v in hostile_values for row in stored for v in row)
    assert n_hostile_rationales >= 180 + 8 * 11  # the anchor's and the hostile prompts' assessments

    # The free-text demographic field, the hostile ids and the hostile gender label.
    source = {r["annotator_id"]: r["demographics"]
              for r in _source_rows(hostile_store.source_dir / HF_CONFIGS["annotators"])
              if isinstance(r.get("annotator_id"), str)}
    ideal = dict(db.execute("SELECT annotator_id, ideal_model_behavior FROM annotators").fetchall())
    assert ideal == {k: v["ideal-model-behavior"] for k, v in source.items()}
    assert set(ideal.values()) == hostile_values
    assert db.execute("SELECT count(*) FROM assessments WHERE annotator_id = ?",
                      [hostile.HOSTILE_ANNOTATOR_ID]).fetchone()[0] > 0
    assert db.execute("SELECT count(*) FROM assessments WHERE prompt_id = ?",
                      [hostile.HOSTILE_PROMPT_ID]).fetchone()[0] > 0
    assert db.execute("SELECT count(*) FROM annotators WHERE gender = ?",
                      [hostile.HOSTILE_GENDER]).fetchone()[0] == hostile.N_HOSTILE_GENDER
    huge = db.execute("SELECT max(length(content)) FROM responses").fetchone()[0]
    assert huge == hostile.HUGE_CHARS
    checked += len(stored) * 3 + len(ideal) + 3
    count("hostile_strings_in_catalogue", len(hostile.HOSTILE))
    count("hostile_values_compared_in_store", checked)
    count("hostile_rationales_stored", n_hostile_rationales)


def test_malformed_rows_are_counted_not_lost(hostile_store, db):
    planted = hostile_store.planted
    files = {f: (i, a, r) for f, i, a, r in
             db.execute("SELECT file, input_rows, accepted, rejected FROM build_files").fetchall()}
    for file, n_bad in planted["rejected_rows"].items():
        raw_lines = [x for x in (hostile_store.source_dir / file).read_bytes().split(b"\n") if x.strip()]
        n_input, n_ok, n_rejected = files[file]
        assert n_rejected == n_bad, file
        assert n_input == len(raw_lines) == n_ok + n_rejected, file
    expected = Counter()
    for config_name, lines in hostile.MALFORMED.items():
        for _raw, check in lines:
            expected[HF_CONFIGS[config_name], check] += 1
    expected[HF_CONFIGS["comparisons"], "invalid_ranking.syntax"] += planted["rejected_assessments"]
    found = {(f, c): n for f, c, n in
             db.execute("SELECT file, \"check\", count FROM build_report WHERE severity = 'rejected'").fetchall()}
    assert found == dict(expected)
    (n_assess,) = db.execute("SELECT count(*) FROM assessments").fetchone()
    accepted = sum(len(r["metadata"]["assessments"]) for r in
                   _source_rows(hostile_store.source_dir / HF_CONFIGS["comparisons"])
                   if isinstance(r.get("metadata"), dict) and "prompt" in r and len(r.get("responses", [])) == 4)
    assert n_assess == accepted - planted["rejected_assessments"]
    count("malformed_rows_planted", sum(planted["rejected_rows"].values()) + planted["rejected_assessments"])


# ---------------------------------------------------------------- Chromium


@pytest.fixture(scope="module")
def hostile_server(hostile_store):
    with streamlit_server(hostile_store.source_dir, hostile_store.build_dir) as base:
        yield base


def _views(planted: dict) -> list[tuple[str, str, tuple[str, ...]]]:
    """(name, path+query, literal strings that must be visible as text) for every page and the hostile views."""
    views = [(p.url_path or "overview", p.url_path, ()) for p in nav.PAGES]
    for i, prompt_id in enumerate(planted["prompt_ids"]):
        names = [planted["messages"][prompt_id], *planted["responses"][prompt_id].values()]
        # The visible start of each payload (control characters at the start are not visible text).
        probes = tuple(hostile.HOSTILE[n].lstrip("\r\x00\t")[:30] for n in names)
        views.append((f"prompt{i}", f"prompts?prompt={quote(prompt_id, safe='')}", probes))
    views.append(("prompt_personal", f"prompts?prompt={quote(planted['anchor_prompt_id'])}&block=personal", ()))
    group = quote(f"gender:{hostile.HOSTILE_GENDER}", safe="")
    views += [("people_gender", "people?field=gender", ()), ("sections_group", f"sections?group={group}", ()),
              ("overview_group", f"?group={group}", ())]
    junk = (("block", hostile.HOSTILE["script"]), ("prompt", hostile.HOSTILE["img_onerror"]),
            (hostile.HOSTILE["svg_onload"], "1"))
    views.append(("junk_html_param", "sections?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}"
                                                           for k, v in junk), ()))
    return views


def _open_view(page, url: str, prompt_view: bool) -> bool:
    """Open a view and wait until it has drawn; one reload on a timeout (the CPU is shared with other work)."""
    for _attempt in range(2):
        try:
            page.goto(url, wait_until="domcontentloaded")
            wait_idle(page, timeout=90_000)
            if prompt_view:
                page.get_by_text("Rank it yourself").first.wait_for(timeout=90_000)
                wait_idle(page, timeout=90_000)
            return True
        except PlaywrightTimeout:
            count("browser_view_reloads_after_timeout")
            continue
    return False


def test_hostile_text_is_inert_on_every_page(hostile_store, hostile_server, browser):
    planted = hostile_store.planted
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(HOOKS)
    requests: Counter = Counter()
    blocked: list[str] = []

    def route(r):
        host = urlparse(r.request.url).hostname or ""
        requests[host] += 1
        if host in LOCAL_HOSTS:
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    dialogs: list[str] = []
    problems: list[str] = []
    views = _views(planted)
    for name, target, probes in views:
        page = context.new_page()
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        if not _open_view(page, f"{hostile_server}/{target}", target.startswith("prompts?prompt=")):
            problems.append(f"{name}: did not finish drawing within 2 x 90 s")
            page.close()
            continue
        body = page.locator("[data-testid='stMain'], section.stMain").first.inner_text()
        flag = page.evaluate(f"window.{hostile.PWNED_FLAG} === undefined")
        recorded = page.evaluate("window.__ca_dialogs")
        if not flag:
            problems.append(f"{name}: payload flag was set")
        if recorded:
            problems.append(f"{name}: dialogs {recorded}")
        if page.locator("[data-testid='stException']").count():
            problems.append(f"{name}: exception shown")
        if frame.PAGE_FAILURE in body:
            problems.append(f"{name}: page failure message")
        for probe in probes:
            if probe not in body:
                problems.append(f"{name}: {probe!r} not visible as text")
        # No element was created from dataset text: no injected img/svg/iframe/script in the main area.
        injected = page.locator("[data-testid='stMain'] img[src='x'], [data-testid='stMain'] svg[onload], "
                                "[data-testid='stMain'] iframe, [data-testid='stMain'] script").count()
        if injected:
            problems.append(f"{name}: {injected} elements injected from data")
        page.close()
    context.close()
    count("browser_views_opened_on_hostile_store", len(views))
    count("browser_requests_total", sum(requests.values()))
    assert not dialogs, dialogs
    assert not problems, problems
    assert not blocked, f"requests to other hosts: {sorted(set(blocked))[:10]}"
    assert set(requests) <= LOCAL_HOSTS
