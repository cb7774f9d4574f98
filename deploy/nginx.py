"""Render deploy/nginx.conf for N Streamlit processes on loopback ports; check it and run it with Debian's nginx."""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

NGINX = "/usr/sbin/nginx"
TEMPLATE = Path(__file__).with_name("nginx.conf")
MODULES = Path("/usr/lib/nginx/modules")
BROTLI_MODULE = "ngx_http_brotli_filter_module.so"
TEMP_DIRS = ("body", "proxy", "fastcgi", "uwsgi", "scgi")


@dataclass(frozen=True)
class Proxy:
    """One rendering: which ports to balance, where nginx listens, and the folder for its pid, logs and cache."""

    ports: tuple[int, ...]
    listen: str
    prefix: Path
    workers: str = "auto"
    user: str | None = None
    pid: Path | None = None
    brotli: bool | None = None  # None: on when Debian's module is installed

    @property
    def brotli_on(self) -> bool:
        return (MODULES / BROTLI_MODULE).is_file() if self.brotli is None else self.brotli


def render(proxy: Proxy, template: str | None = None) -> str:
    """The template with every field filled and each `#if:NAME ` line kept or dropped."""
    if not proxy.ports:
        raise ValueError("at least one upstream port is needed")
    text = TEMPLATE.read_text() if template is None else template
    switches = {"brotli": proxy.brotli_on, "user": proxy.user is not None}
    lines = []
    for line in text.splitlines():
        marker = re.match(r"#if:(\w+) ", line)
        if marker is None:
            lines.append(line)
        elif switches[marker.group(1)]:
            lines.append(line[marker.end():])
    fields = {
        "servers": "\n".join(f"        server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;" for p in proxy.ports),
        "listen": proxy.listen, "prefix": str(proxy.prefix), "workers": proxy.workers, "user": proxy.user or "",
        "pid": str(proxy.pid or proxy.prefix / "nginx.pid"), "modules": str(MODULES),
    }
    out = re.sub(r"\{\{(\w+)\}\}", lambda m: fields[m.group(1)], "\n".join(lines) + "\n")
    return out


def write(proxy: Proxy) -> Path:
    """Render into `prefix/nginx.conf`, with the folders nginx writes to (readable by its worker user)."""
    for sub in ("", "tmp", "cache", *(f"tmp/{d}" for d in TEMP_DIRS)):
        (proxy.prefix / sub).mkdir(parents=True, exist_ok=True)
        os.chmod(proxy.prefix / sub, 0o755)
    conf = proxy.prefix / "nginx.conf"
    conf.write_text(render(proxy))
    return conf


def check(conf: Path) -> subprocess.CompletedProcess:
    """`nginx -t` on a rendered file (its verdict is on stderr)."""
    return subprocess.run([NGINX, "-t", "-q", "-c", str(conf), "-p", str(conf.parent)],
                          capture_output=True, text=True, timeout=30, check=False)


def start(conf: Path, log: Path) -> subprocess.Popen:
    """Run nginx in the foreground (its master is this Popen; stop it by this process id)."""
    with open(log, "wb") as out:
        return subprocess.Popen([NGINX, "-c", str(conf), "-p", str(conf.parent), "-g", "daemon off;"],
                                stdout=out, stderr=subprocess.STDOUT)


def parse_ports(text: str) -> tuple[int, ...]:
    """`8501-8504` or `8501,8502` → the ports."""
    ports: list[int] = []
    for part in text.split(","):
        low, _, high = part.strip().partition("-")
        ports += range(int(low), int(high or low) + 1)
    if not ports or any(not 1 <= p <= 65535 for p in ports):
        raise ValueError(f"not a port list: {text!r}")
    return tuple(ports)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.nginx", description=__doc__)
    parser.add_argument("--ports", required=True, help="the Streamlit processes' ports: 8501-8504 or 8501,8502")
    parser.add_argument("--listen", default="127.0.0.1:8080", help="nginx's listen address (e.g. 80)")
    parser.add_argument("--prefix", type=Path, required=True, help="folder for logs, cache and temporary files")
    parser.add_argument("--workers", default="auto")
    parser.add_argument("--user", help="worker user when nginx starts as root (e.g. www-data)")
    parser.add_argument("--pid", type=Path, help="pid file (default PREFIX/nginx.pid; Debian's service: /run/nginx.pid)")
    parser.add_argument("--brotli", choices=("auto", "on", "off"), default="auto")
    parser.add_argument("--out", type=Path, help="write the rendering here instead of PREFIX/nginx.conf")
    parser.add_argument("--check", action="store_true", help="run nginx -t on the result")
    args = parser.parse_args(argv)
    proxy = Proxy(parse_ports(args.ports), args.listen, args.prefix.resolve(), args.workers, args.user, args.pid,
                  {"auto": None, "on": True, "off": False}[args.brotli])
    conf = write(proxy)
    if args.out:
        args.out.write_text(conf.read_text())
        conf = args.out
    print(conf)
    if args.check:
        result = check(conf)
        print(result.stderr.strip() or "nginx -t: ok", file=sys.stderr)
        return result.returncode
    return 0


if __name__ == "__main__":
    sys.exit(main())
