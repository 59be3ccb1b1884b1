"""redirect / respond / realtime actions and rule selection (exact host over *, then longest prefix)."""
import json

from harness.raw_http import http_request
from harness.zenith import base_config


def test_redirect_route(zenith):
    r = http_request(zenith.port, "GET", "/go/")
    assert r.status == 301
    assert r.header("Location") == "https://example.org/"
    assert len(r.body) < 4096


def test_respond_route(zenith):
    r = http_request(zenith.port, "GET", "/hello/")
    assert r.status == 200
    assert r.body.strip() == b"hi there"
    assert r.header("Content-Length") == str(len(r.body))


def test_respond_route_status_without_text(zenith):
    r = http_request(zenith.port, "GET", "/forbidden/anything")
    assert r.status == 403


def test_respond_head(zenith):
    r = http_request(zenith.port, "HEAD", "/hello/")
    assert r.status == 200 and r.body == b""


ROUTES = """\
*              /                    proxy     dashboard
*              /hello/              respond   200 star-hello
*              /hello/deeper/       respond   200 star-deeper
api.example    /                    respond   200 api-root
api.example    /hello/deeper/       respond   200 api-deeper
*              /socket.io/          realtime
"""


def test_most_specific_rule_wins(apache, zenith_factory):
    z = zenith_factory(base_config(apache), ROUTES)

    def body(path, host="dash.example"):
        r = http_request(z.port, "GET", path, host=host)
        return r.status, r.body.strip()

    assert body("/hello/") == (200, b"star-hello")
    assert body("/hello/deeper/x") == (200, b"star-deeper")
    assert body("/hello/deep") == (200, b"star-hello")
    # exact host wins over *, even with a shorter prefix
    assert body("/hello/", host="api.example") == (200, b"api-root")
    assert body("/hello/deeper/y", host="api.example") == (200, b"api-deeper")
    # host matching ignores case and the port
    assert body("/hello/", host="API.Example:8080") == (200, b"api-root")
    # everything else still goes to the dashboard
    st, b = body("/dashboard/whoami")
    assert st == 200 and json.loads(b) == {"authenticated": False, "username": None}


def test_realtime_route_served_by_the_engine_not_the_backend(apache, zenith_factory):
    z = zenith_factory(base_config(apache), ROUTES)
    r = http_request(z.port, "GET", "/socket.io/?EIO=4&transport=polling")
    assert r.status == 200
    assert r.text.startswith('0{"sid":')
    assert not apache.log_lines_with("/socket.io/")
    # the dashboard is unaffected
    assert http_request(z.port, "GET", "/dashboard/whoami").status == 200


def test_no_spelling_of_a_path_escapes_its_rule(apache, zenith):
    """`/forbidden/` is a `respond 403` rule in front of the dashboard: encoded letters, repeated
    slashes and dot segments reach the same rule (they were proxied before)."""
    from harness.dashboard import marker

    for spelling in ["/%66orbidden/x", "//forbidden/x", "/./forbidden/x", "/dashboard/../forbidden/x",
                     "/forbidden%2Fx", "/%2e/forbidden/x", "///forbidden///x"]:
        m = marker()
        r = http_request(zenith.port, "GET", f"{spelling}?m={m}")
        assert r.status == 403, f"{spelling}: {r.status}"
        assert not apache.log_lines_with(m), f"{spelling} reached the backend"


def test_malformed_targets_are_refused(apache, zenith):
    from harness.dashboard import marker

    for target in ["/dashboard/%zz", "/dashboard/%00", "/dashboard/../../etc/passwd", "/.."]:
        m = marker()
        r = http_request(zenith.port, "GET", f"{target}?m={m}")
        assert r.status == 400, f"{target}: {r.status}"
        assert not apache.log_lines_with(m)


def test_absolute_form_target_cannot_bypass_host_rules(apache, zenith_factory):
    """An absolute-form target must name the Host it came with (a backend routes on the target,
    Zenith's rules on Host); one that does is forwarded in origin form."""
    from harness.dashboard import marker
    from harness.raw_http import raw_exchange

    z = zenith_factory(base_config(apache), ROUTES)
    m = marker()
    resp, _, _ = raw_exchange(z.port, f"GET http://api.example/x?m={m} HTTP/1.1\r\nHost: dash.example\r\n\r\n".encode())
    assert resp is not None and resp.status == 400
    assert not apache.log_lines_with(m)
    resp, _, _ = raw_exchange(z.port, b"GET http://api.example/x HTTP/1.1\r\nHost: api.example\r\n\r\n")
    assert resp.status == 200 and resp.body.strip() == b"api-root"
    m = marker()
    resp, _, _ = raw_exchange(
        z.port, f"GET http://dash.example/dashboard/echo?m={m} HTTP/1.1\r\nHost: dash.example\r\n\r\n".encode())
    assert resp.status == 200
    assert json.loads(resp.body)["request_uri"] == f"/dashboard/echo?m={m}"
