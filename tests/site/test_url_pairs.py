"""Every page opened with its URL parameters two at a time (AppTest), and the section × group deep link for every
group, whose quote must name the group's population; a few pairs in Chromium."""
from __future__ import annotations

import itertools

import pytest

from components import frame, nav
from tests import apptest
from tests.site.chromium import ARTIFACTS

SHARED = {"block": "personal", "metric": "top", "threshold": "4"}


def _values(db) -> dict[str, dict[str, str]]:
    """One valid non-default value per parameter of each page, read from the sample store."""
    run = db.execute("SELECT run_id FROM ranker_runs ORDER BY synthetic, created_at DESC, run_id LIMIT 1").fetchone()[0]
    # A small section present in every view the pairs combine (both thresholds, blocks, metrics, prompt sets).
    section = db.execute("""
        SELECT anchor FROM (SELECT anchor, n_participants, threshold, block, metric FROM agreement_section
                            UNION ALL SELECT anchor, n_participants, threshold, block, metric
                            FROM agreement_without_anchor WHERE anchor IS NOT NULL)
        WHERE threshold IN (4, 5) GROUP BY anchor HAVING count(*) = 16
        ORDER BY min(n_participants), anchor LIMIT 1""").fetchone()[0]
    prompt = db.execute("SELECT prompt_id FROM prompts ORDER BY prompt_id LIMIT 1").fetchone()[0]
    country = db.execute("SELECT level FROM agreement_group WHERE field = 'country' AND n_participants >= 10 "
                         "ORDER BY n_participants DESC, level LIMIT 1").fetchone()[0]
    group = f"country:{country}"
    return {
        "app_pages/overview.py": {"run": run, **SHARED, "group": group},
        "app_pages/sections.py": {"run": run, **SHARED, "group": group, "section": section,
                                  "interval": "participants", "prompts": "without-anchor"},
        "app_pages/people.py": {"run": run, "block": "personal", "metric": "top", "field": "age",
                                "breakdown": "gender", "country": country},
        "app_pages/prompts.py": {"prompt": prompt, "sort": "ranker", "page": "2", "block": "personal",
                                 "threshold": "4"},
        "app_pages/changelog.py": {"status": "adopted", "run": run, "block": "personal"},
        "app_pages/downloads.py": {"table": "agreement_group", "run": run, "block": "personal", "metric": "top"},
    }


def _pairs():
    # The parameter names are fixed here; the values come from the store inside the test.
    names = {
        "app_pages/overview.py": ["run", "block", "metric", "threshold", "group"],
        "app_pages/sections.py": ["run", "block", "metric", "threshold", "group", "section", "interval", "prompts"],
        "app_pages/people.py": ["run", "block", "metric", "field", "breakdown", "country"],
        "app_pages/prompts.py": ["prompt", "sort", "page", "block", "threshold"],
        "app_pages/changelog.py": ["status", "run", "block"],
        "app_pages/downloads.py": ["table", "run", "block", "metric"],
    }
    # Methodology reads no parameter: it is opened bare by the other site tests.
    assert set(names) | {"app_pages/methodology.py"} == {p.path for p in nav.PAGES}
    for page, params in names.items():
        for a, b in itertools.combinations(params, 2):
            yield pytest.param(page, a, b, id=f"{page.split('/')[-1][:-3]}-{a}-{b}")


def _texts(at) -> list[str]:
    out: list[str] = []
    for kind in ("markdown", "text", "caption", "warning", "error", "info"):
        out.extend(str(e.value) for e in getattr(at, kind))
    return out


# One prompt's page has no list to sort or page through: those two are dropped, with the notice, when a prompt is open.
EXPECTED_IGNORED = {("app_pages/prompts.py", "prompt", "sort"): "Ignored link parameters: sort (unknown)",
                    ("app_pages/prompts.py", "prompt", "page"): "Ignored link parameters: page (unknown)"}


def _open(page: str, query: dict[str, str]):
    """As the `site` fixture's opener, but any parameter name may be used (`page` included)."""
    return apptest.open_page(page, query)


@pytest.mark.parametrize(("page", "first", "second"), list(_pairs()))
def test_every_page_opens_with_its_parameters_in_pairs(site, sample_db, page, first, second):
    values = _values(sample_db)[page]
    at = _open(page, {first: values[first], second: values[second]})
    assert not at.exception, [e.value for e in at.exception]
    assert frame.PAGE_FAILURE not in [e.value for e in at.error]
    ignored = [t for t in _texts(at) if t.startswith("Ignored link parameters")]
    expected = EXPECTED_IGNORED.get((page, first, second))
    assert ignored == ([expected] if expected else []), ignored  # valid values are never dropped otherwise


def test_section_and_group_deep_link_works_for_every_group_and_quotes_the_group(site, sample_db):
    # The section with the fewest participants: many groups have no row, or a suppressed one, there.
    section, title = sample_db.execute(
        "SELECT a.anchor, s.title FROM agreement_section a JOIN spec_sections s USING (anchor) "
        "WHERE a.threshold = 5 AND a.block = 'world' AND a.metric = 'pairwise' "
        "ORDER BY a.n_participants, a.anchor LIMIT 1").fetchone()
    groups = sample_db.execute("SELECT DISTINCT field, level FROM agreement_group ORDER BY ALL").fetchall()
    assert len(groups) > 20
    from components import state

    for field, level in groups:
        at = site("app_pages/sections.py", section=section, group=f"{field}:{level}")
        assert not at.exception, (field, level, [e.value for e in at.exception])
        quoted = [t for t in (str(e.value) for e in at.text) if t.startswith(f"Section '{title}'")]
        assert len(quoted) == 1, (field, level, quoted)
        # The sentence names the group (its population), never the section alone with the group's n.
        assert f"participants in group {state.group_label(f'{field}:{level}')} only" in quoted[0], quoted[0]
        n = sample_db.execute(
            "SELECT n_participants FROM agreement_section_group WHERE anchor = ? AND threshold = 5 AND "
            "block = 'world' AND metric = 'pairwise' AND field = ? AND level = ?", [section, field, level]).fetchone()
        if n is not None and n[0] >= 10 and "not reported" not in quoted[0]:
            assert f"({n[0]:,} participants" in quoted[0]


CHROMIUM_PAIRS = [
    ("sections", "interval=participants&prompts=without-anchor"),
    ("people", "field=age&country={country}"),
    ("sections", "group=country:{country}&section={section}"),
]


@pytest.mark.browser
@pytest.mark.slow
@pytest.mark.parametrize(("path", "query"), CHROMIUM_PAIRS)
def test_parameter_pairs_in_chromium(server, browser, sample_db, path, query):
    values = _values(sample_db)["app_pages/sections.py"]
    query = query.format(country=values["group"].split(":")[1], section=values["section"])
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{server}/{path}?{query}", wait_until="domcontentloaded")
    page.locator("h1").first.wait_for(timeout=45_000)
    page.get_by_text("Figures from fewer than 10 participants are not reported", exact=False).wait_for(timeout=60_000)
    body = page.locator("body").inner_text()
    assert frame.PAGE_FAILURE not in body and "Ignored link parameters" not in body
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"pair-{path}-{abs(hash(query)) % 10**6}.png"), full_page=True)
    context.close()
