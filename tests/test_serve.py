"""serve/: static files go out compressed as the browser accepts (once per asset), everything else is left alone."""
from __future__ import annotations

import gzip
import json
import os
import urllib.request

import brotli
import pytest
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

import serve
from serve.assets import MIN_SIZE, CompressedAssets, CompressedCache, choose_encoding
from tests.site.conftest import sample_build_dir  # noqa: F401 (the session's sample store, for the real server)

SCRIPT = ("function drawEverything() { return 'Collective Alignment Explorer'; }\n" * 400).encode()
HTML = b"<!DOCTYPE html><html><head><title>x</title></head><body>" + b"<p>page</p>" * 200 + b"</body></html>"


@pytest.fixture
def client(tmp_path):
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "main.js").write_bytes(SCRIPT)
    (tmp_path / "static" / "tiny.css").write_bytes(b"p{color:red}")
    (tmp_path / "static" / "font.woff2").write_bytes(os.urandom(4000))
    (tmp_path / "index.html").write_bytes(HTML)

    async def api(request):  # a dynamic answer under _stcore/, like Streamlit's own
        return Response("x" * 5000, media_type="application/json")

    async def stream(websocket):
        await websocket.accept()
        await websocket.send_text("hello " + dict(websocket.headers).get("accept-encoding", "-"))
        await websocket.close()

    app = Starlette(routes=[Route("/_stcore/host-config", api), WebSocketRoute("/_stcore/stream", stream),
                            Mount("/", StaticFiles(directory=tmp_path, html=True))])
    cache = CompressedCache()
    wrapped = CompressedAssets(app, head_html="<style>p{}</style>", cache=cache)
    with TestClient(wrapped) as c:
        c.cache = cache
        yield c


def _raw(client, path: str, encoding: str, method: str = "GET", **headers):
    # httpx decodes bodies itself; the stream's raw bytes are what went over the wire.
    with client.stream(method, path, headers={"Accept-Encoding": encoding, **headers}) as r:
        return r, b"".join(r.iter_raw())


@pytest.mark.parametrize(("encoding", "decode"), [("br", brotli.decompress), ("gzip", gzip.decompress),
                                                  ("identity", lambda b: b)])
def test_asset_is_sent_in_the_accepted_encoding_and_decodes_to_the_same_bytes(client, encoding, decode):
    r, body = _raw(client, "/static/main.js", "gzip, deflate, br, zstd" if encoding == "br" else encoding)
    assert r.status_code == 200
    assert r.headers.get("content-encoding", "identity") == encoding
    assert r.headers["vary"] == "Accept-Encoding"
    assert int(r.headers["content-length"]) == len(body)
    assert decode(body) == SCRIPT
    if encoding != "identity":
        assert len(body) < len(SCRIPT) / 5 and r.headers["etag"].startswith('W/"')


def test_each_asset_is_compressed_once_per_encoding(client):
    for _ in range(3):
        _raw(client, "/static/main.js", "br")
    _raw(client, "/static/main.js", "gzip")
    assert client.cache.compressions == 2 and len(client.cache._items) == 2


def test_head_has_the_compressed_length_and_no_body(client):
    get, body = _raw(client, "/static/main.js", "br")
    head, head_body = _raw(client, "/static/main.js", "br", method="HEAD")
    assert head.status_code == 200 and head_body == b""
    assert head.headers["content-length"] == get.headers["content-length"] == str(len(body))
    assert head.headers["content-encoding"] == "br"


def test_range_request_passes_through_uncompressed(client):
    r, body = _raw(client, "/static/main.js", "br", Range="bytes=0-99")
    assert r.status_code == 206 and "content-encoding" not in r.headers and body == SCRIPT[:100]


def test_revalidation_gets_304_without_a_body(client):
    first, _ = _raw(client, "/static/main.js", "br")
    r, body = _raw(client, "/static/main.js", "br", **{"If-None-Match": first.headers["etag"]})
    assert r.status_code == 304 and body == b"" and "content-encoding" not in r.headers


def test_tiny_already_compressed_and_dynamic_answers_are_left_alone(client):
    tiny, body = _raw(client, "/static/tiny.css", "br")
    assert "content-encoding" not in tiny.headers and body == b"p{color:red}"
    font, _ = _raw(client, "/static/font.woff2", "br")
    assert "content-encoding" not in font.headers
    api, _ = _raw(client, "/_stcore/host-config", "br")
    assert "content-encoding" not in api.headers and "vary" not in api.headers  # not this middleware's business


