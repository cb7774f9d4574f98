"""Each page's script run time with Streamlit's AppTest: cold (fresh process) and warm (median of repeats)."""
from __future__ import annotations

from pathlib import Path

from bench.pipeline import child_json
from core.config import ROOT

EMPTY_APP = 'import streamlit as st\n\nst.title("Empty page")\n'
# The least a page with one Plotly chart can cost a new visitor: Streamlit's Plotly bundle (4.7 MB) is fetched,
# parsed and run before anything is drawn. Same config as the site's charts.
PLOTLY_FLOOR_APP = (
    "import plotly.graph_objects as go\nimport streamlit as st\n\nfrom components.tables import PLOTLY_CONFIG\n\n"
    'st.title("One Plotly chart")\n'
    'st.plotly_chart(go.Figure(go.Bar(x=[3, 2, 1], y=["a", "b", "c"], orientation="h")), config=PLOTLY_CONFIG)\n'
)
PLOTLY_FLOOR_HEADING = "One Plotly chart"


def list_pages() -> tuple[list[dict], list[str]]:
    """The site's pages as registered in components/nav.py (path, title, url_path, heading), and the
    site's failure messages."""
    found = child_json(["pages"])
    return found["pages"], found["failure_texts"]


def write_empty_app(folder: Path, text: str = EMPTY_APP) -> Path:
    """A one-line Streamlit app (or `text`), with the site's own .streamlit config so both run alike."""
    folder.mkdir(parents=True, exist_ok=True)
    app = folder / "app.py"
    app.write_text(text)
    config = ROOT / ".streamlit" / "config.toml"
    if config.exists():
        (folder / ".streamlit").mkdir(exist_ok=True)
        (folder / ".streamlit" / "config.toml").write_text(config.read_text())
    return app


def time_pages(pages: list[dict], env: dict[str, str], repeats: int, empty_app: Path) -> dict:
    """One fresh process per page: the first run is cold, then `repeats` warm runs, then caches cleared."""
    out = {"_empty": child_json(["apptest", "--app", str(empty_app), "--repeats", str(repeats)], env=env)}
    for page in pages:
        # The home page is reached without switching (its URL path is empty, not its file name).
        target = ["--page", page["path"]] if page["url_path"] else []
        out[page["title"]] = child_json(["apptest", "--app", str(ROOT / "app.py"), *target,
                                         "--repeats", str(repeats)], env=env)
    return out
