"""Request/response header handling: X-Forwarded-*, Forwarded, Host, hop-by-hop, header and body limits."""
import re

import pytest

from harness.dashboard import marker
from harness.raw_http import Conn, build_request, chunked, http_request
from harness.zenith import base_config


def parse_forwarded(value: str) -> list[dict]:
    """RFC 7239: elements separated by ',', pairs by ';', values optionally quoted."""
    elements = []
    for element in value.split(","):
        pairs = {}
        for pair in element.split(";"):
            if not pair.strip():
                continue
            k, _, v = pair.strip().partition("=")
            pairs[k.strip().lower()] = v.strip().strip('"')
        elements.append(pairs)
    return elements


def echo(zport, headers, source=None, host="dash.example", path="/dashboard/echo"):
    r = http_request(zport, "GET", path, headers, source=source, host=host)
    assert r.status == 200, r.text[:500]
    return r.json()["headers"]


def test_forwarding_headers_added(zenith):
    h = echo(zenith.port, [])
    assert h["X-Forwarded-For"] == "127.0.0.1"
    assert h["X-Forwarded-Proto"] == "http"
    assert h["X-Forwarded-Host"] == "dash.example"
    fwd = parse_forwarded(h["Forwarded"])
    assert len(fwd) == 1, h["Forwarded"]
    assert fwd[0]["for"] == "127.0.0.1"
    assert fwd[0]["proto"] == "http"
    assert fwd[0]["host"] == "dash.example"


def test_untrusted_client_forwarding_headers_replaced(zenith):
    h = echo(zenith.port, [
        ("X-Forwarded-For", "6.6.6.6"),
        ("X-Forwarded-For", "7.7.7.7"),
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "evil.example"),
        ("Forwarded", 'for=6.6.6.6;proto=https;host="evil.example"'),
    ])
    assert h["X-Forwarded-For"] == "127.0.0.1"
    assert h["X-Forwarded-Proto"] == "http"
    assert h["X-Forwarded-Host"] == "dash.example"
    fwd = parse_forwarded(h["Forwarded"])
    assert [e["for"] for e in fwd] == ["127.0.0.1"]
    everything = repr(h)
    for spoofed in ("6.6.6.6", "7.7.7.7", "evil.example"):
        assert spoofed not in everything, f"{spoofed} from an untrusted client reached the backend: {h}"


def test_trusted_proxy_forwarding_headers_extended(zenith):
    """127.0.0.2 is in trusted_proxies: what it says is kept and zenith appends its own hop."""
    h = echo(zenith.port, [
        ("X-Forwarded-For", "203.0.113.7, 198.51.100.2"),
        ("X-Forwarded-Proto", "https"),
        ("X-Forwarded-Host", "public.example"),
        ("Forwarded", 'for=203.0.113.7;proto=https;host=public.example, for=198.51.100.2'),
    ], source="127.0.0.2")
    assert h["X-Forwarded-For"] == "203.0.113.7, 198.51.100.2, 127.0.0.2"
    assert h["X-Forwarded-Proto"] == "https"
    assert h["X-Forwarded-Host"] == "public.example"
    fwd = parse_forwarded(h["Forwarded"])
    assert [e["for"] for e in fwd] == ["203.0.113.7", "198.51.100.2", "127.0.0.2"]
    assert fwd[0]["proto"] == "https" and fwd[0]["host"] == "public.example"


CLAIMED_ADDRESS_FIELDS = [("X-Real-IP", "6.6.6.6"), ("True-Client-IP", "6.6.6.6"), ("X-Client-IP", "6.6.6.6"),
                          ("CF-Connecting-IP", "6.6.6.6"), ("X-Original-URL", "/admin/"),
                          ("X-Forwarded-Port", "443")]


def test_untrusted_client_cannot_claim_an_address_or_an_original_url(zenith):
    h = echo(zenith.port, CLAIMED_ADDRESS_FIELDS)
    assert h["X-Real-Ip"] == "127.0.0.1"
    for name, _ in CLAIMED_ADDRESS_FIELDS[1:]:
        assert name.title() not in h and name not in h, f"{name} passed through: {h}"


