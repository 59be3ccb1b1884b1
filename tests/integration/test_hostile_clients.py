"""Clients that try to take Zenith or the dashboard down by being slow or by not reading.

Each case asserts that other clients stay served (a plain GET through the proxy and an
authenticated realtime CONNECT, whose auth probe needs the dashboard) and, where memory is the
target, that Zenith's RSS stays within a small fixed bound.
"""
from __future__ import annotations

import select
import socket
import time

import pytest
import requests

from auth_helpers import close, login, sio_connect, start_auth
from harness import PeakRss, free_port, make_certificate, wait_for_port

SEND_TIMEOUT = 3.0
BODY_TIMEOUT = 2.0
BIG = 64 << 20


@pytest.fixture
def guarded(apache, zenith_factory, tmp_path):
    """zenith with realtime auth, a small backend pool (4 client connections), short send and
    body timeouts, and an HTTPS listener (HTTP/2); `.user` is a logged-in dashboard session."""
    cert, key = make_certificate(tmp_path)
    https_port = free_port()
    rt = start_auth(
        zenith_factory, apache,
        upstreams={"dashboard": {"servers": [f"127.0.0.1:{apache.port}"], "max_connections": 4,
                                 "connect_timeout": "15s", "response_timeout": "10s"}},
        extra={"limits": {"send_timeout": f"{SEND_TIMEOUT:g}s", "body_timeout": f"{BODY_TIMEOUT:g}s",
                          "header_timeout": "2s"},
               "listen": {"https": [f"127.0.0.1:{https_port}"]},
               "tls": {"certificate": str(cert), "key": str(key)}})
    wait_for_port(https_port, 10, rt.z.proc, "zenith https")
    rt.https_port = https_port
    rt.user = login(rt.url, "alice")
    return rt


def stalled_downloads(port: int, count: int) -> list[socket.socket]:
    """`count` clients with a 4 KiB receive buffer that ask for a big download and read nothing."""
    sockets = []
    for i in range(count):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect(("127.0.0.1", port))
        s.sendall(f"GET /dashboard/download?bytes={BIG}&n={i} HTTP/1.1\r\nHost: h\r\n\r\n".encode())
        sockets.append(s)
    return sockets


def assert_realtime_connect_served(rt, within: float) -> None:
    started = time.monotonic()
    sio, log = sio_connect(rt, rt.user.cookie, transports=["polling"], wait_timeout=within + 2)
    try:
        took = time.monotonic() - started
        assert log.of("connect"), log.items
        assert took < within, f"realtime CONNECT took {took:.1f}s"
    finally:
        close(sio)


def assert_get_served(rt, within: float) -> None:
    started = time.monotonic()
    r = requests.get(rt.url + "/dashboard/whoami", timeout=within + 10)
    took = time.monotonic() - started
    assert r.status_code == 200, f"{r.status_code} after {took:.1f}s"
    assert took < within, f"GET took {took:.1f}s"


def received_until_closed(s: socket.socket, timeout: float = 5.0) -> int:
    """Reads what `s` has until Zenith closes it; the byte count, or -1 if it stayed open."""
    s.settimeout(timeout)
    total = 0
    try:
        while True:
            data = s.recv(1 << 20)
            if not data:
                return total
            total += len(data)
            if total >= BIG:
                return -1
    except ConnectionResetError:
        return total
    except socket.timeout:
        return -1


def test_clients_that_stop_reading_do_not_hold_the_backend_pool(guarded):
    rt = guarded
    stalled = stalled_downloads(rt.port, 6)
    try:
        time.sleep(0.5)  # every client connection to the backend is now held by a stalled client
        # The auth probe has capacity of its own: the CONNECT does not wait for send_timeout.
        assert_realtime_connect_served(rt, within=SEND_TIMEOUT - 1)
        # A plain request waits at most until the stalled clients are cut off (two rounds: six
        # stalled clients on four connections).
        assert_get_served(rt, within=2 * SEND_TIMEOUT + 2)
        # Each stalled client is cut within two send_timeouts of its exchange's start (the first
        # may see the kernel still taking bytes into its socket buffer); the last two waited
        # for a connection until the first four were cut.
        deadline = time.monotonic() + 5 * SEND_TIMEOUT
        while rt.z.stderr_text().count("client send timeout") < len(stalled) and time.monotonic() < deadline:
            time.sleep(0.2)
        for s in stalled:
            got = received_until_closed(s)
            assert got != -1, "a client that read nothing for send_timeout kept its exchange"
            assert got < BIG
    finally:
        for s in stalled:
            s.close()
    assert "client send timeout" in rt.z.wait_stderr("client send timeout")


