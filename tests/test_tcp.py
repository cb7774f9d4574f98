"""serve/tcp.py: connections accepted by the site's listening socket send small answers without Nagle's delay."""
from __future__ import annotations

import socket
import subprocess
import sys
import textwrap

import pytest

from core import config
from serve.tcp import no_delay_on_listeners

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc/self/fd")


def _accepted_no_delay(listener: socket.socket) -> int:
    with socket.create_connection(listener.getsockname()) as _client:
        accepted, _ = listener.accept()
        with accepted:
            return accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)


def _listener() -> socket.socket:
    sock = socket.socket(socket.AF_INET)  # protocol 0, as Streamlit binds it: asyncio then leaves Nagle on
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    return sock


@linux_only
def test_only_the_listener_on_the_given_port_passes_no_delay_to_what_it_accepts():
    with _listener() as site, _listener() as other, socket.socket(socket.AF_INET) as unbound:
        assert _accepted_no_delay(site) == 0 and _accepted_no_delay(other) == 0  # the default the fix is for
        assert no_delay_on_listeners(site.getsockname()[1]) == 1
        assert _accepted_no_delay(site) != 0
        assert _accepted_no_delay(other) == 0
        assert unbound.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0  # neither listening nor on the port
        assert site.fileno() >= 0 and site.getsockname()[1] > 0  # the server's own socket stays open


@linux_only
def test_app_py_imported_as_the_server_does_sets_no_delay_on_the_server_socket(tmp_path):
    """uvicorn binds first, then imports app.py for `app`: the socket bound by then is the one that gets the option."""
    script = textwrap.dedent(f"""
        import socket, sys
        sys.path.insert(0, {str(config.ROOT)!r})
        listener = socket.socket(socket.AF_INET)
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        from streamlit import config
        config.set_option("server.port", listener.getsockname()[1])
        import app  # module mode, as `streamlit run app.py` imports it
        client = socket.create_connection(listener.getsockname())
        accepted, _ = listener.accept()
        print(accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY), type(app.app).__name__)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120,
                          cwd=tmp_path, env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-2000:]
    flag, kind = done.stdout.split()[-2:]
    assert int(flag) != 0 and kind == "App"