def test_trusted_proxy_keeps_its_address_fields(zenith):
    h = echo(zenith.port, CLAIMED_ADDRESS_FIELDS, source="127.0.0.2")
    assert h["X-Real-Ip"] == "6.6.6.6"
    assert h["X-Original-Url"] == "/admin/"


def test_trusted_proxy_without_headers_gets_own_address(zenith):
    h = echo(zenith.port, [], source="127.0.0.2")
    assert h["X-Forwarded-For"] == "127.0.0.2"
    assert [e["for"] for e in parse_forwarded(h["Forwarded"])] == ["127.0.0.2"]


@pytest.mark.parametrize("host", ["dash.example", "Dash.Example:8443", "10.1.2.3:8080", "[2001:db8::1]:8443"])
def test_host_preserved(apache, zenith, host):
    h = echo(zenith.port, [], host=host)
    assert h["Host"] == host
    # Django builds absolute URLs from it, exactly as when it is reached directly
    direct = http_request(apache.port, "GET", "/dashboard/redirect?absolute=1", host=host)
    via = http_request(zenith.port, "GET", "/dashboard/redirect?absolute=1", host=host)
    assert via.status == direct.status == 302
    assert via.header("Location") == direct.header("Location")


def test_hop_by_hop_request_headers_removed(apache, zenith):
    m = marker()
    r = http_request(zenith.port, "GET", f"/dashboard/echo?m={m}", [
        ("Connection", "keep-alive, X-Foo"),
        ("X-Foo", "1"),
        ("Keep-Alive", "timeout=300"),
        ("TE", "trailers"),
        ("Proxy-Authorization", "Basic cHJveHk6c2VjcmV0"),
        ("Proxy-Connection", "keep-alive"),
        ("X-Keep-Me", "end-to-end"),
    ])
    assert r.status == 200
    h = r.json()["headers"]
    assert h.get("X-Keep-Me") == "end-to-end"
    for name in ("X-Foo", "Keep-Alive", "Te", "Proxy-Authorization", "Proxy-Connection"):
        assert name not in h, f"hop-by-hop {name} forwarded: {h}"
    assert "x-foo" not in h.get("Connection", "").lower()
    # mod_wsgi hides Proxy-Authorization from Django; Apache's access log shows what arrived
    lines = apache.wait_log_with(m)
    assert len(lines) == 1, lines
    line = lines[0]
    for field in ('pauth="-"', 'te="-"', 'xfoo="-"', 'ka="-"'):
        assert field in line, f"{field} expected in backend log line {line}"
    assert "x-foo" not in re.search(r'conn="([^"]*)"', line).group(1).lower()


def test_h2c_upgrade_not_forwarded(apache, zenith):
    """Only WebSocket upgrades are tunnelled. Passing `Upgrade: h2c` on would let a client switch the
    backend connection to HTTP/2 and send requests that bypass zenith's routes, limits and
    X-Forwarded-For rewriting ("h2c smuggling"); Upgrade and HTTP2-Settings are hop-by-hop here."""
    m = marker()
    r = http_request(zenith.port, "GET", f"/dashboard/echo?m={m}", [
        ("Connection", "Upgrade, HTTP2-Settings"),
        ("Upgrade", "h2c"),
        ("HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA"),
    ])
    assert r.status == 200, "an HTTP/1.1 proxy answers h2c upgrade requests normally"
    h = r.json()["headers"]
    assert "Upgrade" not in h and "Http2-Settings" not in h, h
    assert 'upg="-"' in apache.wait_log_with(m)[0]


def test_hop_by_hop_response_headers_removed(apache, zenith):
    direct = http_request(apache.port, "GET", "/dashboard/hop")
    assert direct.header("X-Hop-Resp") == "private-to-this-hop"  # the backend really sends it
    r = http_request(zenith.port, "GET", "/dashboard/hop")
    assert r.status == 200 and r.body == b"hop\n"
    assert r.header("X-End-To-End") == "kept"
    assert not r.has_header("X-Hop-Resp"), r.headers
    assert "x-hop-resp" not in (r.header("Connection") or "").lower()
    assert r.header("Keep-Alive") != direct.header("Keep-Alive"), \
        "Apache's Keep-Alive parameters describe the zenith-Apache hop, not the client's"


