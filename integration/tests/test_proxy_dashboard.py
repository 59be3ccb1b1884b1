"""Dashboard traffic through zenith, each case compared with the same request sent straight to Apache."""
import re
import threading
import time

import pytest
import requests

from harness.compare import both, raw_both
from harness.dashboard import TEST_PASSWORD, TEST_USER
from harness.payloads import pattern, sha256
from harness.raw_http import Conn, build_request, chunked

# Headers a proxy adds or rewrites on the way in; every other request header must arrive unchanged.
PROXY_HEADERS = {"X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host", "X-Forwarded-Port",
                 "Forwarded", "Via", "X-Request-Id", "X-Real-Ip", "Connection", "Keep-Alive"}


def end_to_end(headers: dict) -> dict:
    return {k: v for k, v in headers.items() if k not in PROXY_HEADERS}


def test_echo_get_matches_direct(apache, zenith):
    path = "/dashboard/echo/some/deeper/path?a=1&a=2&b=%2Fslash&empty="
    hdrs = {"Accept": "application/json", "Accept-Language": "fr-CH, fr;q=0.9", "X-Custom-Thing": "abc 123",
            "User-Agent": "zenith-tests/1.0", "Cookie": "a=1; b=2"}
    d, z = both(apache, zenith, "GET", path, headers=hdrs)
    assert d.status_code == z.status_code == 200
    dj, zj = d.json(), z.json()
    for key in ("method", "path", "path_info", "script_name", "request_uri", "query", "args", "body_length",
                "protocol", "scheme"):
        assert zj[key] == dj[key], key
    assert end_to_end(zj["headers"]) == end_to_end(dj["headers"])
    assert z.headers["Content-Type"] == d.headers["Content-Type"] == "application/json"


def test_echo_post_body_matches_direct(apache, zenith):
    body = b"".join(pattern.generate(300_000))
    d, z = both(apache, zenith, "POST", "/dashboard/echo", data=body,
                headers={"Content-Type": "application/x-custom"})
    assert d.status_code == z.status_code == 200
    dj, zj = d.json(), z.json()
    assert zj["body_length"] == dj["body_length"] == len(body)
    assert zj["body_sha256"] == dj["body_sha256"] == sha256(body)
    assert zj["headers"]["Content-Type"] == "application/x-custom"
    assert zj["headers"]["Content-Length"] == str(len(body))


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS"])
def test_other_methods_relayed(apache, zenith, method):
    d, z = both(apache, zenith, method, "/dashboard/echo?m=1", data=b"xyz")
    assert z.status_code == d.status_code == 200
    assert z.json()["method"] == d.json()["method"] == method
    assert z.json()["body_length"] == 3


def test_chunked_request_body_forwarded(apache, zenith):
    data = b"".join(pattern.generate(150_000))
    body = chunked(data, 7000)
    hdrs = [("Transfer-Encoding", "chunked"), ("Content-Type", "application/octet-stream")]
    d, z = raw_both(apache, zenith, "POST", "/dashboard/upload", hdrs, body)
    assert d.status == z.status == 200
    assert z.json()["size"] == d.json()["size"] == len(data)
    assert z.json()["sha256"] == d.json()["sha256"] == sha256(data)


def test_raw_path_and_query_preserved(apache, zenith):
    # (no %2F in the path part: Apache answers 404 to encoded slashes, AllowEncodedSlashes Off)
    path = "/dashboard/echo/a%20b/%C3%A9/x;p=1/~u/(c)?q=a%2Fb&x=1&x=2&plus=a+b&pct=%25&empty=&u=%C3%A9"
    d, z = raw_both(apache, zenith, "GET", path)
    assert d.status == z.status == 200
    assert z.json()["request_uri"] == d.json()["request_uri"] == path
    assert z.json()["query"] == d.json()["query"]


def _login_flow(base: str, password: str):
    """Log in through the real Django login form; return the observations and the session."""
    s = requests.Session()
    seen = []
    r = s.get(base + "/dashboard/", allow_redirects=False)
    seen.append(("index", r.status_code, r.headers.get("Location")))
    page = s.get(base + "/dashboard/auth/login/?next=/dashboard/")
    seen.append(("login-page", page.status_code, "csrftoken" in s.cookies))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    r = s.post(base + "/dashboard/auth/login/?next=/dashboard/", allow_redirects=False,
               data={"username": TEST_USER, "password": password, "csrfmiddlewaretoken": token,
                     "next": "/dashboard/"})
    seen.append(("login-post", r.status_code, r.headers.get("Location"), "sessionid" in r.cookies,
                 "Invalid credentials" in r.text))
    seen.append(("whoami", s.get(base + "/dashboard/whoami").json()))
    r = s.get(base + "/dashboard/", allow_redirects=False)
    seen.append(("index-again", r.status_code, "Welcome demo" in r.text))
    return seen, s


