"""Accessibility in Chromium: axe-core (npm, tests/a11y) on every page at full content height, desktop and phone.

Streamlit scrolls inside its main container and axe skips what is scrolled out of view, so the viewport is grown
to the content's height before axe runs. Serious and critical violations must be zero.
"""
from __future__ import annotations

import json

import pytest

from components import nav
from core import config
from tests.site.test_browser import ARTIFACTS, VIEWPORTS, server  # noqa: F401  (the server fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow]
AXE = config.ROOT / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
FOOTER = "Figures from fewer than 10 participants are not reported"


def open_full_height(browser, server, url_path: str, viewport: str):  # noqa: F811
    """A page opened, its run finished and the viewport grown to the whole content (as a reader scrolling would
    reach it)."""
    width, height = VIEWPORTS[viewport]
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.goto(f"{server}/{url_path}", wait_until="domcontentloaded", timeout=120_000)
    page.locator("h1").first.wait_for(timeout=120_000)
    page.get_by_text(FOOTER, exact=False).wait_for(timeout=120_000)
    page.wait_for_load_state("networkidle")
    full = page.evaluate("document.querySelector('[data-testid=\"stMain\"]').scrollHeight")
    page.set_viewport_size({"width": width, "height": min(max(full, height), 12_000)})
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(1500)
    return context, page


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A/AA violations, each with its impact and the failing nodes."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
                                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary,
                                      html: n.html.slice(0, 200)}))}));
    }""")
    return result


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is not installed: npm ci --prefix tests/a11y")
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("page_spec", nav.PAGES, ids=[p.url_path or "overview" for p in nav.PAGES])
def test_axe_finds_no_serious_or_critical_violation(server, browser, page_spec, viewport):  # noqa: F811
    context, page = open_full_height(browser, server, page_spec.url_path, viewport)
    try:
        violations = axe_violations(page)
    finally:
        context.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = ARTIFACTS / f"axe_{page_spec.url_path or 'overview'}_{viewport}.json"
    report.write_text(json.dumps(violations, indent=1), encoding="utf-8")
    blocking = {v["id"]: len(v["nodes"]) for v in violations if v["impact"] in BLOCKING}
    assert not blocking, f"serious/critical axe violations (rule: nodes) {blocking}; details in {report}"


@pytest.mark.skipif(not AXE.is_file(), reason="axe-core is not installed: npm ci --prefix tests/a11y")
@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("view", ["prompt", "section", "country"])
def test_axe_on_the_deep_views(server, browser, sample_db, view, viewport):  # noqa: F811
    """One prompt, one section in depth, one country: the views a shared link opens."""
    if view == "prompt":
        (key,) = sample_db.execute("SELECT prompt_id FROM prompts ORDER BY n_participants DESC, prompt_id "
                                   "LIMIT 1").fetchone()
        url = f"prompts?prompt={key}"
    elif view == "section":
        (key,) = sample_db.execute("SELECT anchor FROM agreement_section WHERE threshold = 5 AND block = 'world' "
                                   "AND metric = 'pairwise' ORDER BY n_participants DESC, anchor LIMIT 1").fetchone()
        url = f"sections?section={key}"
    else:
        url = "people?country=USA"
    context, page = open_full_height(browser, server, url, viewport)
    try:
        violations = axe_violations(page)
    finally:
        context.close()
    report = ARTIFACTS / f"axe_{view}_{viewport}.json"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps(violations, indent=1), encoding="utf-8")
    blocking = {v["id"]: len(v["nodes"]) for v in violations if v["impact"] in BLOCKING}
    assert not blocking, f"serious/critical axe violations (rule: nodes) {blocking}; details in {report}"
