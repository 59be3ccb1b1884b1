"""Responses from a backend, read as strictly as client requests (RFC 9112).

A canned backend answers each path with fixed bytes. Malformed answers become a 502 (or, once the
head went out, a cut connection), the connection they came on is dropped rather than reused, and
Zenith logs why. Odd but valid answers (chunk extensions and trailers, a body that runs until the
close, interim 1xx answers, HTTP/1.0) reach the client intact. A connection closed without an
answer gets an idempotent request sent once more, on a new connection, whether or not it was new.
"""
import os
import socket
import threading

import pytest

from harness.raw_http import Conn, build_request, http_request
from harness.zenith import start_with_test_backend

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"

BAD = {
    "cl-and-te": b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "duplicate-cl": b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\nok",
    "cl-non-numeric": b"HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\nok",
    "te-not-chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nok",
    "bare-lf": b"HTTP/1.1 200 OK\nContent-Length: 2\n\nok",
    "obs-fold": b"HTTP/1.1 200 OK\r\nX-A: b\r\n c\r\nContent-Length: 2\r\n\r\nok",
    "nul-in-value": b"HTTP/1.1 200 OK\r\nX-A: a\x00b\r\nContent-Length: 2\r\n\r\nok",
    "space-before-colon": b"HTTP/1.1 200 OK\r\nContent-Length : 2\r\n\r\nok",
    "bad-status-line": b"HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok",
    "not-http": b"SSH-2.0-OpenSSH_9.2\r\n\r\n",
    # Honoured, the Connection header would drop the framing on the way to the client.
    "connection-names-cl": b"HTTP/1.1 200 OK\r\nConnection: keep-alive, Content-Length\r\nContent-Length: 2\r\n\r\nok",
    "connection-names-te": b"HTTP/1.1 200 OK\r\nConnection: transfer-encoding\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"2\r\nok\r\n0\r\n\r\n",
    "head-too-large": b"HTTP/1.1 200 OK\r\nX-Pad: " + b"a" * 70_000 + b"\r\nContent-Length: 2\r\n\r\nok",
}

# A good head with a broken body: the head may already be on its way to the client.
BAD_BODY = {
    "bad-chunk-size": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nok\r\n0\r\n\r\n",
    "late-bad-chunk": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\nQQ\r\n",
    "chunk-without-crlf": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nokXX0\r\n\r\n",
}