def test_login_session_cookie_flow(apache, zenith):
    direct, _ = _login_flow(apache.url, TEST_PASSWORD)
    via, s = _login_flow(zenith.url, TEST_PASSWORD)
    assert via == direct
    assert via[2][:4] == ("login-post", 302, "/dashboard/", True)
    assert via[3] == ("whoami", {"authenticated": True, "username": "demo"})
    assert via[4] == ("index-again", 200, True)
    # logout through zenith ends the session
    r = s.get(zenith.url + "/dashboard/auth/logout/", allow_redirects=False)
    assert r.status_code == 302 and r.headers["Location"] == "/dashboard/auth/login/"
    assert s.get(zenith.url + "/dashboard/whoami").json() == {"authenticated": False, "username": None}


def test_login_wrong_password_same_as_direct(apache, zenith):
    direct, _ = _login_flow(apache.url, "wrong")
    via, _ = _login_flow(zenith.url, "wrong")
    assert via == direct
    assert via[2] == ("login-post", 200, None, False, True)


def test_csrf_protected_form_post(apache, zenith):
    for base in (apache.url, zenith.url):
        s = requests.Session()
        page = s.get(base + "/dashboard/form")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        ok = s.post(base + "/dashboard/form", data={"csrfmiddlewaretoken": token, "name": "Zé", "comment": "a&b=c"})
        assert ok.status_code == 200, base
        assert ok.json() == {"ok": True, "fields": {"name": "Zé", "comment": "a&b=c"}}
        refused = s.post(base + "/dashboard/form", data={"name": "x"})
        assert refused.status_code == 403, base
        # a token from the header works too (what Horizon's JS does)
        hdr = s.post(base + "/dashboard/form", data={"name": "y"}, headers={"X-CSRFToken": s.cookies["csrftoken"]})
        assert hdr.status_code == 200 and hdr.json()["fields"] == {"name": "y"}


@pytest.mark.parametrize("query,expected", [
    ("", "/dashboard/echo"),
    ("?to=/dashboard/page&code=301", "/dashboard/page"),
    ("?to=/dashboard/page&code=307", "/dashboard/page"),
    ("?to=https%3A%2F%2Fother.example%2Fx%2520y%3Fz%3D1&code=303", "https://other.example/x%20y?z=1"),
    ("?absolute=1", "http://dash.example/dashboard/echo"),
])
def test_redirect_location_relayed(apache, zenith, query, expected):
    d, z = both(apache, zenith, "GET", "/dashboard/redirect" + query)
    assert z.status_code == d.status_code
    assert z.headers["Location"] == d.headers["Location"] == expected


def _normalize_cookie(c: str) -> str:
    # zen_d's expires is computed from max_age at response time and may differ by a second
    return re.sub(r"expires=[^;]+; Max-Age", "expires=X; Max-Age", c)


def test_several_set_cookie_headers_kept_apart(apache, zenith):
    d, z = raw_both(apache, zenith, "GET", "/dashboard/cookies")
    assert d.status == z.status == 200
    dc = [_normalize_cookie(c) for c in d.header_all("Set-Cookie")]
    zc = [_normalize_cookie(c) for c in z.header_all("Set-Cookie")]
    assert len(zc) == 4, z.headers
    assert zc == dc
    assert "zen_c=3; expires=Wed, 21 Oct 2037 07:28:00 GMT; Path=/" in zc
    # and a client cookie jar sees them as four cookies
    jar = requests.get(zenith.url + "/dashboard/cookies").cookies
    assert {c.name: c.value for c in jar} == {"zen_a": "1", "zen_b": "two", "zen_c": "3", "zen_d": "4"}


def test_head_request(apache, zenith):
    d, z = raw_both(apache, zenith, "HEAD", "/dashboard/page")
    assert d.status == z.status == 200
    assert z.header("Content-Length") == d.header("Content-Length") == "1076"
    assert z.header("ETag") == '"page-v1"' and z.header("X-Page") == "yes"
    # no body bytes after a HEAD answer: the next response on the same connection parses cleanly
    with Conn(zenith.port) as c:
        c.send(build_request("HEAD", "/dashboard/page"))
        head = c.read_response("HEAD")
        assert head.status == 200
        c.send(build_request("GET", "/dashboard/echo?after=head"))
        nxt = c.read_response()
        assert nxt.status == 200 and nxt.json()["args"] == {"after": ["head"]}


