"""redirect / respond / realtime actions and rule selection (exact host over *, then longest prefix)."""
import json

from harness import base_config, http_request


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
