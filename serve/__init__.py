"""How the site is served: Streamlit's own files compressed once per asset, and a page drawn wide from its first paint."""
from __future__ import annotations

import re
from pathlib import Path

from serve.assets import CompressedAssets

# Drawn before the first message from the server: see first_paint.css.
_CSS = (Path(__file__).resolve().parent / "first_paint.css").read_text(encoding="utf-8")
FIRST_PAINT_CSS = re.sub(r"\s+", " ", re.sub(r"/\*.*?\*/", "", _CSS, flags=re.S)).strip()  # comments stay here


def middleware() -> list:
    """The ASGI middleware app.py gives st.App (outermost first)."""
    from starlette.middleware import Middleware
    from streamlit import config

    from serve.backend_base import backend_base
    from serve.link_preview import page_head
    from serve.preload import chart_preload

    def head(route: str) -> tuple[str, str]:
        title, meta = page_head(route)
        return title, backend_base(route) + meta + chart_preload(route)

    return [Middleware(CompressedAssets, head_html=f"<style>{FIRST_PAINT_CSS}</style>", page_head=head,
                       base_url=config.get_option("server.baseUrlPath") or "")]
