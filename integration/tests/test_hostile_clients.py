"""Clients that try to take Zenith or the dashboard down by being slow or by not reading.

Each case asserts that other clients stay served (a plain GET through the proxy and an
authenticated realtime CONNECT, whose auth probe needs the dashboard) and, where memory is the
target, that Zenith's RSS stays within a small fixed bound. A Socket.IO client that never reads
the events published to it is in test_realtime_slow_consumer.py, malformed HTTP/1.1 framing in
test_proxy_smuggling.py and malformed HTTP/2 framing in test_proxy_http2_framing.py.
"""
from __future__ import annotations

import os
import select
import socket
import time

import pytest
import requests

from harness.auth import login, sio_connect, start_auth
from harness.certificates import make_certificate
from harness.memory import PeakRss
from harness.processes import free_port, wait_for_port
from harness.realtime import close

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
    from harness.h2_client import H2Connection
    import h2.settings

    rt = guarded
    # All streams of one HTTP/2 connection are on one event loop, whose pool may lease its share
    # of max_connections (4) to clients: the streams beyond it wait, and each group is cut a
    # send_timeout after it got its connections. A GET that lands on the same loop waits behind
    # them (on another loop it is served at once).
    loops = len(os.sched_getaffinity(0))
    per_loop = max(1, -(-4 // loops))
    stream_count = 6
    rounds = -(-stream_count // per_loop)
    started = time.monotonic()
    with H2Connection(rt.https_port, settings={h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0}) as h2c:
        streams = [h2c.request("GET", f"/dashboard/download?bytes={BIG}&s={i}") for i in range(stream_count)]
        h2c.receive(0.5, acknowledge_data=False)
        assert_realtime_connect_served(rt, within=SEND_TIMEOUT - 1)
        assert_get_served(rt, within=rounds * SEND_TIMEOUT + 2)
        deadline = started + (rounds + 1) * SEND_TIMEOUT + 2
        while time.monotonic() < deadline and not all(s in h2c.reset or s in h2c.ended for s in streams):
            if not h2c.receive(0.3, acknowledge_data=False):
                break
        cut = [s for s in streams if s in h2c.reset or s in h2c.ended]
        assert h2c.closed or len(cut) == len(streams), f"streams still held: {set(streams) - set(cut)}"
    assert "client send timeout" in rt.z.wait_stderr("client send timeout")


@pytest.mark.parametrize("path", ["/dashboard/upload", "/socket.io/?EIO=4&transport=polling&sid=AAAAAAAAAAAAAAAAAAAA"],
                         ids=["proxy", "realtime"])
def test_request_body_at_a_byte_a_second_gets_408(guarded, path):
    rt = guarded
    s = socket.create_connection(("127.0.0.1", rt.port))
    with s:
        s.sendall(f"POST {path} HTTP/1.1\r\nHost: h\r\nContent-Length: 100000\r\n\r\n".encode())
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
    assert "request body timeout" in rt.z.wait_stderr("request body timeout")
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


# Slowloris: many connections that send their request head a byte at a time never get a request
# in, and cost nothing once `header_timeout` (2 s here) has passed.
SLOW_CLIENTS = 40
HEADER_TIMEOUT = 2.0


def slowloris(open_connection, count: int = SLOW_CLIENTS) -> list:
    """`count` connections, each having sent the first bytes of a request head."""
    conns = []
    for _ in range(count):
        c = open_connection()
        c.sendall(b"GET /dashboard/whoami HTTP/1.1\r\nHost: h\r\nX-A: ")
        conns.append(c)
    return conns


def trickle_until_closed(conns: list, seconds: float) -> int:
    """Sends a byte on each connection every 0.3 s for `seconds`; how many are still open then."""
    deadline = time.monotonic() + seconds
    open_conns = list(conns)
    while open_conns and time.monotonic() < deadline:
        for c in list(open_conns):
            try:
                c.sendall(b"a")
            except OSError:
                open_conns.remove(c)
        time.sleep(0.3)
    for c in list(open_conns):  # a close is seen by reading (a TLS socket may still take writes)
        try:
            c.settimeout(1.0)
            if c.recv(1) == b"":
                open_conns.remove(c)
        except (socket.timeout, TimeoutError):
            pass
        except OSError:
            open_conns.remove(c)
    return len(open_conns)


def tls_socket(port: int):
    import ssl

    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")


@pytest.mark.parametrize("transport", ["plain", "tls"])
def test_slowloris_heads_are_cut_at_header_timeout(guarded, transport):
    rt = guarded
    port = rt.port if transport == "plain" else rt.https_port

    def connect():
        return socket.create_connection(("127.0.0.1", port)) if transport == "plain" else tls_socket(port)

    with PeakRss(rt.z) as peak:
        before = rt.z.rss_kib()
        conns = slowloris(connect)
        assert_get_served(rt, within=2)
        still_open = trickle_until_closed(conns, HEADER_TIMEOUT + 3)
    for c in conns:
        c.close()
    assert still_open == 0, f"{still_open} slow heads still open after header_timeout"
    assert peak.peak_kib - before < RSS_BOUND_KIB


def test_tls_handshakes_that_never_finish_are_cut_at_header_timeout(guarded):
    rt = guarded
    conns = []
    for _ in range(SLOW_CLIENTS):
        s = socket.create_connection(("127.0.0.1", rt.https_port))
        s.sendall(b"\x16\x03\x01\x00\xc8\x01\x00\x00\xc4\x03\x03")  # the start of a ClientHello
        conns.append(s)
    assert_get_served(rt, within=2)
    try:
        for s in conns:
            assert closed_by_peer(s, within=HEADER_TIMEOUT + 2), "a TLS handshake left unfinished is held open"
    finally:
        for s in conns:
            s.close()


def test_http2_streams_whose_headers_never_end_are_cut(guarded):
    """A HEADERS frame without END_HEADERS, then nothing: the connection waits for CONTINUATION
    only until header_timeout."""
    from harness.h2_client import H2Connection

    rt = guarded
    with H2Connection(rt.https_port) as h2c:
        h2c.receive(0.3)
        h2c.sock.sendall(raw_frame(0x1, 0x0, 1, hpack_literal(":method", "GET")))
        assert closed_by_peer(h2c.sock, within=HEADER_TIMEOUT + 3), "the connection waits for the header block for ever"
    assert_get_served(rt, within=2)


def raw_frame(kind: int, flags: int, stream: int, payload: bytes) -> bytes:
    return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + stream.to_bytes(4, "big") + payload


def hpack_literal(name: str, value: str) -> bytes:
    """A literal header field without indexing, new name (RFC 7541 §6.2.2), for short strings."""
    return b"\x00" + bytes([len(name)]) + name.encode() + bytes([len(value)]) + value.encode()


@pytest.mark.parametrize("flood", ["continuation", "settings", "rapid-reset", "ping"])
def test_http2_floods_end_the_connection_with_bounded_memory(guarded, flood):
    from harness.h2_client import H2Connection

    rt = guarded
    with PeakRss(rt.z) as peak:
        before = rt.z.rss_kib()
        with H2Connection(rt.https_port) as h2c:
            h2c.receive(0.3)
            h2c.sock.settimeout(2)
            frames = []
            if flood == "continuation":
                frames.append(raw_frame(0x1, 0x0, 1, hpack_literal(":method", "GET")))
                frames += [raw_frame(0x9, 0x0, 1, hpack_literal("x-pad", "a" * 100))] * 20_000
            elif flood == "settings":
                frames += [raw_frame(0x4, 0x0, 0, b"")] * 50_000
            elif flood == "ping":
                frames += [raw_frame(0x6, 0x0, 0, b"12345678")] * 50_000
            else:
                block = (hpack_literal(":method", "GET") + hpack_literal(":scheme", "https")
                         + hpack_literal(":path", "/dashboard/whoami") + hpack_literal(":authority", "h"))
                for stream in range(1, 40_000, 2):
                    frames.append(raw_frame(0x1, 0x5, stream, block))  # END_STREAM | END_HEADERS
                    frames.append(raw_frame(0x3, 0x0, stream, (8).to_bytes(4, "big")))  # RST_STREAM CANCEL
            data = b"".join(frames)
            sent = 0
            try:
                for offset in range(0, len(data), 65536):  # never reading what the server answers
                    h2c.sock.sendall(data[offset:offset + 65536])
                    sent += 65536
            except OSError:
                pass
            ended = closed_by_peer(h2c.sock, within=10)
        print(f"{flood}: sent {min(sent, len(data))} of {len(data)} bytes; RSS grew {peak.peak_kib - before} KiB")
    assert ended, f"{flood}: the connection is still open"
    assert peak.peak_kib - before < 4 * RSS_BOUND_KIB, f"{flood}: RSS grew {peak.peak_kib - before} KiB"
    assert_get_served(rt, within=3)


def closed_by_peer(sock, within: float) -> bool:
    """Reads (and drops) what the server sends until it closes the connection."""
    deadline = time.monotonic() + within
    sock.settimeout(0.5)
    while time.monotonic() < deadline:
        try:
            if not sock.recv(1 << 20):
                return True
        except (socket.timeout, TimeoutError):
            continue
        except OSError:
            return True
    return False


def test_polling_session_that_never_polls_is_dropped(apache, zenith_factory):
    from harness.realtime import start_realtime

    rt = start_realtime(zenith_factory, realtime={"ping_interval": "1s", "ping_timeout": "1s"})
    handshake = requests.get(rt.eio_url(), timeout=5)
    assert handshake.status_code == 200
    sid = handshake.text.split('"sid":"')[1].split('"')[0]
    time.sleep(3.5)  # one ping interval, then its timeout, with no poll to carry the ping
    r = requests.get(rt.eio_url(sid=sid), timeout=5)
    assert r.status_code == 400 and "Session ID unknown" in r.text, (r.status_code, r.text)


def test_bytes_after_an_upgrade_request_are_not_read_while_its_backend_thinks(guarded):
    """Until the backend answers an upgrade request (101 or not), what follows it is not HTTP and
    not yet the new protocol's: it is left in the socket, so a client that streams bytes behind
    one costs no memory (they used to pile up for the whole response_timeout)."""
    rt = guarded
    s = socket.create_connection(("127.0.0.1", rt.port))
    with s, PeakRss(rt.z) as peak:
        before = rt.z.rss_kib()
        s.sendall(b"GET /dashboard/slow?seconds=8 HTTP/1.1\r\nHost: h\r\nConnection: Upgrade\r\n"
                  b"Upgrade: websocket\r\nSec-WebSocket-Version: 13\r\n"
                  b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n")
        s.settimeout(2.0)
        sent = send_until_blocked(s.sendall, b"x" * 65536, 100_000_000)
        time.sleep(0.5)
    grown = peak.peak_kib - before
    print(f"bytes sent behind the upgrade request before the server stopped reading: {sent}; RSS grew {grown} KiB")
    assert sent < 100_000_000, "Zenith read 100 MB sent behind an upgrade request"
    assert grown < RSS_BOUND_KIB, f"RSS grew {grown} KiB"
    assert_get_served(rt, within=3)
