"""Client connection behaviour over raw sockets: Expect, keep-alive, pipelining, HTTP/1.0, close."""
import socket
import time

from harness.dashboard import marker
from harness.payloads import pattern, sha256
from harness.raw_http import Conn, build_request
from harness.zenith import base_config


def test_expect_100_continue(zenith):
    data = b"".join(pattern.generate(500_000))
    with Conn(zenith.port) as c:
        c.send(build_request("POST", "/dashboard/upload",
                             [("Expect", "100-continue"), ("Content-Length", str(len(data)))]))
        interim = c.read_response()
        assert interim.status == 100, f"expected 100 Continue before sending the body, got {interim.status}"
        c.send(data)
        final = c.read_response()
    assert final.status == 200
    assert final.json() == {"size": len(data), "sha256": sha256(data), "content_length": str(len(data)),
                            "transfer_encoding": None}


def test_expect_100_continue_over_limit_gets_413_without_continue(apache, zenith):
    m = marker()
    with Conn(zenith.port) as c:
        c.send(build_request("POST", f"/dashboard/echo/limited/x?m={m}",
                             [("Expect", "100-continue"), ("Content-Length", "1000000")]))
        r = c.read_response()
    assert r.status == 413, "the body must not be asked for when it is too big"
    assert not apache.wait_log_with(m, 0.5)


def test_keepalive_reuses_client_connection(zenith):
    with Conn(zenith.port) as c:
        for i in range(5):
            c.send(build_request("GET", f"/dashboard/echo?i={i}"))
            r = c.read_response()
            assert r.status == 200 and r.json()["args"] == {"i": [str(i)]}
            assert "close" not in (r.header("Connection") or "").lower()
        # a POST with a body, then a GET, on the same connection
        c.send(build_request("POST", "/dashboard/upload", body=b"z" * 10_000))
        assert c.read_response().json()["size"] == 10_000
        c.send(build_request("GET", "/dashboard/whoami"))
        assert c.read_response().json() == {"authenticated": False, "username": None}


def test_pipelined_requests_answered_in_order(zenith):
    with Conn(zenith.port) as c:
        # the slow one first: its answer must still come first
        c.send(build_request("GET", "/dashboard/slow?seconds=0.5") + build_request("GET", "/dashboard/echo?n=2")
               + build_request("POST", "/dashboard/upload", body=b"p" * 3000))
        first = c.read_response()
        second = c.read_response()
        third = c.read_response()
    assert first.status == 200 and first.json() == {"slept": 0.5}
    assert second.status == 200 and second.json()["args"] == {"n": ["2"]}
    assert third.status == 200 and third.json()["size"] == 3000


def test_pipelined_request_split_across_writes(zenith):
    req = build_request("GET", "/dashboard/echo?split=1") + build_request("GET", "/dashboard/echo?split=2")
    with Conn(zenith.port) as c:
        for i in range(0, len(req), 7):
            c.send(req[i:i + 7])
            time.sleep(0.001)
        assert c.read_response().json()["args"] == {"split": ["1"]}
        assert c.read_response().json()["args"] == {"split": ["2"]}


def test_many_pipelined_requests_in_one_write_are_answered_in_order(zenith):
    requests_ = b"".join(build_request("GET", f"/dashboard/echo?i={i}") for i in range(60))
    with Conn(zenith.port) as c:
        c.send(requests_)
        for i in range(60):
            r = c.read_response()
            assert r.status == 200 and r.json()["args"] == {"i": [str(i)]}
        # and the connection is still good for a request sent after the burst
        c.send(build_request("GET", "/dashboard/echo?after=1"))
        assert c.read_response().json()["args"] == {"after": ["1"]}


