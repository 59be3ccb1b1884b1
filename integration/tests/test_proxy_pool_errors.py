"""A backend connection whose exchange ended in any error is closed, never given back to the pool.

A connection that went back with half a request body written, or with an answer still unread,
would have its next request (another user's, an auth probe with a session cookie) read as the
tail of the broken one. The recording backend sees which of its connections Zenith closes.
"""
import socket
import time

import pytest

from harness.dashboard import marker
from harness.raw_http import Conn, http_request
from harness.recording_backend import RecordingBackend
from harness.zenith import start_with_test_backend


@pytest.fixture
def recorded(apache, zenith_factory):
    backend = RecordingBackend()
    z = start_with_test_backend(zenith_factory, apache, "rec", backend.port, "timeout=1s body_bytes=1KiB", "10s")
    yield z, backend
    backend.stop()


def bad_chunk_after_a_good_one(port, m):
    with Conn(port) as c:
        c.send(f"POST /rec/ok?m={m} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n".encode())
        time.sleep(0.3)  # the head and first chunk are forwarded
        c.send(b"zz\r\nnot a chunk\r\n")
        assert c.read_response("POST").status == 400


def client_gone_mid_body(port, m):
    c = Conn(port)
    c.send(f"POST /rec/ok?m={m} HTTP/1.1\r\nHost: h\r\nContent-Length: 500\r\n\r\n".encode() + b"a" * 100)
    time.sleep(0.3)
    c.close()


def client_gone_mid_response(port, m):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"GET /rec/big?n={64 << 20}&m={m} HTTP/1.1\r\nHost: h\r\n\r\n".encode())
    s.recv(65536)
    time.sleep(0.3)
    s.close()


def response_timeout(port, m):
    assert http_request(port, "GET", f"/rec/never?m={m}").status == 504


def body_over_the_limit(port, m):
    with Conn(port) as c:
        c.send(f"POST /rec/ok?m={m} HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n".encode())
        time.sleep(0.3)
        c.send(b"400\r\n" + b"a" * 1024 + b"\r\n400\r\n" + b"b" * 1024 + b"\r\n")
        assert c.read_response("POST").status == 413


ERRORS = [bad_chunk_after_a_good_one, client_gone_mid_body, client_gone_mid_response, response_timeout,
          body_over_the_limit]


@pytest.mark.parametrize("error", ERRORS, ids=[e.__name__ for e in ERRORS])
def test_backend_connection_of_a_failed_exchange_is_closed(recorded, error):
    z, backend = recorded
    m = marker()
    error(z.port, m)
    carried = backend.connection_of(m)
    assert backend.wait_closed(carried, timeout=3), f"{error.__name__}: the backend connection stayed open"
    # The next requests are served, on other connections.
    for _ in range(3):
        after = marker()
        assert http_request(z.port, "GET", f"/rec/ok?m={after}").status == 200
        assert backend.connection_of(after).number != carried.number


def test_a_completed_exchange_keeps_its_connection(recorded):
    """The control: without an error the connection is reused, so the test above can fail."""
    z, backend = recorded
    with Conn(z.port) as c:
        first, second = marker(), marker()
        for m in (first, second):
            c.send(f"GET /rec/ok?m={m} HTTP/1.1\r\nHost: h\r\n\r\n".encode())
            assert c.read_response().status == 200
    assert backend.connection_of(first).number == backend.connection_of(second).number
    assert backend.connection_of(first).closed_at is None
