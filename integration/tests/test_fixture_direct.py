"""The dashboard fixture itself, straight to Apache: proves the reference half of every comparison."""
import re

import requests

from harness.dashboard import TEST_PASSWORD, TEST_USER, marker
from harness.payloads import pattern, sha256
from harness.raw_http import Conn, build_request, http_request


def test_echo_reports_request(apache):
    m = marker()
    r = requests.post(apache.url + f"/dashboard/echo/x?m={m}&a=1&a=2", data=b"hello",
                      headers={"X-Custom": "v", "Host": "dash.example", "Content-Type": "text/plain"})
    assert r.status_code == 200
    j = r.json()
    assert j["method"] == "POST"
    assert j["path"] == "/dashboard/echo/x"
    assert j["script_name"] == "/dashboard"
    assert j["args"] == {"m": [m], "a": ["1", "2"]}
    assert j["headers"]["Host"] == "dash.example"
    assert j["headers"]["X-Custom"] == "v"
    assert j["headers"]["Content-Type"] == "text/plain"
    assert j["body_length"] == 5 and j["body_sample"] == "hello"
    assert j["remote_addr"] == "127.0.0.1"
    assert apache.wait_log_with(m), "access log must record the request"


def test_login_flow_direct(apache):
    s = requests.Session()
    page = s.get(apache.url + "/dashboard/auth/login/")
    assert page.status_code == 200 and "csrftoken" in s.cookies
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    r = s.post(apache.url + "/dashboard/auth/login/", allow_redirects=False,
               data={"username": TEST_USER, "password": TEST_PASSWORD,
                     "csrfmiddlewaretoken": token, "next": "/dashboard/"})
    assert r.status_code == 302 and r.headers["Location"] == "/dashboard/"
    assert s.get(apache.url + "/dashboard/whoami").json() == {"authenticated": True, "username": "demo"}


def test_streaming_upload_and_download_direct(apache):
    data = bytes(range(256)) * 4096
    r = requests.post(apache.url + "/dashboard/upload", data=data)
    assert r.json()["size"] == len(data) and r.json()["sha256"] == sha256(data)
    r = requests.get(apache.url + "/dashboard/download?bytes=3000001")
    assert r.headers["Content-Length"] == "3000001"
    assert sha256(r.content) == pattern.digest(3000001)
    resp = http_request(apache.port, "GET", "/dashboard/download?bytes=100000&chunked=1")
    assert resp.chunked and resp.header("Content-Length") is None
    assert sha256(resp.body) == pattern.digest(100000)


def test_cookies_and_hop_headers_direct(apache):
    r = http_request(apache.port, "GET", "/dashboard/cookies")
    cookies = r.header_all("Set-Cookie")
    assert len(cookies) == 4
    assert any("expires=Wed, 21 Oct 2037 07:28:00 GMT" in c for c in cookies)
    r = http_request(apache.port, "GET", "/dashboard/hop")
    assert "x-hop-resp" in r.header("Connection").lower()
    assert r.header("X-Hop-Resp") == "private-to-this-hop"


def test_proxy_authorization_visible_in_apache_log(apache):
    """The hop-by-hop checks rely on the access log showing request headers mod_wsgi hides."""
    m = marker()
    http_request(apache.port, "GET", f"/dashboard/echo?m={m}",
                 [("Proxy-Authorization", "Basic Zm9vOmJhcg=="), ("TE", "trailers"), ("X-Foo", "1")])
    line = apache.wait_log_with(m)[0]
    assert 'pauth="Basic Zm9vOmJhcg=="' in line and 'te="trailers"' in line and 'xfoo="1"' in line


def test_pipelining_direct(apache):
    with Conn(apache.port) as c:
        c.send(build_request("GET", "/dashboard/slow?seconds=0.3") + build_request("GET", "/dashboard/echo?n=2"))
        first = c.read_response()
        second = c.read_response()
    assert first.json() == {"slept": 0.3}
    assert second.json()["args"] == {"n": ["2"]}


def test_status_and_slow_direct(apache):
    assert requests.get(apache.url + "/dashboard/status/418").status_code == 418
    assert requests.get(apache.url + "/dashboard/slow?seconds=0.1").json() == {"slept": 0.1}
    before = apache.request_count()
    requests.get(apache.url + "/dashboard/whoami")
    assert apache.request_count() >= before + 2
