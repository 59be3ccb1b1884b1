"""Ambiguous or malformed requests: answered 400 (or the listed code), connection closed, never forwarded.

Every request carries a unique marker in its target, and every smuggled inner request another one;
Apache's access log (one line per request it handled) must show neither.
"""
import re
import time

import pytest

from harness.raw_http import raw_exchange

H = "Host: dash.example\r\n"


def smuggled(m2: str) -> str:
    return f"GET /dashboard/echo?smuggled={m2} HTTP/1.1\r\n{H}\r\n"


# (id, template, allowed statuses, how strict the "not forwarded" check is)
#   "none": no backend log line at all with either marker
#   "no2xx": the head may have been streamed before the body was found bad, but the backend must
#            never complete it (no 2xx), and the smuggled request must never appear
CASES = [
    ("cl-and-te",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Content-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n"
     "0\r\n\r\n{smuggled}", {400}, "none"),
    ("te-and-cl",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\nContent-Length: 40\r\n\r\n"
     "0\r\n\r\n{smuggled}", {400}, "none"),
    ("duplicate-different-cl",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Content-Length: 5\r\nContent-Length: 60\r\n\r\n"
     "hello{smuggled}", {400}, "none"),
    ("cl-list-different",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Content-Length: 5, 60\r\n\r\nhello{smuggled}", {400}, "none"),
    ("cl-non-numeric",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Content-Length: abc\r\n\r\nhello{smuggled}", {400}, "none"),
    ("cl-negative",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Content-Length: -1\r\n\r\nhello{smuggled}", {400}, "none"),
    ("cl-plus-sign",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Content-Length: +5\r\n\r\nhello{smuggled}", {400}, "none"),
    ("cl-hex",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Content-Length: 0x5\r\n\r\nhello{smuggled}", {400}, "none"),
    ("cl-two-numbers",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Content-Length: 5 5\r\n\r\nhello{smuggled}", {400}, "none"),
    ("cl-empty",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Content-Length:\r\n\r\nhello{smuggled}", {400}, "none"),
    ("cl-overflow",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Content-Length: 99999999999999999999999\r\n\r\nhello",
     {400, 413}, "none"),
    ("te-gzip-chunked",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Transfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n{smuggled}",
     {400}, "none"),
    ("te-chunked-gzip",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n{smuggled}",
     {400}, "none"),
    ("te-identity",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Transfer-Encoding: identity\r\n\r\n0\r\n\r\n{smuggled}",
     {400}, "none"),
    ("te-xchunked",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Transfer-Encoding: xchunked\r\n\r\n0\r\n\r\n{smuggled}",
     {400}, "none"),
    # llhttp reads `chunked<TAB>` as another coding
    ("te-chunked-tab",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n{smuggled}",
     {400}, "none"),
    ("te-twice",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"
     "0\r\n\r\n{smuggled}", {400}, "none"),
    ("te-space-before-colon",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\n"
     "0\r\n\r\n{smuggled}", {400}, "none"),
    ("chunk-size-not-hex",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n{smuggled}",
     {400}, "none"),
    ("chunk-size-negative",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n{smuggled}",
     {400}, "none"),
    ("chunk-size-overflow",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n"
     "10000000000000005\r\nhello\r\n0\r\n\r\n{smuggled}", {400}, "none"),
    ("chunk-size-0x-prefix",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n{smuggled}",
     {400}, "none"),
    ("chunk-data-overrun",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n5\r\nhelloXX\r\n0\r\n\r\n{smuggled}",
     {400}, "no2xx"),
    ("bad-chunk-after-good-one",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n\r\n{smuggled}",
     {400}, "no2xx"),
    # chunk extensions outside RFC 9112 §7.1.1's grammar, which llhttp refuses too
    ("chunk-ext-obs-text",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n"
     "5;ext=\xffab\r\nhello\r\n0\r\n\r\n{smuggled}", {400}, "no2xx"),
    ("chunk-ext-whitespace",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n"
     "5 ; ext = ab\r\nhello\r\n0\r\n\r\n{smuggled}", {400}, "no2xx"),
    ("chunk-ext-unclosed-quote",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n"
     "5;ext=\"ab\r\nhello\r\n0\r\n\r\n{smuggled}", {400}, "no2xx"),
    # Longer than header_bytes (65536) in one write: refused as when it comes in pieces.
    ("chunk-ext-over-header-bytes",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n"
     "5;ext=" + "a" * 70_000 + "\r\nhello\r\n0\r\n\r\n{smuggled}", {400}, "no2xx"),
    ("chunked-bare-lf",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Transfer-Encoding: chunked\r\n\r\n5\nhello\n0\n\n{smuggled}",
     {400}, "no2xx"),
    ("bare-lf-everywhere",
     "GET /dashboard/echo?m={m} HTTP/1.1\nHost: dash.example\n\n", {400}, "none"),
    ("bare-lf-in-headers",
     "GET /dashboard/echo?m={m} HTTP/1.1\r\nHost: dash.example\nX-A: b\r\n\r\n", {400}, "none"),
    ("obs-fold",
     "GET /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "X-Folded: a\r\n b\r\n\r\n", {400}, "none"),
    ("obs-fold-transfer-encoding",
     "POST /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Content-Length: 5\r\nTransfer-Encoding:\r\n chunked\r\n\r\n"
     "0\r\n\r\n{smuggled}", {400}, "none"),
    ("nul-in-header-value",
     "GET /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "X-Nul: a\x00b\r\n\r\n", {400}, "none"),
    ("cr-in-header-value",
     "GET /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "X-Cr: a\rb\r\n\r\n", {400}, "none"),
    ("space-before-colon",
     "GET /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "X-Foo : a\r\n\r\n", {400}, "none"),
    ("whitespace-before-first-header",
     "GET /dashboard/echo?m={m} HTTP/1.1\r\n Host: dash.example\r\n" + H + "\r\n", {400}, "none"),
    ("invalid-header-name",
     "GET /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "X(Foo): a\r\n\r\n", {400}, "none"),
    ("duplicate-host",
     "GET /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Host: other.example\r\n\r\n", {400}, "none"),
    ("missing-host-http11",
     "GET /dashboard/echo?m={m} HTTP/1.1\r\nX-A: b\r\n\r\n", {400}, "none"),
    ("request-line-extra-token",
     "GET /dashboard/echo?m={m} HTTP/1.1 extra\r\n" + H + "\r\n", {400}, "none"),
    ("bad-http-version",
     "GET /dashboard/echo?m={m} HTTP/1.1x\r\n" + H + "\r\n", {400}, "none"),
    ("unsupported-http-version",
     "GET /dashboard/echo?m={m} HTTP/3.0\r\n" + H + "\r\n", {400, 505}, "none"),
    ("control-char-in-target",
     "GET /dashboard/echo?m={m}\x01x HTTP/1.1\r\n" + H + "\r\n", {400}, "none"),
    # TRACE has no content (RFC 9110 §9.3.8); forwarded, its body would go out unframed
    ("trace-with-body",
     "TRACE /dashboard/echo?m={m} HTTP/1.1\r\n" + H + "Content-Length: 5\r\n\r\nhello", {400}, "none"),
]


def _check_not_forwarded(apache, m, m2, strictness, resp_text):
    time.sleep(0.3)  # a forwarded request would be logged by Apache by now
    seen = apache.log_lines_with(m) + apache.log_lines_with(m2)
    assert not apache.log_lines_with(m2), f"the smuggled request reached the backend: {seen}"
    if strictness == "none":
        assert not seen, f"rejected request reached the backend: {seen}"
    else:
        done = [line for line in seen if re.search(r'" 2\d\d ', line)]
        assert not done, f"backend completed a request with a bad body: {done}"


@pytest.mark.parametrize("name,template,allowed,strictness", CASES, ids=[c[0] for c in CASES])
def test_malformed_request_rejected(apache, zenith, name, template, allowed, strictness):
    m = "m" + name.replace("-", "") + str(time.monotonic_ns())
    m2 = "s" + m
    data = template.format(m=m, smuggled=smuggled(m2)).encode("latin-1")
    resp, closed, head = raw_exchange(zenith.port, data)
    assert resp is not None, f"zenith closed without an answer (expected {sorted(allowed)}); got {head!r}"
    assert resp.status in allowed, f"{name}: got {resp.status}, expected {sorted(allowed)}"
    assert closed, f"{name}: connection must be closed after the {resp.status}"
    _check_not_forwarded(apache, m, m2, strictness, resp.text)


def test_absurd_request_line(apache, zenith):
    """A 100 KB URI: 414 URI Too Long is the precise answer; 431 or 400 are accepted."""
    m = "mlongline" + str(time.monotonic_ns())
    data = f"GET /dashboard/echo?m={m}&pad={'a' * 100_000} HTTP/1.1\r\n{H}\r\n".encode()
    resp, closed, head = raw_exchange(zenith.port, data)
    assert resp is not None, f"no answer: {head!r}"
    assert resp.status in (414, 431, 400), resp.status
    print(f"100 KB request line answered {resp.status}")
    assert closed
    _check_not_forwarded(apache, m, "never", "none", resp.text)


@pytest.mark.parametrize("garbage", [
    b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)) * 2,  # a TLS ClientHello on the h1 port
    b"\x00\x01\x02\x03 hello\r\n\r\n",
    b"HELLO\r\n\r\n",
    b"GET\r\n\r\n",
    b"\r\n\r\n\r\n\r\nxx yy zz\r\n\r\n",
], ids=["tls-hello", "binary", "one-word", "method-only", "blank-lines-then-junk"])
def test_garbage_bytes_rejected(apache, zenith, garbage):
    before = apache.log_mark()
    resp, closed, head = raw_exchange(zenith.port, garbage)
    assert resp is not None, f"no answer to garbage: {head!r}"
    assert resp.status == 400
    assert closed
    time.sleep(0.3)
    odd = [line for line in apache.log_since(before) if not re.match(r'\S+ (GET|POST|PUT|HEAD|DELETE|PATCH|OPTIONS) "/', line)]
    assert not odd, f"garbage reached the backend: {odd}"


def test_zenith_still_serves_after_bad_input(zenith):
    from harness.raw_http import http_request

    assert http_request(zenith.port, "GET", "/dashboard/whoami").status == 200


# A Connection header that names a framing or routing field: honoured as hop-by-hop, the field
# would be dropped on the way and the body read by the backend as a request of its own (with a
# forged X-Forwarded-For), or as the start of one that swallows the next user's request on that
# pooled connection. Refused with 400, never forwarded.
CONNECTION_NAMED = {
    "content-length": lambda body: f"Connection: keep-alive, Content-Length\r\nContent-Length: {len(body)}\r\n",
    "content-length-alone": lambda body: f"Connection: content-length\r\nContent-Length: {len(body)}\r\n",
    "transfer-encoding": lambda body: "Connection: Transfer-Encoding\r\nTransfer-Encoding: chunked\r\n",
    "host-in-second-connection-field": lambda body: f"Connection: keep-alive\r\nConnection: Host\r\nContent-Length: {len(body)}\r\n",
    "upgrade-and-content-length": lambda body: (f"Connection: Upgrade, Content-Length\r\nUpgrade: websocket\r\n"
                                                f"Content-Length: {len(body)}\r\n"),
}


@pytest.mark.parametrize("name", sorted(CONNECTION_NAMED))
def test_connection_naming_a_framing_field_is_refused(apache, zenith, name):
    m = "m" + name.replace("-", "") + str(time.monotonic_ns())
    m2 = "s" + m
    inner = f"GET /dashboard/echo?smuggled={m2} HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n"
    body = f"{len(inner):x}\r\n{inner}\r\n0\r\n\r\n" if name == "transfer-encoding" else inner
    data = (f"POST /dashboard/echo?m={m} HTTP/1.1\r\n{H}" + CONNECTION_NAMED[name](body) + "\r\n" + body).encode()
    resp, closed, head = raw_exchange(zenith.port, data)
    assert resp is not None, f"no answer: {head!r}"
    assert resp.status == 400, f"{name}: got {resp.status}"
    assert closed
    _check_not_forwarded(apache, m, m2, "none", resp.text)


def test_unfinished_smuggled_request_cannot_swallow_the_next_users_request(apache, zenith):
    """The attack of issue 12: a smuggled POST with a long Content-Length left open on a pooled
    connection, so that the next request on it (another user's, with a session cookie) becomes
    its body. The attacker's request is refused; the victim's is answered on its own."""
    m = "m" + str(time.monotonic_ns())
    inner = f"POST /dashboard/echo?note={m} HTTP/1.1\r\nHost: x\r\nContent-Length: 120\r\n\r\nnote="
    attack = (f"POST /dashboard/echo?m={m} HTTP/1.1\r\n{H}Connection: keep-alive, Content-Length\r\n"
              f"Content-Length: {len(inner)}\r\n\r\n{inner}").encode()
    resp, closed, _ = raw_exchange(zenith.port, attack)
    assert resp is not None and resp.status == 400 and closed
    from harness.raw_http import http_request
    victim = http_request(zenith.port, "GET", f"/dashboard/echo?victim={m}",
                          headers=[("Cookie", "sessionid=victim-secret")])
    assert victim.status == 200
    assert victim.json()["query"] == f"victim={m}"
    time.sleep(0.3)
    assert not apache.log_lines_with(f"note={m}"), "the smuggled request reached the backend"


def test_http2_connection_header_never_reaches_the_backend(apache, zenith_factory, tmp_path):
    """HTTP/2 forbids connection-specific fields (RFC 9113 §8.2.2): the stream is refused, and
    nothing is forwarded as HTTP/1.1."""
    from harness.h2_client import H2Connection
    from test_tls import start_tls_zenith

    z = start_tls_zenith(apache, zenith_factory, tmp_path)
    port = z.https_port
    m = "m" + str(time.monotonic_ns())
    inner = f"GET /dashboard/echo?smuggled={m} HTTP/1.1\r\nHost: x\r\n\r\n".encode()
    with H2Connection(port) as h2c:
        stream = h2c.request("POST", f"/dashboard/echo?m={m}",
                             [("connection", "content-length"), ("content-length", str(len(inner)))], body=inner)
        h2c.wait_for(stream)
        assert h2c.status.get(stream) in (None, 400), f"answered {h2c.status.get(stream)}"
        assert stream in h2c.reset or h2c.goaway is not None or h2c.status.get(stream) == 400
    time.sleep(0.3)
    assert not apache.log_lines_with(m), "the request reached the backend"


def test_request_trailers_are_not_passed_on(apache, zenith_factory):
    """A backend that merges trailer fields into the head (RFC 9110 §6.5.1 lets a recipient drop
    them) would take framing, routing or a forged client address from them: Zenith drops them."""
    from harness.recording_backend import RecordingBackend
    from harness.zenith import start_with_test_backend

    backend = RecordingBackend()
    try:
        z = start_with_test_backend(zenith_factory, apache, "rec", backend.port)
        m = "m" + str(time.monotonic_ns())
        data = (f"POST /rec/ok?m={m} HTTP/1.1\r\n{H}Transfer-Encoding: chunked\r\n\r\n"
                "5\r\nhello\r\n0\r\nX-Forwarded-For: 6.6.6.6\r\nX-Trailer-Probe: yes\r\n\r\n").encode()
        resp, _, head = raw_exchange(z.port, data)
        assert resp is not None and resp.status == 200, head
        assert backend.connection_of(m).trailers == []
    finally:
        backend.stop()