@pytest.mark.parametrize("code", [200, 201, 202, 204, 304, 400, 401, 403, 404, 405, 409, 410, 418, 422, 429,
                                  500, 501, 503])
def test_status_codes_relayed(apache, zenith, code):
    d, z = raw_both(apache, zenith, "GET", f"/dashboard/status/{code}")
    assert d.status == code
    assert z.status == code
    assert z.body == d.body
    if code in (204, 304):
        assert z.body == b""
        assert z.header("Content-Length") in (None, "0")
        assert z.header("Transfer-Encoding") is None


def test_status_304_then_keepalive(zenith):
    """A 304 has no body even without Content-Length; the connection stays usable."""
    with Conn(zenith.port) as c:
        c.send(build_request("GET", "/dashboard/status/304"))
        r = c.read_response()
        assert r.status == 304 and r.header("ETag") == '"status-304"'
        c.send(build_request("GET", "/dashboard/status/200"))
        assert c.read_response().status == 200


def test_unknown_dashboard_path_404_as_direct(apache, zenith):
    d, z = both(apache, zenith, "GET", "/dashboard/no/such/page")
    assert d.status_code == z.status_code == 404
    assert z.content == d.content


def test_download_with_content_length(apache, zenith):
    n = 5_000_003
    d, z = raw_both(apache, zenith, "GET", f"/dashboard/download?bytes={n}")
    assert d.status == z.status == 200
    assert z.header("Content-Length") == str(n)
    assert len(z.body) == n and sha256(z.body) == sha256(d.body) == pattern.digest(n)


def test_download_chunked(apache, zenith):
    n = 3_333_333
    d, z = raw_both(apache, zenith, "GET", f"/dashboard/download?bytes={n}&chunked=1&chunk=10000")
    assert d.status == z.status == 200
    assert d.chunked and d.header("Content-Length") is None
    assert z.chunked, f"unknown-length body to an HTTP/1.1 client must be chunked: {z.headers}"
    assert z.header("Content-Length") is None
    assert sha256(z.body) == pattern.digest(n)


def test_download_chunked_to_http10_client(zenith):
    """An HTTP/1.0 client cannot read chunked: the body is delimited by close instead."""
    n = 200_001
    with Conn(zenith.port) as c:
        c.send(build_request("GET", f"/dashboard/download?bytes={n}&chunked=1", version="HTTP/1.0"))
        head = c.read_until(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.") and b" 200 " in head.split(b"\r\n")[0]
        assert b"chunked" not in head.lower()
        body = c.read_to_close()
    assert sha256(body) == pattern.digest(n)


def test_small_upload(apache, zenith):
    data = b"".join(pattern.generate(1_048_577))
    d, z = both(apache, zenith, "POST", "/dashboard/upload", data=data)
    assert d.status_code == z.status_code == 200
    assert z.json()["size"] == len(data) and z.json()["sha256"] == d.json()["sha256"] == sha256(data)


def test_empty_post(apache, zenith):
    d, z = raw_both(apache, zenith, "POST", "/dashboard/upload", [("Content-Length", "0")])
    assert d.status == z.status == 200
    assert z.json()["size"] == 0


def test_pooled_connection_closed_by_apache_is_not_an_error(zenith):
    """Apache closes idle keep-alive connections after 5 s; zenith must not hand the client an error."""
    for _ in range(3):
        assert requests.get(zenith.url + "/dashboard/whoami", timeout=10).status_code == 200
    time.sleep(6.0)
    for i in range(5):
        r = requests.get(zenith.url + f"/dashboard/echo?after-idle={i}", timeout=10)
        assert r.status_code == 200, (i, r.status_code, r.text[:300])
    # also for a request with a body (not blindly retriable once sent)
    time.sleep(6.0)
    r = requests.post(zenith.url + "/dashboard/upload", data=b"abc" * 1000, timeout=10)
    assert r.status_code == 200 and r.json()["size"] == 3000


def test_concurrent_slow_requests_are_not_serialized(zenith):
    results = []

    def one(i):
        r = requests.get(zenith.url + f"/dashboard/slow?seconds=1&i={i}", timeout=20)
        results.append(r.status_code)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(16)]
    t0 = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - t0
    assert results == [200] * 16
    assert elapsed < 5.0, f"16 parallel 1 s requests took {elapsed:.1f}s"

