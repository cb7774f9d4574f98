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


PAGES: tuple[PageSpec, ...] = (
    PageSpec("app_pages/overview.py", "Overview", ":material/home:", "", "Do people agree with the Model Spec?"),
    PageSpec("app_pages/sections.py", "Spec sections", ":material/list_alt:", "sections", "Agreement by spec section"),
    PageSpec("app_pages/people.py", "People and countries", ":material/public:", "people", "People and countries"),
    PageSpec("app_pages/prompts.py", "Contested prompts", ":material/forum:", "prompts", "Contested prompts"),
    PageSpec("app_pages/changelog.py", "Changelog", ":material/history:", "changelog", "Changelog"),
    PageSpec("app_pages/downloads.py", "Data and downloads", ":material/download:", "downloads", "Data and downloads"),
    PageSpec("app_pages/methodology.py", "Methodology", ":material/menu_book:", "methodology",
             "Methodology and limitations"),
)
HOME = PAGES[0]


def by_url_path(url_path: str) -> PageSpec:
    """The page registered under a URL path."""
    return next(p for p in PAGES if p.url_path == url_path)


def exists(page: PageSpec) -> bool:
    """True when the page's script is present; a missing one is logged."""
    if (ROOT / page.path).is_file():
        return True
    logging.getLogger("ca.site").error("page script %s is missing", page.path)
    return False
