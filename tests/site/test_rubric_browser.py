"""Rubric sections in real headless Chromium at desktop and phone width (issue 16): they render, hostile criteria
stay text, the country filter carries into the link; screenshots land in tests/artifacts/ to be looked at."""
from __future__ import annotations

import re

import duckdb
import pytest

from tests.site.chromium import ARTIFACTS, VIEWPORTS

HEADING = "What people said a good answer must do"


@pytest.fixture(scope="module")
def targets(sample_build_dir) -> dict[str, str]:
    con = duckdb.connect(str(sample_build_dir / "ca_sample.duckdb"), read_only=True)
    anchor_prompt = con.execute("SELECT prompt_id FROM prompts WHERE is_anchor").fetchone()[0]
    country = con.execute(
        "SELECT a.country FROM rubric_items i JOIN rubric_scores s USING (rubric_row, item_index) "
        "JOIN annotators a USING (annotator_id) WHERE i.prompt_id = ? AND i.kind = 'own' GROUP BY 1 "
        "ORDER BY count(DISTINCT s.annotator_id) DESC LIMIT 1", [anchor_prompt]).fetchone()[0]
    run = con.execute("SELECT run_id FROM ranker_runs LIMIT 1").fetchone()[0]
    section = con.execute(
        "SELECT sr.anchor FROM section_relevance sr JOIN rubric_conversations c ON c.prompt_id = sr.prompt_id "
        "WHERE sr.run_id = ? AND sr.grade >= 5 GROUP BY 1 ORDER BY count(*) DESC LIMIT 1", [run]).fetchone()[0]
    con.close()
    return {"prompt": anchor_prompt, "country": country, "section": section}


def _open(browser, url: str, viewport: str, name: str, wait_text: str):
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url, wait_until="domcontentloaded")
    page.get_by_text("Figures from fewer than 10 participants are not reported", exact=False).wait_for(timeout=90_000)
    target = page.get_by_text(wait_text, exact=True).first
    target.wait_for(timeout=60_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)
    assert page.locator("[data-testid='stException']").count() == 0
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # Streamlit scrolls inside its main container: grow the viewport to the content for a whole-page shot.
    full = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": width, "height": min(max(full, height), 16_000)})
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)
    page.screenshot(path=str(ARTIFACTS / f"rubrics_{name}_{viewport}.png"))
    return context, page, dialogs


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_prompt_rubric_section_in_chromium(server, browser, targets, viewport):
    url = f"{server}/prompts?prompt={targets['prompt']}&rubric_country={targets['country']}"
    context, page, dialogs = _open(browser, url, viewport, "prompt", HEADING)
    body = page.locator("[data-testid='stMain']").first.inner_text()
    assert "Core criteria" in body and "Pre-written criteria and the weight people gave them" in body
    assert "Criteria participants wrote themselves" in body
    found = re.search(r"([\d,]+) of ([\d,]+) criteria written", body)
    assert found is not None
    shown, total = (int(x.replace(",", "")) for x in found.groups())
    assert 0 < shown < total  # the country filter from the link is applied
    assert f"rubric_country={targets['country']}" in page.url  # and kept in the shareable link
    assert not dialogs  # hostile criteria (<script>alert…) never run
    context.close()


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
def test_section_rubric_view_in_chromium(server, browser, targets, viewport):
    url = f"{server}/sections?section={targets['section']}"
    context, _, dialogs = _open(browser, url, viewport, "section", HEADING)
    assert not dialogs
    context.close()
