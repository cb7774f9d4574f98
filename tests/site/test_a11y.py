"""Accessibility in Chromium on the views a shared link opens (one prompt, one section in depth, one country), at
desktop and phone width. Every page's own axe run is part of its visit in test_browser.py."""
from __future__ import annotations

import pytest

from tests.site.chromium import AXE, VIEWPORTS, assert_no_blocking, axe_violations, open_full_height

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not AXE.is_file(), reason="axe-core is not installed: npm ci --prefix tests/a11y")]


@pytest.mark.parametrize("viewport", list(VIEWPORTS))
@pytest.mark.parametrize("view", ["prompt", "section", "country"])
def test_axe_on_the_deep_views(server, browser, sample_db, view, viewport):
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
    assert_no_blocking(violations, f"axe_{view}_{viewport}")
