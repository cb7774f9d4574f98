"""ASGI middleware: static files sent brotli- or gzip-compressed, each compressed once and kept in memory."""
from __future__ import annotations

import asyncio
import gzip
import hashlib
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio.to_thread

try:
    import brotli
except ImportError:  # gzip still works without it
    brotli = None

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MIN_SIZE = 1024  # below this the headers outweigh the saving
MAX_BODY = 32 * 2**20  # a larger body passes through as it is
CACHE_BYTES = 64 * 2**20  # every Streamlit asset compressed is about 8 MB
# Quality 5 / level 6: Streamlit's 4.6 MB Plotly chunk takes 0.1 s (quality 11 takes 20 s, for 14% less).
BROTLI_QUALITY, GZIP_LEVEL = 5, 6
COMPRESSIBLE = ("text/", "application/javascript", "application/json", "application/manifest+json",
                "application/geo+json", "application/xml", "image/svg+xml", "application/wasm", "font/ttf", "font/otf")
# Answers that change per request or session stay with Streamlit's own handling (and its gzip): its API and
# websocket under _stcore/ (but not components' files), and media files, which may be ranged or already compressed.
DYNAMIC = ("_stcore/", "media/")
COMPONENT_FILES = "_stcore/bidi-components/"


def choose_encoding(accept_encoding: str) -> str:
    """'br', 'gzip' or 'identity' from an Accept-Encoding header (q=0 refuses a coding)."""
    accepted = set()
    for part in accept_encoding.lower().split(","):
        name, _, params = part.strip().partition(";")
        q = params.strip().removeprefix("q=")
        try:
            if params and float(q) <= 0:
                continue
        except ValueError:
            continue
        accepted.add(name.strip())
    if "br" in accepted and brotli is not None:
        return "br"
    return "gzip" if "gzip" in accepted or "*" in accepted else "identity"


