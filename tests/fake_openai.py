"""A scripted OpenAI-compatible server on loopback (stdlib only) for testing the ranker with the real client."""
from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Self


@dataclass(frozen=True)
class Reply:
    """HTTP 200 with a chat completion whose message content is `content`."""

    content: str
    prompt_tokens: int = 100
    completion_tokens: int = 20
    delay_s: float = 0.0


@dataclass(frozen=True)
class Fail:
    """An HTTP error status with optional headers (e.g. Retry-After) and an OpenAI-style error body."""

    status: int
    headers: dict = field(default_factory=dict)
    message: str = "scripted failure"


@dataclass(frozen=True)
class Hang:
    """Sleep (longer than the client's timeout), then answer with `then` if anyone is still listening."""

    seconds: float
    then: Reply | Fail = Reply("{}")


Action = Reply | Fail | Hang
Responder = Callable[[int, dict], Action]


@dataclass
class Seen:
    index: int
    at: float  # time.monotonic() when the request arrived
    body: dict
    authorization: str | None


class FakeOpenAI:
    """Serve /v1/chat/completions; `responder(index, body)` picks the action for each request (0-based)."""

    def __init__(self, responder: Responder):
        self.responder = responder
        self.requests: list[Seen] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.block_on_close = False  # a Hang must not hold up the test's teardown
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                if not self.path.endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}"}})
                    return
                with fake._lock:
                    index = len(fake.requests)
                    fake.requests.append(Seen(index, time.monotonic(), body, self.headers.get("Authorization")))
                    fake.in_flight += 1
                    fake.max_in_flight = max(fake.max_in_flight, fake.in_flight)
                self._counted = True
                try:
                    self._act(fake.responder(index, body), body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout); nothing to answer
                finally:
                    self._leave()

            def _leave(self) -> None:
                # A request stops counting as in flight before its answer is written: once the client has the answer
                # it may send its next request, possibly before this thread is scheduled again.
                if getattr(self, "_counted", False):
                    self._counted = False
                    with fake._lock:
                        fake.in_flight -= 1

            def _act(self, action: Action, body: dict) -> None:
                if isinstance(action, Hang):
                    time.sleep(action.seconds)
                    action = action.then
                if isinstance(action, Fail):
                    self._send(action.status, {"error": {"message": action.message, "type": "test"}}, action.headers)
                    return
                time.sleep(action.delay_s)
                self._send(200, {
                    "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": body.get("model", "x"),
                    "choices": [{"index": 0, "finish_reason": "stop",
                                 "message": {"role": "assistant", "content": action.content}}],
                    "usage": {"prompt_tokens": action.prompt_tokens, "completion_tokens": action.completion_tokens,
                              "total_tokens": action.prompt_tokens + action.completion_tokens},
                })

            def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
                data = json.dumps(payload).encode()
                self._leave()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

        return Handler


def scripted(actions: list[Action], default: Action | None = None) -> Responder:
    """Responder that plays `actions` in request order, then `default` (or fails the test loudly)."""

    def respond(index: int, body: dict) -> Action:
        if index < len(actions):
            return actions[index]
        if default is None:
            return Fail(599, message=f"unscripted request #{index}")
        return default

    return respond