def test_an_answer_already_encoded_below_is_not_compressed_twice(tmp_path):
    inner = gzip.compress(SCRIPT)

    async def encoded(request):
        return Response(inner, media_type="application/javascript", headers={"Content-Encoding": "gzip"})

    with TestClient(CompressedAssets(Starlette(routes=[Route("/static/x.js", encoded)]))) as c:
        r, body = _raw(c, "/static/x.js", "br")
    assert r.headers["content-encoding"] == "gzip" and body == inner


def test_websocket_is_untouched(client):
    with client.websocket_connect("/_stcore/stream", headers={"Accept-Encoding": "br"}) as ws:
        assert ws.receive_text() == "hello br"  # the header reaches the app as sent


def test_html_page_gets_the_first_paint_style_and_a_right_length(client):
    for encoding, decode in (("identity", lambda b: b), ("br", brotli.decompress)):
        r, body = _raw(client, "/", encoding)
        assert decode(body).count(b"<style>p{}</style></head>") == 1
        assert int(r.headers["content-length"]) == len(body)


def test_link_preview_names_each_page_and_escapes_its_text(monkeypatch):
    from components import nav
    from serve import link_preview

    title, meta = link_preview.page_head("/people")
    people = nav.by_url_path("people")
    assert title == "<title>People and countries · Collective Alignment Explorer</title>"
    assert f'<meta name="description" content="{people.description}">' in meta
    assert '<meta property="og:title" content="People and countries · Collective Alignment Explorer">' in meta
    assert link_preview.page_head("/")[0] == link_preview.page_head("/no-such-page/x")[0] == \
        "<title>Collective Alignment Explorer</title>"
    assert all(p.description and len(p.description) <= 160 for p in nav.PAGES)  # what previews show in full
    odd = nav.PageSpec("x.py", 'A "b" <c>', "", "odd", "", 'say "<b>"')
    monkeypatch.setattr(nav, "PAGES", (*nav.PAGES, odd))
    title, meta = link_preview.page_head("/odd")
    assert "&lt;c&gt;" in title and 'content="say &quot;&lt;b&gt;&quot;"' in meta and "<b>" not in meta


def test_a_page_with_the_map_in_its_first_screen_preloads_its_outlines_and_none_preloads_plotly():
    from components import nav, plotly_view
    from serve import preload

    # The preload is only of use if the still picture fetches the same URL (its base is the chart config's).
    assert plotly_view.PLOTLY_CONFIG["topojsonURL"] + "world_110m.json" == preload.OUTLINES
    people = preload.chart_preload("/people/")
    assert people == f'<link rel="preload" as="fetch" href="./{preload.OUTLINES}" crossorigin="anonymous">'
    assert [p.url_path for p in nav.PAGES if preload.chart_preload("/" + p.url_path)] == ["people"]
    assert preload.chart_preload("/") == preload.chart_preload("/sections") == preload.chart_preload("/no-such") == ""
    assert not any("plotly" in preload.chart_preload("/" + p.url_path) for p in nav.PAGES)


def test_each_page_but_home_says_where_the_server_is():
    from components import nav
    from serve.backend_base import backend_base

    for page in nav.PAGES:
        script = backend_base(f"/{page.url_path}")
        if page is nav.HOME:
            assert script == ""
            continue
        assert script.startswith("<script>") and script.endswith("</script>")
        assert f's="/{page.url_path}"' in script and "BACKEND_BASE_URL" in script
        assert backend_base(f"/{page.url_path}/") == script  # a trailing slash is the same page
    assert backend_base("/") == backend_base("/no-such-page") == ""


def test_page_head_replaces_the_title_and_adds_the_tags_before_the_style(tmp_path):
    (tmp_path / "index.html").write_bytes(HTML)
    app = Starlette(routes=[Mount("/", StaticFiles(directory=tmp_path, html=True))])
    routes: list[str] = []
    wrapped = CompressedAssets(app, head_html="<style>p{}</style>",
                               page_head=lambda route: (routes.append(route), ("<title>T</title>", '<meta name="m">'))[1])
    with TestClient(wrapped) as c:
        r, body = _raw(c, "/", "identity")
    assert routes == [""]  # the route below the base URL path, as the link preview looks it up
    assert body.startswith(b'<!DOCTYPE html><html><head><title>T</title><meta name="m"><style>p{}</style></head>')
    assert int(r.headers["content-length"]) == len(body)