def test_slow_reader_is_not_cut_off(guarded):
    """A client that reads slower than Zenith sends, but steadily, keeps its download:
    send_timeout is for stalls."""
    rt = guarded
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
    s.connect(("127.0.0.1", rt.port))
    size = 16 << 20
    s.sendall(f"GET /dashboard/download?bytes={size} HTTP/1.1\r\nHost: h\r\n\r\n".encode())
    got = 0
    deadline = time.monotonic() + 3 * SEND_TIMEOUT
    s.settimeout(5)
    with s:
        while time.monotonic() < deadline:  # about 1 MiB/s, far slower than Zenith sends
            data = s.recv(65536)
            assert data, f"closed after {got} bytes"
            got += len(data)
            time.sleep(0.06)
    assert got > 4 << 20
    assert "client send timeout" not in rt.z.stderr_text()


def test_http2_streams_without_window_do_not_hold_the_backend_pool(guarded):
    from h2_client import H2Connection
    import h2.settings

    rt = guarded
    with H2Connection(rt.https_port, settings={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0}) as h2c:
        streams = [h2c.request("GET", f"/dashboard/download?bytes={BIG}&s={i}") for i in range(6)]
        h2c.receive(0.5, acknowledge_data=False)
        assert_realtime_connect_served(rt, within=SEND_TIMEOUT - 1)
        assert_get_served(rt, within=2 * SEND_TIMEOUT + 2)
        deadline = time.monotonic() + 3 * SEND_TIMEOUT
        while time.monotonic() < deadline and not all(s in h2c.reset or s in h2c.ended for s in streams):
            if not h2c.receive(0.3, acknowledge_data=False):
                break
        cut = [s for s in streams if s in h2c.reset or s in h2c.ended]
        assert h2c.closed or len(cut) == len(streams), f"streams still held: {set(streams) - set(cut)}"
    assert "client send timeout" in rt.z.wait_stderr("client send timeout")


def test_request_body_at_a_byte_a_second_gets_408(guarded):
    rt = guarded
    s = socket.create_connection(("127.0.0.1", rt.port))
    with s:
        s.sendall(b"POST /dashboard/upload HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n")
        started = time.monotonic()
        answer = b""
        while time.monotonic() - started < 4 * BODY_TIMEOUT + 2:
            readable, _, _ = select.select([s], [], [], 1.0)
            if readable:
                answer = s.recv(65536)
                break
            s.sendall(b"a")
        took = time.monotonic() - started
    assert answer.startswith(b"HTTP/1.1 408 "), answer[:100]
    assert took < 3 * BODY_TIMEOUT + 2, f"408 after {took:.1f}s"
    assert "request body timeout" in rt.z.stderr_text()
    assert_get_served(rt, within=3)


RSS_BOUND_KIB = 8 << 10  # what one client that reads nothing may add to Zenith's memory


def send_until_blocked(send, payload: bytes, total: int) -> int:
    """Calls send(payload) until `total` bytes went out or a send timed out (the server stopped
    reading); returns the bytes sent."""
    import websocket

    sent = 0
    while sent < total:
        try:
            send(payload)
        except (socket.timeout, TimeoutError, websocket.WebSocketTimeoutException):
            break
        sent += len(payload)
    return sent


def test_websocket_pings_from_a_client_that_reads_nothing_cost_bounded_memory(guarded):
    import websocket

    rt = guarded
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{rt.port}/socket.io/?EIO=4&transport=websocket", origin="http://dash.example",
        sockopt=[(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)], timeout=5)
    try:
        before = rt.z.rss_kib()
        ws.sock.settimeout(2.0)
        sent = send_until_blocked(lambda p: ws.ping(p), b"p" * 125, 10_500_000)
        time.sleep(0.5)
        grown = rt.z.rss_kib() - before
        print(f"pings sent before the server stopped reading: {sent} bytes; RSS grew {grown} KiB")
        assert sent < 10_500_000, "Zenith read 10.5 MB of pings from a client that reads nothing"
        assert grown < RSS_BOUND_KIB, f"RSS grew {grown} KiB"
    finally:
        ws.sock.close()
    assert_get_served(rt, within=3)


def test_pipelined_requests_answered_by_zenith_cost_bounded_memory(guarded):
    rt = guarded
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", rt.port))
    with s, PeakRss(rt.z) as peak:
        before = rt.z.rss_kib()
        s.settimeout(2.0)
        request = b"GET /socket.io/zenith.js HTTP/1.1\r\nHost: h\r\n\r\n" * 100
        sent = send_until_blocked(s.sendall, request, 20_000_000)
        time.sleep(3)  # what was sent is read and answered by now, if it is read at all
    grown = peak.peak_kib - before
    print(f"pipelined bytes sent before the server stopped reading: {sent}; RSS grew {grown} KiB")
    assert sent < 20_000_000, "Zenith read 20 MB of pipelined requests from a client that reads nothing"
    assert grown < RSS_BOUND_KIB, f"RSS grew {grown} KiB"
    assert_get_served(rt, within=3)
