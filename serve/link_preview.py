"""Link previews: the HTML page each site path is served with names the page and the site (title, description,
Open Graph), since a chat app or a crawler reads them without running the site's JavaScript."""
from __future__ import annotations

import html

from components import nav


def page_head(route_path: str) -> tuple[str, str]:
    """(<title>, <meta> tags) for the page at `route_path` ('/' or '/people'); an unknown path gets the home page's."""
    page = nav.for_route(route_path)
    title = html.escape(nav.SITE_NAME if page is nav.HOME else f"{page.title} · {nav.SITE_NAME}")
    about = html.escape(page.description)
    meta = (f'<meta name="description" content="{about}">'
            f'<meta property="og:title" content="{title}">'
            f'<meta property="og:description" content="{about}">'
            f'<meta property="og:site_name" content="{html.escape(nav.SITE_NAME)}">'
            '<meta property="og:type" content="website">')
    return f"<title>{title}</title>", meta