GOOD = {
    "chunk-ext-trailers": (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                           b"5;name=val\r\nhello\r\n6\r\n world\r\n0\r\nX-Checksum: 1\r\n\r\n", b"hello world"),
    "until-close": (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nto the end", b"to the end"),
    "http10": (b"HTTP/1.0 200 OK\r\nContent-Length: 4\r\n\r\nold!", b"old!"),
    "early-hints": (b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n" + OK, b"ok"),
    "no-content": (b"HTTP/1.1 204 No Content\r\n\r\n", b""),
}


def assert_logged_bad_response(z):
    lines = [line for line in z.wait_stderr("bad upstream response").splitlines() if "bad upstream response" in line]
    assert lines, "no log line for the bad upstream response"
    assert "canned" in lines[-1], lines[-1]


class CannedBackend:
    """Answers `GET /<name>` with the canned bytes for <name>; closes after BAD and until-close ones.
    `unanswered…` names close the connection without a byte of an answer, `unanswered-once…` names
    only the first time they come (as a busy Apache closes connections it has no worker for)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.requests: list[tuple[int, str]] = []  # (connection number, path)
        self.stopping = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn, self.connections), daemon=True).start()

    def _serve(self, conn, number):
        buf = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in buf:
                    data = conn.recv(65536)
                    if not data:
                        return
                    buf += data
                head, _, buf = buf.partition(b"\r\n\r\n")
                path = head.split(b" ")[1].decode()
                name = path.strip("/").split("/")[-1]
                closes_unanswered = name.startswith("unanswered") and not (
                    name.startswith("unanswered-once") and any(n == name for _, n in self.requests))
                self.requests.append((number, name))
                if closes_unanswered:
                    return  # without a byte of an answer
                if name in BAD or name in BAD_BODY:
                    conn.sendall(BAD.get(name) or BAD_BODY[name])
                    # Keep the socket open a moment: Zenith must drop it, not wait for the close.
                    conn.settimeout(2)
                    try:
                        conn.recv(1)
                    except OSError:
                        pass
                    return
                answer = GOOD[name][0] if name in GOOD else OK
                conn.sendall(answer)
                if name == "until-close":
                    return

    def stop(self):
        self.stopping = True
        self.sock.close()


@pytest.fixture
def canned(apache, zenith_factory):
    backend = CannedBackend()
    yield start_with_test_backend(zenith_factory, apache, "canned", backend.port), backend
    backend.stop()


@pytest.mark.parametrize("name", sorted(BAD))
def test_malformed_upstream_response_is_502_and_its_connection_dropped(canned, name):
    z, backend = canned
    assert http_request(z.port, "GET", "/canned/warm").status == 200
    before = backend.connections
    r = http_request(z.port, "GET", f"/canned/{name}")
    assert r.status == 502, f"{name}: {r.status} {r.body[:200]!r}"
    assert b"ok" not in r.body
    assert_logged_bad_response(z)
    # Sent once: a malformed answer is not retried on another connection.
    assert [n for _, n in backend.requests].count(name) == 1
    # The next request does not ride on the connection that carried the bad answer.
    assert http_request(z.port, "GET", "/canned/after").status == 200
    bad_conn = next(c for c, n in backend.requests if n == name)
    after_conn = [c for c, n in backend.requests if n == "after"][-1]
    assert after_conn != bad_conn
    assert backend.connections >= before


@pytest.mark.parametrize("name", sorted(GOOD))
def test_odd_but_valid_upstream_responses_pass(canned, name):
    z, backend = canned
    r = http_request(z.port, "GET", f"/canned/{name}")
    expected_status = 204 if name == "no-content" else 200
    assert r.status == expected_status
    assert r.body == GOOD[name][1]
    if name == "early-hints":
        assert r.header("Link") is None, "the interim answer's fields stay out of the final one"


def test_keep_alive_connection_is_reused_after_good_responses(canned):
    z, backend = canned
    for _ in range(5):
        assert http_request(z.port, "GET", "/canned/again").status == 200
    used = {c for c, n in backend.requests if n == "again"}
    # Each event loop keeps its own pool: at most one connection per loop.
    assert len(used) <= min(4, os.cpu_count() or 1), f"five sequential requests used connections {used}"


def test_until_close_response_is_not_reused(canned):
    z, backend = canned
    assert http_request(z.port, "GET", "/canned/until-close").body == b"to the end"
    assert http_request(z.port, "GET", "/canned/next").status == 200
    conns = dict((n, c) for c, n in backend.requests)
    assert conns["next"] != conns["until-close"]


def test_head_request_response_has_no_body(canned):
    z, backend = canned
    with Conn(z.port) as c:
        c.send(build_request("HEAD", "/canned/head", None, b""))
        r = c.read_response("HEAD")
        assert r.status == 200 and r.header("Content-Length") == "2"
        # The two body bytes the backend did not send must not be awaited: the connection is
        # ready for the next request at once.
        c.send(build_request("GET", "/canned/next", None, b""))
        assert c.read_response().body == b"ok"


@pytest.mark.parametrize("name", sorted(BAD_BODY))
def test_broken_body_after_a_good_head_cuts_the_client_connection(canned, name):
    """Once the head is on its way, the only way to say the body broke is to cut the connection."""
    z, backend = canned
    with Conn(z.port) as c:
        c.send(build_request("GET", f"/canned/{name}", None, b""))
        with pytest.raises((ConnectionError, ValueError, OSError)):
            r = c.read_response()
            if r.status == 502:  # or the broken body was found before the head left
                raise ConnectionError("answered 502")
    assert_logged_bad_response(z)
    assert http_request(z.port, "GET", "/canned/after").status == 200


def unanswered_warnings(z) -> list[str]:
    text = z.wait_stderr("upstream closed before answering")
    return [line for line in text.splitlines() if "upstream closed before answering" in line]


def test_a_get_closed_unanswered_on_a_new_connection_is_sent_again(canned):
    """The first request of a fresh Zenith goes on a new connection, which the backend closes
    unanswered: the GET is sent once more on another, and the client never sees the failure."""
    z, backend = canned
    r = http_request(z.port, "GET", "/canned/unanswered-once-get")
    assert (r.status, r.body) == (200, b"ok")
    tries = [c for c, n in backend.requests if n == "unanswered-once-get"]
    assert tries[0] == 1 and len(tries) == 2 and tries[1] != tries[0], backend.requests
    assert "upstream closed before answering" not in z.stderr_text()


def test_a_post_closed_unanswered_is_not_sent_again_and_the_502_is_logged(canned):
    z, backend = canned
    r = http_request(z.port, "POST", "/canned/unanswered-once-post", [("Content-Length", "3")], b"abc")
    assert r.status == 502
    assert [n for _, n in backend.requests].count("unanswered-once-post") == 1
    [line] = unanswered_warnings(z)
    assert "attempts=1" in line and "upstream=canned" in line and "uri=/canned/unanswered-once-post" in line, line


def test_a_get_closed_unanswered_twice_is_a_logged_502(canned):
    """Sent twice at most: a request that makes the backend drop its connection every time."""
    z, backend = canned
    assert http_request(z.port, "GET", "/canned/unanswered-always").status == 502
    assert [n for _, n in backend.requests].count("unanswered-always") == 2
    [line] = unanswered_warnings(z)
    assert "attempts=2" in line and "error=connection closed" in line, line
    assert http_request(z.port, "GET", "/canned/after").status == 200
