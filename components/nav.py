"""The page registry as data: app.py builds the navigation from it and the tests iterate it."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SITE_NAME = "Collective Alignment Explorer"


@dataclass(frozen=True)
class PageSpec:
    """One page of the site: its script, title, Material icon and URL path ('' for the home page)."""

    path: str
    title: str
    icon: str
    url_path: str
    heading: str  # the page's main heading, which the tests wait for
    description: str = ""  # one sentence for link previews (serve/link_preview.py), plain text
    # The page's first screen shows the world map: its HTML asks for the map's outlines at once (serve/preload.py),
    # which the map's still picture needs (components/plotly_static.js), in parallel with Streamlit's own scripts.
    map_first_screen: bool = False


PAGES: tuple[PageSpec, ...] = (
    PageSpec("app_pages/overview.py", "Overview", ":material/home:", "", "Do people agree with the Model Spec?",
             "How often about 1,000 people in 19 countries ordered AI answers the way OpenAI's Model Spec does, "
             "with 95% intervals and how often people agree with each other."),
    PageSpec("app_pages/sections.py", "Spec sections", ":material/list_alt:", "sections", "Agreement by spec section",
             "Agreement between people and the Model Spec, section by section, with 95% intervals and rank ranges."),
    PageSpec("app_pages/people.py", "People and countries", ":material/public:", "people", "People and countries",
             "Who took part, and whether agreement depends on country, age, gender, education or views on AI.",
             map_first_screen=True),  # the map of participants
    PageSpec("app_pages/prompts.py", "Contested prompts", ":material/forum:", "prompts", "Contested prompts",
             "The conversations people disagreed about most, each with its four answers and the crowd's ranking."),
    PageSpec("app_pages/changelog.py", "Changelog", ":material/history:", "changelog", "Changelog",
             "What changed in the Model Spec after the study: adopted, deferred or set aside, with the evidence."),
    PageSpec("app_pages/downloads.py", "Data and downloads", ":material/download:", "downloads", "Data and downloads",
             "Every table behind the site as CSV or Parquet, with a manifest naming its source and filters."),
    PageSpec("app_pages/methodology.py", "Methodology", ":material/menu_book:", "methodology",
             "Methodology and limitations",
             "How every figure is computed: the agreement measures, the bootstrap intervals and the small-group rule."),
)
HOME = PAGES[0]


def by_url_path(url_path: str) -> PageSpec:
    """The page registered under a URL path."""
    return next(p for p in PAGES if p.url_path == url_path)


def for_route(route_path: str) -> PageSpec:
    """The page a request path asks for ('/' or '/people/'); an unknown path gets the home page, as Streamlit does."""
    url_path = route_path.strip("/").split("/", 1)[0]
    return next((p for p in PAGES if p.url_path == url_path), HOME)


def exists(page: PageSpec) -> bool:
    """True when the page's script is present; a missing one is logged."""
    if (ROOT / page.path).is_file():
        return True
    logging.getLogger("ca.site").error("page script %s is missing", page.path)
    return False