def test_a_flood_of_pipelined_requests_is_cut_off(zenith):
    """More than 256 request parts waiting behind one response (128 bodiless GETs) is not a
    browser: the connection closes instead of holding them all."""
    with Conn(zenith.port) as c:
        c.send(b"".join(build_request("GET", f"/dashboard/echo?i={i}") for i in range(400)))
        answered = 0
        try:
            while answered < 400:
                assert c.read_response().status == 200
                answered += 1
        except ConnectionError:
            pass
        assert answered < 400 and c.is_closed(3.0)
    with Conn(zenith.port) as c:  # and everyone else is still served
        c.send(build_request("GET", "/dashboard/echo?after=1"))
        assert c.read_response().status == 200


def test_requests_pipelined_behind_connection_close_are_not_served(zenith):
    with Conn(zenith.port) as c:
        c.send(build_request("GET", "/dashboard/echo?n=1", [("Connection", "close")])
               + build_request("GET", "/dashboard/echo?n=2"))
        assert c.read_response().json()["args"] == {"n": ["1"]}
        assert c.is_closed(3.0), "the request behind Connection: close must not be answered"


def test_connection_close_honoured(zenith):
    with Conn(zenith.port) as c:
        c.send(build_request("GET", "/dashboard/echo", [("Connection", "close")]))
        r = c.read_response()
        assert r.status == 200
        assert c.is_closed(3.0), "zenith must close after answering a Connection: close request"


def test_http10_request_closed_after_answer(zenith):
    with Conn(zenith.port) as c:
        c.send(build_request("GET", "/dashboard/echo?v=10", version="HTTP/1.0"))
        r = c.read_response()
        assert r.status == 200 and r.json()["args"] == {"v": ["10"]}
        assert c.is_closed(3.0)


def test_http10_keepalive(zenith):
    with Conn(zenith.port) as c:
        c.send(build_request("GET", "/dashboard/page", [("Connection", "keep-alive")], version="HTTP/1.0"))
        r = c.read_response()
        assert r.status == 200
        assert r.header("Content-Length") == "1076"
        if not c.is_closed(0.3):  # keeping an HTTP/1.0 connection is optional, but then it must work
            c.send(build_request("GET", "/dashboard/echo?again=1", [("Connection", "keep-alive")], version="HTTP/1.0"))
            assert c.read_response().json()["args"] == {"again": ["1"]}


def test_client_abort_mid_upload_leaves_zenith_healthy(zenith):
    for _ in range(3):
        s = socket.create_connection(("127.0.0.1", zenith.port))
        s.sendall(build_request("POST", "/dashboard/upload", [("Content-Length", "10000000")]) + b"a" * 100_000)
        s.close()
    time.sleep(0.3)
    with Conn(zenith.port) as c:
        c.send(build_request("GET", "/dashboard/whoami"))
        assert c.read_response().status == 200


def test_client_abort_mid_download_leaves_zenith_healthy(zenith):
    for _ in range(3):
        s = socket.create_connection(("127.0.0.1", zenith.port))
        s.sendall(build_request("GET", "/dashboard/download?bytes=50000000"))
        s.recv(65536)
        s.close()
    time.sleep(0.3)
    with Conn(zenith.port) as c:
        c.send(build_request("GET", "/dashboard/download?bytes=1000"))
        r = c.read_response()
        assert r.status == 200 and sha256(r.body) == pattern.digest(1000)


def test_closed_connections_leave_no_memory_behind(zenith_factory, apache):
    """Each connection's handlers are freed when it closes (a handler that kept its context
    leaked about 800 bytes per connection): RSS stays flat over thousands of connections."""
    z = zenith_factory(base_config(apache), "* / respond 200 ok\n")

    def burst(n: int) -> None:
        for _ in range(n):
            with Conn(z.port) as c:
                c.send(build_request("GET", "/", [("Connection", "close")]))
                assert c.read_response().status == 200

    burst(1500)  # warm-up: allocator arenas and caches reach their working size
    before = z.rss_kib()
    burst(3000)
    grown = z.rss_kib() - before
    assert grown < 600, f"RSS grew {grown} KiB over 3000 connections"
