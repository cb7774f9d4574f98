"""Start a Streamlit server on loopback for a measurement, and stop it by its own process id."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class Server:
    pid: int
    base_url: str
    log_path: Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_loopback(host: str) -> None:
    """Refuse any target but this machine: the harness must never load someone else's server."""
    if host not in LOOPBACK_HOSTS:
        raise SystemExit(f"refusing host {host!r}: only {', '.join(LOOPBACK_HOSTS)} are allowed")


def wait_healthy(base_url: str, timeout_s: float = 60.0, proc: subprocess.Popen | None = None,
                 log_path: Path | None = None) -> None:
    """Wait for Streamlit's health endpoint; fail at once (with the log's tail) if the server process exits."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError), urllib.request.urlopen(f"{base_url}/_stcore/health", timeout=2) as r:
            if r.status == 200:
                return
        if proc is not None and proc.poll() is not None:
            break
        time.sleep(0.2)
    tail = log_path.read_text(errors="replace")[-2000:] if log_path and log_path.exists() else ""
    raise TimeoutError(f"server at {base_url} not healthy after {timeout_s:.0f} s\n{tail}")


@contextlib.contextmanager
def streamlit_server(app: Path, log_path: Path, env: dict[str, str] | None = None,
                     port: int | None = None, timeout_s: float = 60.0) -> Iterator[Server]:
    """Run `streamlit run app` on 127.0.0.1 from the app's folder (so its .streamlit/config.toml applies)."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", app.name,
           "--server.address", "127.0.0.1", "--server.port", str(port),
           "--server.headless", "true", "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none", "--server.runOnSave", "false"]
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, cwd=app.parent, env={**os.environ, **(env or {})},
                                stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_healthy(base_url, timeout_s, proc, log_path)
        yield Server(proc.pid, base_url, log_path)
    finally:
        stop(proc)


def stop(proc: subprocess.Popen, timeout_s: float = 15.0) -> None:
    """Terminate a process this harness started (by its own Popen), and kill it if it does not exit in time."""
    proc.terminate()
    try:
        proc.wait(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