def compress(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.compress(body, quality=BROTLI_QUALITY)
    # mtime=0: the same input gives the same bytes on every process.
    return gzip.compress(body, compresslevel=GZIP_LEVEL, mtime=0)


class CompressedCache:
    """Compressed bodies by (digest of the body, encoding), least recently used dropped past `limit` bytes."""

    def __init__(self, limit: int = CACHE_BYTES) -> None:
        self.limit, self.size = limit, 0
        self._items: OrderedDict[tuple[str, str], bytes] = OrderedDict()
        self._pending: dict[tuple[str, str], asyncio.Task[bytes]] = {}
        self.compressions = 0  # how many bodies were compressed (the tests read it)

    async def get(self, body: bytes, encoding: str) -> bytes:
        key = (hashlib.sha256(body).hexdigest(), encoding)
        if key in self._items:
            self._items.move_to_end(key)
            return self._items[key]
        if key not in self._pending:
            # A task of its own, so that a visitor who leaves (and whose request is cancelled) stops only its own
            # wait: the compression goes on, lands in the cache, and anyone else waiting on it still gets it.
            self._pending[key] = asyncio.ensure_future(self._compress(key, body, encoding))
        return await asyncio.shield(self._pending[key])  # two first visitors asking at once share one compression

    async def _compress(self, key: tuple[str, str], body: bytes, encoding: str) -> bytes:
        try:
            data = await anyio.to_thread.run_sync(compress, body, encoding)  # off the event loop
        finally:
            del self._pending[key]
        self.compressions += 1
        if len(data) <= self.limit:
            self._items[key] = data
            self.size += len(data)
            while self.size > self.limit:
                _, dropped = self._items.popitem(last=False)
                self.size -= len(dropped)
        return data


def _route_path(scope: Scope, base_url: str) -> str:
    """The request path without the mount's root path or the configured base URL, without the leading slash."""
    path = scope.get("path", "")
    for prefix in (scope.get("root_path", ""), "/" + base_url.strip("/") if base_url.strip("/") else ""):
        if prefix and (path == prefix or path.startswith(prefix + "/")):
            path = path[len(prefix):]
    return path.lstrip("/")


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> str | None:
    return next((v.decode("latin-1") for k, v in headers if k.lower() == name), None)


def _set(headers: list[tuple[bytes, bytes]], name: bytes, value: str) -> list[tuple[bytes, bytes]]:
    return [*((k, v) for k, v in headers if k.lower() != name), (name, value.encode("latin-1"))]


def _add_vary(headers: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    vary = _header(headers, b"vary")
    if vary and "accept-encoding" in vary.lower():
        return headers
    return _set(headers, b"vary", f"{vary}, Accept-Encoding" if vary else "Accept-Encoding")


class CompressedAssets:
    """Sends the static files (Streamlit's JS/CSS, index.html, the app's static/ and components' files) compressed
    as the browser accepts, with Content-Encoding, Content-Length and Vary: Accept-Encoding.

    Each distinct body is compressed once (keyed by its digest, so an asset shared by every page or every visitor
    costs one compression) and kept in a bounded cache. Streamlit 1.67 itself leaves these files uncompressed, and
    gzips other answers on every request. A response that already has a Content-Encoding, a ranged request, a
    non-200 status (304 included), a body under MIN_SIZE or over MAX_BODY, a type that does not compress (images,
    woff2) and the websocket pass through untouched, so a proxy in front (deploy/nginx.conf) never compresses twice.
    `head_html` is inserted before `</head>` of the HTML page (see serve/first_paint.css).
    """

    def __init__(self, app: ASGIApp, *, head_html: str = "", base_url: str = "",
                 cache: CompressedCache | None = None,
                 page_head: Callable[[str], tuple[str, str]] | None = None) -> None:
        self.app, self.base_url = app, base_url
        self.head_html = head_html.encode()
        self.page_head = page_head  # route path -> (<title>, tags for the head): serve/link_preview.py, serve/preload.py
        self.cache = cache or CompressedCache()

    def _handles(self, scope: Scope) -> bool:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            return False
        if any(k.lower() == b"range" for k, _ in scope["headers"]):
            return False
        path = _route_path(scope, self.base_url)
        return path.startswith(COMPONENT_FILES) or not path.startswith(DYNAMIC)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not self._handles(scope):
            await self.app(scope, receive, send)
            return
        encoding = choose_encoding(_header(scope["headers"], b"accept-encoding") or "")
        head = scope["method"] == "HEAD"
        route = _route_path(scope, self.base_url)
        # Downstream sees a GET without Accept-Encoding: Streamlit's gzip leaves the body alone, and a HEAD gets the
        # body it needs for the compressed length.
        inner = {**scope, "method": "GET", "headers": [(k, v) for k, v in scope["headers"]
                                                       if k.lower() != b"accept-encoding"]}
        start: Message | None = None
        chunks: list[bytes] = []

        async def send_wrapper(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                headers = _add_vary(list(message.get("headers", [])))
                if self._wanted(message["status"], headers, encoding):
                    start = {**message, "headers": headers}
                else:
                    await send({**message, "headers": headers})
            elif message["type"] == "http.response.body" and start is not None:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._finish(start, b"".join(chunks), encoding, head, send, route)
            elif message["type"] == "http.response.body" and head:  # passed through: headers only
                if not message.get("more_body", False):
                    await send({"type": "http.response.body", "body": b""})
            else:
                await send(message)

        await self.app(inner, receive, send_wrapper)

    def _wanted(self, status: int, headers: list[tuple[bytes, bytes]], encoding: str) -> bool:
        """Whether to hold the body: a whole 200 answer that is HTML (for head_html) or worth compressing."""
        if status != 200 or _header(headers, b"content-encoding"):
            return False
        kind = (_header(headers, b"content-type") or "").lower()
        length = _header(headers, b"content-length")
        if length is not None and length.isdigit() and int(length) > MAX_BODY:
            return False
        if (self.head_html or self.page_head) and kind.startswith("text/html"):
            return True
        return encoding != "identity" and kind.startswith(COMPRESSIBLE)

    async def _finish(self, start: Message, body: bytes, encoding: str, head: bool, send: Send,
                      route: str = "/") -> None:
        headers = start["headers"]
        kind = (_header(headers, b"content-type") or "").lower()
        if kind.startswith("text/html") and b"</head>" in body:
            extra = self.head_html
            if self.page_head:
                title, meta = self.page_head(route)
                body = re.sub(rb"<title>[^<]*</title>", lambda _m: title.encode(), body, count=1)
                extra = meta.encode() + extra
            body = body.replace(b"</head>", extra + b"</head>", 1)
        if encoding != "identity" and MIN_SIZE <= len(body) <= MAX_BODY and kind.startswith(COMPRESSIBLE):
            body = await self.cache.get(body, encoding)
            headers = _set(headers, b"content-encoding", encoding)
            etag = _header(headers, b"etag")
            if etag and not etag.startswith("W/"):  # another representation of the same file: a weak validator
                headers = _set(headers, b"etag", "W/" + etag)
        headers = _set(headers, b"content-length", str(len(body)))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if head else body})
