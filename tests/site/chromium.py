"""Shared by the Chromium tests: viewports, the artifacts folder, and axe-core run on a page at full content height."""
from __future__ import annotations

import json

from core import config

ARTIFACTS = config.ROOT / "tests" / "artifacts"
VIEWPORTS = {"desktop": (1280, 900), "phone": (390, 844)}
AXE = config.ROOT / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
FOOTER = "Figures from fewer than 10 participants are not reported"


def open_full_height(browser, server: str, url_path: str, viewport: str):
    """A page opened, its run finished and the viewport grown to the whole content (Streamlit scrolls inside its
    main container, and axe skips what is scrolled out of view)."""
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
    """axe-core's WCAG 2.1 A/AA (and best-practice) violations, each with its impact and the failing nodes."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate("""async () => {
        const r = await axe.run(document, {runOnly: {type: 'tag',
                                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice']}});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
            nodes: v.nodes.map(n => ({target: n.target.join(' '), summary: n.failureSummary,
                                      html: n.html.slice(0, 200)}))}));
    }""")


def assert_no_blocking(violations: list[dict], name: str) -> None:
    """Write axe's report to tests/artifacts/<name>.json; fail on any serious or critical violation."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    report = ARTIFACTS / f"{name}.json"
    report.write_text(json.dumps(violations, indent=1), encoding="utf-8")
    blocking = {v["id"]: len(v["nodes"]) for v in violations if v["impact"] in BLOCKING}
    assert not blocking, f"serious/critical axe violations (rule: nodes) {blocking}; details in {report}"