def test_header_block_over_limit_431(apache, zenith):
    m = marker()
    with Conn(zenith.port) as c:
        c.send(build_request("GET", f"/dashboard/echo?m={m}", [("X-Big", "a" * 70_000)]))
        r = c.read_response()
    assert r.status == 431
    assert not apache.wait_log_with(m, 0.5), "a 431 request must not reach the backend"


def test_many_headers_over_limit_431(apache, zenith):
    m = marker()
    hdrs = [(f"X-H{i}", "v" * 40) for i in range(1500)]  # ~75 KB in total, each header small
    with Conn(zenith.port) as c:
        c.send(build_request("GET", f"/dashboard/echo?m={m}", hdrs))
        r = c.read_response()
    assert r.status == 431
    assert not apache.wait_log_with(m, 0.5)


def test_60kb_cookie_below_limit_passes(zenith):
    cookie = "sessionid=abc; big=" + "c" * 60_000
    r = http_request(zenith.port, "GET", "/dashboard/echo", [("Cookie", cookie)])
    assert r.status == 200, r.text[:300]
    assert r.json()["headers"]["Cookie"] == cookie


def test_body_over_route_limit_413_not_forwarded(apache, zenith):
    m = marker()
    r = http_request(zenith.port, "POST", f"/dashboard/echo/limited/x?m={m}", body=b"x" * 1025)
    assert r.status == 413
    assert not apache.wait_log_with(m, 0.5), "an oversized body announced by Content-Length is refused up front"


def test_body_at_route_limit_passes(zenith):
    r = http_request(zenith.port, "POST", "/dashboard/echo/limited/x", body=b"x" * 1024)
    assert r.status == 200 and r.json()["body_length"] == 1024


def test_chunked_body_over_route_limit_413(apache, zenith):
    m = marker()
    with Conn(zenith.port) as c:
        c.send(build_request("POST", f"/dashboard/echo/limited/x?m={m}", [("Transfer-Encoding", "chunked")],
                             chunked(b"y" * 3000, 500)))
        r = c.read_response()
    assert r.status == 413
    ok = [line for line in apache.wait_log_with(m, 1.0) if re.search(r'" 2\d\d ', line)]
    assert not ok, f"the backend completed an over-limit request: {ok}"


def test_global_body_limit_413(apache, zenith_factory):
    z = zenith_factory(base_config(apache, limits={"header_bytes": 65536, "body_bytes": "2KiB"}),
                       "*  /  proxy  dashboard\n")
    m = marker()
    assert http_request(z.port, "POST", "/dashboard/echo", body=b"x" * 2048).status == 200
    r = http_request(z.port, "POST", f"/dashboard/echo?m={m}", body=b"x" * 2049)
    assert r.status == 413
    assert not apache.wait_log_with(m, 0.5)


def test_smaller_header_limit_from_config(apache, zenith_factory):
    z = zenith_factory(base_config(apache, limits={"header_bytes": 4096, "body_bytes": "1MiB"}),
                       "*  /  proxy  dashboard\n")
    assert http_request(z.port, "GET", "/dashboard/echo", [("X-A", "a" * 3000)]).status == 200
    assert http_request(z.port, "GET", "/dashboard/echo", [("X-A", "a" * 5000)]).status == 431


def test_http10_request_without_host_reaches_the_backend_with_one(apache, zenith):
    """HTTP/1.0 lets a client leave Host out; what Zenith sends is HTTP/1.1, which must carry one."""
    import json

    from harness.raw_http import raw_exchange

    resp, _, head = raw_exchange(zenith.port, b"GET /dashboard/echo HTTP/1.0\r\n\r\n")
    assert resp is not None and resp.status == 200, head
    assert json.loads(resp.body)["headers"]["Host"] == f"127.0.0.1:{apache.port}"
