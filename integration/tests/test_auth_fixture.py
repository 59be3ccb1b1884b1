"""The dashboard fixture's Horizon-like user session, straight to Apache (no zenith needed): the
reference behaviour the realtime auth tests rely on."""
import re

import requests

from harness.auth import AJAX, USER_SESSION_PATH, UserSessionLog, login, password_of, project_of, user_id
from harness.dashboard import TEST_PASSWORD, TEST_USER, marker
from harness.raw_http import http_request

FIELDS = {"id", "username", "project_id", "project_name", "roles", "domain_id", "user_domain_id",
          "is_superuser", "services_region", "token"}


def test_user_session_needs_ajax_header(apache):
    me = login(apache.url, "alice")
    r = me.http.get(apache.url + USER_SESSION_PATH, timeout=5)
    assert r.status_code == 400, (r.status_code, r.text)
    assert "request must be AJAX" in r.text
    assert r.json() == "request must be AJAX"  # rest_utils.JSONResponse: a JSON string


def test_user_session_not_logged_in_is_401(apache):
    r = requests.get(apache.url + USER_SESSION_PATH, headers=AJAX, timeout=5)
    assert r.status_code == 401, (r.status_code, r.text)
    assert r.json() == "not logged in"
    assert "Set-Cookie" not in r.headers
    # an unknown session cookie is no better (and Django deletes it)
    r = requests.get(apache.url + USER_SESSION_PATH, headers={**AJAX, "Cookie": "sessionid=forged" + "x" * 24},
                     timeout=5)
    assert r.status_code == 401
    # Horizon checks the login first: no header and no login is 401, not 400
    assert requests.get(apache.url + USER_SESSION_PATH, timeout=5).status_code == 401


def test_user_session_identity(apache):
    for user in ("alice", "bob", TEST_USER):
        me = login(apache.url, user, TEST_PASSWORD if user == TEST_USER else None)
        r = me.user_session()
        assert r.status_code == 200 and r.headers["Content-Type"] == "application/json"
        j = r.json()
        assert FIELDS <= set(j), j
        assert j["id"] == user_id(user) and re.fullmatch(r"[0-9a-f]{32}", j["id"])
        assert j["username"] == user
        assert j["project_id"] == project_of(user)
        assert j["roles"] and all(isinstance(x, dict) and x["name"] for x in j["roles"])
        assert j["domain_id"] == j["user_domain_id"] == "default"
        assert j["is_superuser"] is False and j["services_region"] == "RegionOne"
        assert j["token"].startswith("gAAAAAB") and len(j["token"]) > 60
        assert me.sessionid not in j["token"]
    assert login(apache.url, "alice").token() != login(apache.url, "alice").token(), "a token per login"


def test_user_session_refreshes_session_cookie(apache):
    """SESSION_SAVE_EVERY_REQUEST: every authenticated answer carries a new Set-Cookie."""
    me = login(apache.url, "bob")
    r = http_request(apache.port, "GET", USER_SESSION_PATH + "?via=test",
                     [("Cookie", me.cookie), ("X-Requested-With", "XMLHttpRequest")])
    assert r.status == 200
    cookies = [c for c in r.header_all("Set-Cookie") if c.startswith("sessionid=")]
    assert len(cookies) == 1 and f"sessionid={me.sessionid};" in cookies[0], r.headers
    assert "Max-Age=" in cookies[0] and "HttpOnly" in cookies[0]
    # a 400 (no AJAX header) from a logged-in session also refreshes it, as Horizon does
    r = http_request(apache.port, "GET", USER_SESSION_PATH + "?via=test", [("Cookie", me.cookie)])
    assert r.status == 400 and any(c.startswith("sessionid=") for c in r.header_all("Set-Cookie"))


def test_unauthenticated_pages_redirect_to_login(apache):
    for path in ("/dashboard/", "/dashboard/project/"):
        r = requests.get(apache.url + path, allow_redirects=False, timeout=5)
        assert r.status_code == 302, path
        assert r.headers["Location"].startswith("/dashboard/auth/login/?next="), r.headers["Location"]
    me = login(apache.url, "alice")
    r = me.http.get(apache.url + "/dashboard/project/", allow_redirects=False, timeout=5)
    assert r.status_code == 200 and "Project A" in r.text


def test_wrong_password_refused(apache):
    s = requests.Session()
    page = s.get(apache.url + "/dashboard/auth/login/", timeout=5)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    r = s.post(apache.url + "/dashboard/auth/login/", allow_redirects=False, timeout=5,
               data={"username": "bob", "password": password_of("alice"), "csrfmiddlewaretoken": token})
    assert r.status_code == 200 and "sessionid" not in s.cookies


def test_logout_invalidates_session_server_side(apache):
    me = login(apache.url, "alice")
    stolen = me.cookie
    assert me.user_session().status_code == 200
    me.logout()
    r = requests.get(apache.url + USER_SESSION_PATH + "?via=test", headers={**AJAX, "Cookie": stolen}, timeout=5)
    assert r.status_code == 401, "the old cookie must be dead after logout"


def test_expired_session_is_refused(apache):
    me = login(apache.url, "bob")
    stolen = me.cookie
    r = me.http.get(apache.url + "/dashboard/_expire_session", timeout=5)
    assert r.json() == {"expired": True}
    r = requests.get(apache.url + USER_SESSION_PATH + "?via=test", headers={**AJAX, "Cookie": stolen}, timeout=5)
    assert r.status_code == 401


def test_user_session_requests_are_recorded(apache):
    """user-session.log: one line per request with the cookie and header NAMES, never values."""
    log = UserSessionLog(apache)
    me = login(apache.url, "alice")
    mark = marker()
    r = requests.get(apache.url + USER_SESSION_PATH, timeout=5, headers={
        **AJAX, "Cookie": f"{me.cookie}; csrftoken={me.csrftoken}; other={mark}", "X-Mark": mark})
    assert r.status_code == 200
    mine = log.probes(me.login_id)
    assert len(mine) == 1, mine
    e = mine[0]
    assert e["status"] == 200 and e["user"] == "alice" and e["xrw"] == "XMLHttpRequest"
    assert e["cookies"] == ["csrftoken", "other", "sessionid"]
    assert "X-Mark" in e["headers"]
    text = log.path.read_text()
    assert me.sessionid not in text and me.csrftoken not in text and mark not in text
    # and Apache's access log has it too, by path (the tests' own calls carry ?via=test)
    assert any(f'"{USER_SESSION_PATH}"' in line for line in apache.log_lines())
    assert log.count(me.login_id) == 1  # login and _session are not user-session requests


def test_user_session_delay_per_session(apache):
    """/dashboard/_session?user_session_delay= slows this session's user-session answers only."""
    import time

    slow, fast = login(apache.url, "alice"), login(apache.url, "alice")
    assert slow.http.get(apache.url + "/dashboard/_session?user_session_delay=0.6", timeout=5).status_code == 200
    t0 = time.monotonic()
    assert slow.user_session().status_code == 200
    assert time.monotonic() - t0 >= 0.6
    t0 = time.monotonic()
    assert fast.user_session().status_code == 200
    assert time.monotonic() - t0 < 0.5
