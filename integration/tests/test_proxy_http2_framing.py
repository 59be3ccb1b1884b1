"""HTTP/2 requests whose framing would mean something else once they are HTTP/1.1 to the backend.

Each is sent as raw frames (the `h2` package, its own checks off) over TLS. Each must be refused
(a 400 or a reset stream) and never reach the backend, or reach it only as what the client meant;
the connection goes on serving its other streams (a malformed request is its stream's error, not
the connection's: RFC 9113 §5.4.2).
"""
import time

import pytest

from harness.dashboard import marker
from harness.h2_client import H2Connection
from test_tls import start_tls_zenith


@pytest.fixture
def h2_zenith(apache, zenith_factory, tmp_path):
    return start_tls_zenith(apache, zenith_factory, tmp_path)


def smuggled(m: str) -> bytes:
    return f"GET /dashboard/echo?smuggled={m} HTTP/1.1\r\nHost: x\r\n\r\n".encode()


def assert_refused_and_not_forwarded(apache, h2c: H2Connection, stream: int, m: str) -> None:
    h2c.wait_for(stream)
    status = h2c.status.get(stream)
    assert status in (None, 400), f"answered {status}: {h2c.bodies.get(stream, b'')[:200]!r}"
    assert status == 400 or stream in h2c.reset or h2c.goaway is not None, "neither answered nor reset"
    time.sleep(0.3)
    assert not apache.log_lines_with(f"smuggled={m}"), "the smuggled request reached the backend"
    done = [line for line in apache.log_lines_with(m) if '" 2' in line]
    assert not done, f"the backend completed the refused request: {done}"
    assert_connection_still_serves(h2c)


def assert_connection_still_serves(h2c: H2Connection) -> None:
    """A malformed request is one stream's error (RFC 9113 §5.4.2): its connection goes on."""
    assert not h2c.closed and h2c.goaway is None, f"the connection was ended (GOAWAY {h2c.goaway})"
    stream = h2c.request("GET", "/dashboard/whoami")
    h2c.wait_for(stream)
    assert h2c.status.get(stream) == 200


def test_data_on_a_get_is_refused(apache, h2_zenith):
    m = marker()
    with H2Connection(h2_zenith.https_port) as h2c:
        stream = h2c.request("GET", f"/dashboard/echo?m={m}", body=smuggled(m))
        assert_refused_and_not_forwarded(apache, h2c, stream, m)


def test_transfer_encoding_chunked_is_refused(apache, h2_zenith):
    """HTTP/2 has its own framing (RFC 9113 §8.2.2): a chunked body inside DATA frames would be
    unwrapped by the backend, and the bytes after its last chunk read as another request."""
    m = marker()
    with H2Connection(h2_zenith.https_port) as h2c:
        stream = h2c.request("POST", f"/dashboard/echo?m={m}", [("transfer-encoding", "chunked")],
                             body=b"0\r\n\r\n" + smuggled(m))
        assert_refused_and_not_forwarded(apache, h2c, stream, m)


@pytest.mark.parametrize("declared,sent", [(5, 40), (40, 5)], ids=["data-beyond-length", "data-short-of-length"])
def test_content_length_that_disagrees_with_the_data_is_refused(apache, h2_zenith, declared, sent):
    m = marker()
    with H2Connection(h2_zenith.https_port) as h2c:
        stream = h2c.request("POST", f"/dashboard/echo?m={m}", [("content-length", str(declared))],
                             body=(smuggled(m) * 2)[:sent])
        assert_refused_and_not_forwarded(apache, h2c, stream, m)


@pytest.mark.parametrize("headers", [
    [("Content-Type", "text/plain")],                 # upper case is malformed in HTTP/2
    [("content-length", "5"), ("content-length", "6")],
    [("x-a", "b\r\nX-Injected: 1")],                  # CR LF in a value would split the HTTP/1.1 head
    [("host", "a"), ("host", "b")],
], ids=["uppercase-name", "two-lengths", "crlf-in-value", "two-hosts"])
def test_malformed_fields_are_refused(apache, h2_zenith, headers):
    m = marker()
    with H2Connection(h2_zenith.https_port) as h2c:
        stream = h2c.request("POST", f"/dashboard/echo?m={m}", headers, body=b"hello")
        assert_refused_and_not_forwarded(apache, h2c, stream, m)


def test_a_well_formed_post_is_forwarded_intact(apache, h2_zenith):
    """The control: the same client's proper request goes through."""
    with H2Connection(h2_zenith.https_port) as h2c:
        stream = h2c.request("POST", "/dashboard/echo", [("content-length", "5"), ("content-type", "text/plain")],
                             body=b"hello")
        h2c.wait_for(stream)
        assert h2c.status.get(stream) == 200
        assert b'"body_length": 5' in h2c.bodies[stream] or b'"body_length":5' in h2c.bodies[stream]
