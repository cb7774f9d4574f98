"""K site processes on loopback behind Debian's nginx (deploy/nginx.conf), started and stopped by their own ids."""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from bench.memory import tree_rss_mb
from bench.server import Server, free_port, stop, streamlit_server, wait_healthy
from core.config import ROOT
from deploy import nginx

_LOG_LINE = re.compile(r'"GET (?P<path>\S+) [^"]*" (?P<status>\d+) .* route=(?P<route>\S+) upstream=(?P<upstream>.*) '
                       r'ustatus=')


@dataclass
class Cluster:
    """The proxy's address, the site processes behind it, and nginx's own process and folder."""

    proxy_url: str
    servers: list[Server]
    nginx: subprocess.Popen
    prefix: Path
    killed: list[int] = field(default_factory=list)

    @property
    def ports(self) -> list[int]:
        return [int(s.base_url.rsplit(":", 1)[1]) for s in self.servers]

    def alive(self) -> list[Server]:
        return [s for s in self.servers if s.pid not in self.killed]

    def kill(self, port: int) -> None:
        """SIGKILL one site process (a crash, not a clean stop) by the id this cluster started it with."""
        server = self.servers[self.ports.index(port)]
        os.kill(server.pid, signal.SIGKILL)
        self.killed.append(server.pid)

    def log_lines(self) -> list[dict[str, str]]:
        """nginx's access log, one dict per request: path, status, route, upstream (the last one tried)."""
        path = self.prefix / "access.log"
        lines = path.read_text(errors="replace").splitlines() if path.exists() else []
        found = (_LOG_LINE.search(line) for line in lines)
        return [{**m.groupdict(), "upstream": m["upstream"].split(", ")[-1].strip()} for m in found if m]

    def upstream_of(self, route: str) -> int | None:
        """The port that last answered a request carrying this route (cookie) value."""
        answered = [line["upstream"] for line in self.log_lines() if line["route"] == route and ":" in line["upstream"]]
        return int(answered[-1].rsplit(":", 1)[1]) if answered else None

    def sessions_per_process(self, since_line: int = 0) -> dict[int, int]:
        """Websocket sessions each process held (nginx logs a websocket when it closes), from log line `since_line`."""
        count = Counter(int(line["upstream"].rsplit(":", 1)[1]) for line in self.log_lines()[since_line:]
                        if line["path"] == "/_stcore/stream" and line["status"] == "101")
        return {port: count.get(port, 0) for port in self.ports}

    def rss_mb(self) -> dict[int, float]:
        """Memory of each live site process (its process tree), by port."""
        out = {}
        for port, server in zip(self.ports, self.servers):
            if server.pid not in self.killed:
                with contextlib.suppress(Exception):
                    out[port] = tree_rss_mb(server.pid)
        return out

    def cpu_seconds(self) -> dict[str, float]:
        """CPU seconds (user + system, children included) used so far by each live site process, and by nginx."""
        out = {str(port): _cpu(server.pid) for port, server in zip(self.ports, self.servers)
               if server.pid not in self.killed}
        return {**out, "nginx": _cpu(self.nginx.pid)}

    def nginx_rss_mb(self) -> float:
        return tree_rss_mb(self.nginx.pid)


def _cpu(pid: int) -> float:
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0.0
    total = 0.0
    for proc in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            times = proc.cpu_times()
            total += times.user + times.system
    return total


def _keep_logs(prefix: Path, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for name in ("access.log", "error.log", "nginx.conf"):
        if (prefix / name).exists():
            shutil.copy2(prefix / name, target / name)


@contextlib.contextmanager
def cluster(processes: int, work: Path, env: dict[str, str] | None = None, listen_port: int | None = None,
            timeout_s: float = 90.0) -> Iterator[Cluster]:
    """Start `processes` servers of app.py and nginx in front of them on 127.0.0.1; stop all on exit."""
    if not 1 <= processes <= 16:
        raise SystemExit("--processes must be between 1 and 16")
    work.mkdir(parents=True, exist_ok=True)
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(streamlit_server(ROOT / "app.py", work / f"site_{i}.log", env=env,
                                                        timeout_s=timeout_s)) for i in range(processes)]
        ports = tuple(int(s.base_url.rsplit(":", 1)[1]) for s in servers)
        listen = listen_port or free_port()
        # nginx's workers run as nobody when it starts as root: its folder must not sit under a private one.
        prefix = Path(tempfile.mkdtemp(prefix="ca_nginx_"))
        stack.callback(shutil.rmtree, prefix, True)
        stack.callback(_keep_logs, prefix, work / "nginx_logs")
        conf = nginx.write(nginx.Proxy(ports, f"127.0.0.1:{listen}", prefix, workers="1"))
        verdict = nginx.check(conf)
        if verdict.returncode != 0:
            raise RuntimeError(f"nginx -t failed on {conf}:\n{verdict.stderr}")
        proc = nginx.start(conf, work / "nginx.out")
        try:
            proxy_url = f"http://127.0.0.1:{listen}"
            wait_healthy(proxy_url, 30, proc, work / "nginx.out")
            yield Cluster(proxy_url, servers, proc, prefix)
        finally:
            stop(proc)
