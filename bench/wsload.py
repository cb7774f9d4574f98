"""Concurrent sessions that speak Streamlit's own websocket protocol: what a browser sends, without a browser.

Twenty Chromium tabs on two cores starve each other (the driver, not the server, becomes the bottleneck),
so the load command drives sessions this way by default. Each session is one websocket, as a browser
tab is: it asks for a page run (`rerun_script`), reads every message until `script_finished`, and counts
exception elements, the site's own error boxes, unknown pages and pages whose heading never arrived.
"""
from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable

from bench.load import PAGE_TIMEOUT_S, Tally, check_limits, drive_sessions


def _rerun(url_path: str, page_hash: str) -> bytes:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    msg.rerun_script.query_string = ""
    msg.rerun_script.page_name = url_path
    msg.rerun_script.page_script_hash = page_hash
    msg.rerun_script.widget_states.SetInParent()
    return msg.SerializeToString()


def _texts(element) -> list[str]:
    kind = element.WhichOneof("type")
    if kind == "heading":
        return [element.heading.body]
    if kind == "markdown":
        return [element.markdown.body]
    return []


async def _run_page(ws, spec: dict, page_hashes: dict[str, str], failure_texts: list[str], tally: Tally) -> bool:
    """One page run on an open websocket; True when it finished, showed its heading and no error."""
    from streamlit.proto.Alert_pb2 import Alert
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    where = spec["url_path"] or "/"
    await ws.send(_rerun(spec["url_path"], page_hashes.get(spec["url_path"], "")))
    heading, seen_heading, ok = spec.get("heading", ""), False, True
    while True:
        msg = ForwardMsg()
        msg.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=PAGE_TIMEOUT_S))
        kind = msg.WhichOneof("type")
        if kind == "navigation":
            page_hashes.update({p.url_pathname: p.page_script_hash for p in msg.navigation.app_pages})
        elif kind == "page_not_found":
            tally.note("exceptions", f"{where}: page not found")
            ok = False
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            if element.WhichOneof("type") == "exception":
                tally.note("exceptions", f"{where}: exception element")
                ok = False
            elif element.WhichOneof("type") == "alert" and element.alert.format == Alert.ERROR \
                    and any(m in element.alert.body for m in failure_texts):
                tally.note("exceptions", f"{where}: {element.alert.body[:120]}")
                ok = False
            seen_heading = seen_heading or any(heading in t for t in _texts(element))
        elif kind == "script_finished":
            if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                continue
            if msg.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                tally.note("exceptions", f"{where}: script finished with status {msg.script_finished}")
                return False
            if heading and not seen_heading:
                tally.note("exceptions", f"{where}: the heading {heading!r} never arrived")
                return False
            return ok


async def _session(ws_url: str, pages: list[dict], deadline: float, tally: Tally, failure_texts: list[str],
                   pause: Callable[[], float] | None = None) -> None:
    """Page after page on one websocket until the deadline; `pause()` seconds between pages when given (a reader)."""
    import websockets

    page_hashes: dict[str, str] = {}
    async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None) as ws:
        step = 0
        while time.monotonic() < deadline:
            spec = pages[step % len(pages)]
            t0 = time.perf_counter()
            try:
                ok = await _run_page(ws, spec, page_hashes, failure_texts, tally)
            except TimeoutError:
                tally.note("timeouts", f"{spec['url_path'] or '/'}: no script_finished in {PAGE_TIMEOUT_S} s")
                return
            if ok:
                tally.view_seconds.append(time.perf_counter() - t0)
                tally.page_views += 1
            step += 1
            if pause is not None:
                await asyncio.sleep(min(pause(), max(deadline - time.monotonic(), 0)))


async def _drive(base_url: str, pages: list[dict], sessions: int, duration_s: float, server_pid: int | None,
                 ramp_s: float, failure_texts: list[str], think_s: float) -> dict:
    ws_url = base_url.replace("http://", "ws://", 1) + "/_stcore/stream"
    rngs = iter(random.Random(i) for i in range(sessions))  # each session its own seeded pauses: runs repeat

    def session(deadline: float, tally: Tally):
        rng = next(rngs)
        pause = (lambda: think_s * rng.uniform(0.5, 1.5)) if think_s > 0 else None
        return _session(ws_url, pages, deadline, tally, failure_texts, pause)

    return await drive_sessions(session, sessions, duration_s, ramp_s, server_pid)


def run_ws_load(base_url: str, pages: list[dict], sessions: int, duration_s: float, server_pid: int | None,
                ramp_s: float = 10.0, failure_texts: list[str] | None = None, think_s: float = 0.0) -> dict:
    """`sessions` websocket sessions for `duration_s`; with `think_s`, each pauses 0.5-1.5 x think_s between pages."""
    check_limits(sessions, duration_s)
    return asyncio.run(_drive(base_url, pages, sessions, duration_s, server_pid, ramp_s, failure_texts or [],
                              think_s))
