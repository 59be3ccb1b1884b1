"""The publish and metrics listeners keep the main listener's `[limits]` on what a client sends:
a head above `header_bytes` is a 431, a malformed request a 400 with a log line, and a connection
that sends no head within `header_timeout` or idles for `keepalive_timeout` is closed."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest

from harness.processes import free_port, wait_for_port
from harness.raw_http import Conn
from harness.realtime import REALTIME_ROUTES, TOKEN, realtime_config, realtime_started

pytestmark = pytest.mark.usefixtures("zenith_survives")

LIMITS = {"header_bytes": 4096, "header_timeout": "1s", "keepalive_timeout": "2s"}


@pytest.fixture
def listeners(zenith_factory):
    """A zenith with the publish API and the metrics listener, each on its own port."""
    publish_port, metrics_port = free_port(), free_port()
    workdir = Path(tempfile.mkdtemp(prefix="zenith-listeners-"))
    (workdir / "token").write_text(TOKEN + "\n")
    cfg = realtime_config(publish_port)
    cfg["limits"] = LIMITS
    cfg["metrics"] = {"listen": f"127.0.0.1:{metrics_port}"}
    z = zenith_factory(cfg, REALTIME_ROUTES, workdir=workdir)
    rt = realtime_started(z, publish_port, TOKEN, cfg)
    wait_for_port(metrics_port, 10, z.proc, "zenith metrics")
    return rt, {"publish": publish_port, "metrics": metrics_port}


def closed_within(conn: Conn, seconds: float) -> bool:
    """The server closed the connection within `seconds` and sent nothing more. A close with the
    rest of a refused request unread reaches the client as a reset, which ends it as well."""
    conn.sock.settimeout(seconds)
    try:
        return conn.read_to_close() == b""
    except ConnectionResetError:
        return True
    except TimeoutError:
        return False


@pytest.mark.parametrize("listener", ["publish", "metrics"])
def test_head_above_header_bytes_is_431_and_closes(listeners, listener):
    _, ports = listeners
    conn = Conn(ports[listener])
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 8192 + b"\r\n\r\n")
    r = conn.read_response()
    assert r.status == 431, r.head
    assert r.header("Connection") == "close"
    assert closed_within(conn, 5)


@pytest.mark.parametrize("listener", ["publish", "metrics"])
def test_malformed_request_is_400_with_a_log_line(listeners, listener):
    rt, ports = listeners
    conn = Conn(ports[listener])
    conn.send(b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
    assert conn.read_response().status == 400
    assert closed_within(conn, 5)
    assert f"listener={listener}" in rt.z.wait_stderr("rejected malformed request")


@pytest.mark.parametrize("listener", ["publish", "metrics"])
def test_silent_connection_is_closed_at_header_timeout(listeners, listener):
    _, ports = listeners
    conn = Conn(ports[listener])
    conn.send(b"GET /healthz HTTP/1.1\r\nHost:")
    started = time.monotonic()
    assert closed_within(conn, 5)
    assert time.monotonic() - started >= 0.5


def test_idle_kept_connection_is_closed_at_keepalive_timeout(listeners):
    _, ports = listeners
    conn = Conn(ports["metrics"])
    conn.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.read_response().status == 200
    time.sleep(1.5)  # beyond header_timeout, within keepalive_timeout: still open
    conn.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
    assert conn.read_response().status == 200
    assert closed_within(conn, 5)
