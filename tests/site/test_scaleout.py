"""Two site processes behind nginx (deploy/nginx.conf) in headless Chromium: a page loads through the proxy,
a reader stays on one process, and a reader whose process is killed gets its view back with no error."""
from __future__ import annotations

import time
import urllib.request
from email.message import Message
from pathlib import Path

import pytest

from bench.browser import READY_JS
from bench.cluster import cluster
from deploy import nginx

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not Path(nginx.NGINX).exists(), reason="nginx is not installed")]
VIEW = "people?field=age&breakdown=gender"
HEADING = "People and countries"


@pytest.fixture(scope="module")
def two(sample_build_dir, tmp_path_factory):
    with cluster(2, tmp_path_factory.mktemp("scaleout"), {"CA_SOURCE": "sample",
                                                          "CA_BUILD_DIR": str(sample_build_dir)}) as c:
        yield c


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    from bench import failover

    with sync_playwright() as pw:
        chromium = failover.launch_browser(pw)
        yield chromium
        chromium.close()


def _get(url: str, headers: dict[str, str]) -> tuple[Message, bytes]:
    # Header names compare case-insensitively: the site's middleware (serve/) answers in lower case, nginx in title
    # case, and either may have compressed the body (nginx passes an encoded body through).
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as response:
        return response.headers, response.read()


def test_routes_spread_over_both_processes_and_each_route_keeps_its_process(two):
    seen: dict[str, set[int]] = {}
    for i in range(20):  # consistent hashing is deterministic: 20 keys cannot all land on one of two processes
        for _ in range(2):
            _get(f"{two.proxy_url}/_stcore/health", {"Cookie": f"ca_route=key{i}"})
        seen[f"key{i}"] = {two.upstream_of(f"key{i}")}
        seen[f"key{i}"] |= {int(line["upstream"].rsplit(":", 1)[1]) for line in two.log_lines()
                            if line["route"] == f"key{i}"}
    assert all(len(ports) == 1 for ports in seen.values()), seen
    assert set.union(*seen.values()) == set(two.ports)


def test_static_files_are_compressed_and_cached_by_the_proxy(two):
    headers, html = _get(f"{two.proxy_url}/", {})
    assert "ca_route=" in headers.get("Set-Cookie", "") and "HttpOnly" in headers["Set-Cookie"]
    script = next(part.split('"')[0] for part in html.decode().split('src="./')[1:] if part.startswith("static/js/"))
    first, body = _get(f"{two.proxy_url}/{script}", {"Accept-Encoding": "gzip"})
    again, _ = _get(f"{two.proxy_url}/{script}", {"Accept-Encoding": "gzip"})
    # Cached once per encoding (the upstream's Vary: Accept-Encoding), so a client without gzip gets plain bytes.
    assert first["Content-Encoding"] == "gzip" and again["X-Cache"] == "HIT"
    plain, raw = _get(f"{two.proxy_url}/{script}", {})
    assert "Content-Encoding" not in plain and len(body) < len(raw) / 2


def test_a_page_loads_through_the_proxy_and_its_websocket_stays_on_one_process(two, browser):
    from bench.browser import new_session

    session = new_session(browser, two.proxy_url)
    session.page.goto(f"{two.proxy_url}/{VIEW}", wait_until="commit")
    session.page.wait_for_function(READY_JS, arg=[0, HEADING, "/people"], polling=50, timeout=90_000)
    route = next(c["value"] for c in session.context.cookies() if c["name"] == "ca_route")
    session.context.close()  # nginx logs the websocket when it closes
    for _ in range(50):  # bounded: up to 10 s for the close to reach nginx
        lines = [line for line in two.log_lines() if line["route"] == route]
        if any(line["path"] == "/_stcore/stream" and line["status"] == "101" for line in lines):
            break
        time.sleep(0.2)
    assert any(line["path"] == "/_stcore/stream" and line["status"] == "101" for line in lines), lines
    assert len({line["upstream"] for line in lines if ":" in line["upstream"]}) == 1, lines
    assert not session.failed_requests and not session.exceptions, session.failed_requests


def test_killing_a_readers_process_brings_its_view_back_on_the_other_with_no_error(two, browser, tmp_path):
    from bench import failover

    readers = failover.open_readers(browser, two, [(VIEW, HEADING), ("sections?threshold=4",
                                                                     "Agreement by spec section")], [])
    victim = readers[0]["port"]
    failover.mark(readers)
    two.kill(victim)
    checks = [failover.check_reader(r, r["port"] == victim, tmp_path) for r in readers]
    moved = checks[0]
    assert moved["moved"] and moved["connection_states"][-1] == "CONNECTED"
    assert moved["reruns"] >= 1  # the page ran again, on the process that is left
    assert two.upstream_of(readers[0]["route"]) != victim
    assert moved["same_url"] and moved["heading_shown"]
    assert moved["same_view"], "\n".join(moved["view_diff"])
    assert moved["errors_shown"] == 0 and not moved["connection_error_shown"]
    assert failover.download_works(readers[0]) is True  # the download's maker lives in the new session
    for reader in readers:
        reader["session"].context.close()
