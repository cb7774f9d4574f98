"""TCP_NODELAY on the server's listening socket, so a small answer on a reused connection is not held back 40 ms."""
from __future__ import annotations

import os
import socket

# Why: Streamlit 1.67 binds its socket with socket.socket(family) (protocol 0), and asyncio sets TCP_NODELAY only on
# sockets whose protocol reads IPPROTO_TCP, so every accepted connection keeps Nagle's algorithm. uvicorn writes an
# answer's headers and body separately; on a kept-alive connection the body then waits for the browser's delayed ACK
# (about 40 ms) — once per request, for each of the 29–37 script chunks a page loads after its first screen. Linux copies
# TCP_NODELAY from a listening socket to the connections it accepts, so setting it once on the listener is enough.


def no_delay_on_listeners(port: int | None = None) -> int:
    """Set TCP_NODELAY on this process's listening TCP sockets (those on `port` when given); how many were set.

    Reads the open descriptors from /proc/self/fd, so it does nothing (returns 0) where there is no /proc."""
    try:
        fds = [int(name) for name in os.listdir("/proc/self/fd")]
    except OSError:
        return 0
    done = 0
    for fd in fds:
        try:
            sock = socket.socket(fileno=fd)  # borrowed: detached below, so the server's socket stays open
        except OSError:  # not a socket (or already closed)
            continue
        try:
            if (sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM
                    and sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN)
                    and (port is None or sock.getsockname()[1] == port)):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                done += 1
        except OSError:
            pass
        finally:
            sock.detach()
    return done