@pytest.mark.parametrize(("header", "expected"), [
    ("gzip, deflate, br, zstd", "br"), ("gzip", "gzip"), ("br;q=0, gzip;q=0.5", "gzip"), ("", "identity"),
    ("identity", "identity"), ("*", "gzip"), ("gzip;q=0", "identity"), ("BR", "br"), ("gzip;q=junk", "identity")])
def test_accept_encoding_is_negotiated(header, expected):
    assert choose_encoding(header) == expected


def test_cache_stays_within_its_bound():
    import asyncio

    cache = CompressedCache(limit=3000)
    bodies = [os.urandom(2000) for _ in range(4)]  # random bytes do not shrink: about 2 KB each compressed
    for body in bodies:
        asyncio.run(cache.get(body, "gzip"))
    assert cache.size <= 3000 and len(cache._items) == 1


def test_a_visitor_who_leaves_mid_compression_does_not_fail_the_next_one():
    import asyncio

    async def scenario():
        cache = CompressedCache()
        first = asyncio.ensure_future(cache.get(SCRIPT, "br"))
        second = asyncio.ensure_future(cache.get(SCRIPT, "br"))
        await asyncio.sleep(0)
        first.cancel()  # the first visitor closed the tab
        return await second, cache

    data, cache = asyncio.run(scenario())
    assert brotli.decompress(data) == SCRIPT and cache.compressions == 1 and not cache._pending


def test_first_paint_css_has_no_comments_and_keeps_the_wide_rule():
    assert "/*" not in serve.FIRST_PAINT_CSS and 'data-layout="narrow"' in serve.FIRST_PAINT_CSS
    assert MIN_SIZE <= 1024


# ---------------------------------------------------------------- the real server


@pytest.mark.slow
def test_streamlit_run_app_py_serves_assets_compressed(sample_build_dir):  # noqa: F811
    """`streamlit run app.py` goes through st.App and the middleware: Streamlit's main script arrives brotli-encoded
    and decodes to the file in the installed package, and the page carries the first-paint style."""
    from pathlib import Path

    import streamlit

    from bench.server import streamlit_server
    from core import config

    env = {config.SOURCE_ENV: "sample", "CA_BUILD_DIR": str(sample_build_dir)}
    with streamlit_server(config.ROOT / "app.py", sample_build_dir / "serve.log", env=env) as server:
        with urllib.request.urlopen(urllib.request.Request(f"{server.base_url}/people",
                                                           headers={"Accept-Encoding": "br"})) as r:
            page = brotli.decompress(r.read())
        assert serve.FIRST_PAINT_CSS.encode() in page
        # The link preview names the page and the site, never "Streamlit" (serve/link_preview.py).
        assert b"<title>People and countries \xc2\xb7 Collective Alignment Explorer</title>" in page
        assert b"<title>Streamlit</title>" not in page and b'property="og:description"' in page
        assert b'window.__streamlit={BACKEND_BASE_URL:' in page and b's="/people"' in page
        # The map is in the first screen: the page asks for its outlines at once, at a URL the server has.
        outlines = page.split(b'<link rel="preload" as="fetch" href="./')[1].split(b'"')[0].decode()
        with urllib.request.urlopen(f"{server.base_url}/{outlines}") as r:
            assert r.status == 200 and json.loads(r.read())["objects"]["countries"]["type"] == "GeometryCollection"
        script = page.split(b'<script type="module" crossorigin src="./')[1].split(b'"')[0].decode()
        with urllib.request.urlopen(urllib.request.Request(f"{server.base_url}/{script}",
                                                           headers={"Accept-Encoding": "br"})) as r:
            assert r.headers["Content-Encoding"] == "br" and r.headers["Vary"] == "Accept-Encoding"
            sent = r.read()
    original = (Path(streamlit.__file__).parent / "static" / script).read_bytes()
    assert brotli.decompress(sent) == original and len(sent) < len(original) / 2
