"""Helpers for the realtime authentication tests (test_auth_*.py).

- `login(base, user)`: log in through the real Django login form (straight to Apache or through
  zenith); returns a `Login` with the session cookie, the csrftoken and the session's login id.
- `UserSessionLog`: the fixture's record of user-session requests (<apache run dir>/user-session.log,
  one JSON line each: status, user, login id, names of the cookies and headers received, never
  their values). `count(login_id)` counts the requests made for one login.
- `start_auth(zenith_factory, apache, ...)`: zenith with `[realtime.auth]` against the dashboard,
  routes `/socket.io/ realtime` and `/ proxy dashboard`, publish API on its own port, and the
  `[[watch]]` entries given.
- `sio_connect(rt, ...)`: a python-socketio client with a Cookie and an Origin header; raises
  `socketio.exceptions.ConnectionError`, the CONNECT_ERROR data is in the log (`connect_error`).
"""
from __future__ import annotations

import contextlib
import json
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests
import socketio

import harness.paths  # noqa: F401 (puts the fixture's plain-python modules on sys.path)
from harness.dashboard import ApacheDashboard
from harness.processes import free_port
from harness.realtime import TOKEN, EventLog, Realtime, close, make_client, realtime_started
from testapp import identities  # the fixture's users

USER_SESSION_PATH = "/dashboard/api/keystone/user-session/"
ALLOWED_ORIGIN = "http://dash.example"
AJAX = {"X-Requested-With": "XMLHttpRequest"}

AUTH_ROUTES = """\
# host  path-prefix   action    target
*       /socket.io/   realtime
*       /             proxy     dashboard
"""


def password_of(user: str) -> str:
    return identities.USERS[user]["password"]


def user_id(user: str) -> str:
    return identities.user_id(user)


def project_of(user: str) -> str:
    return identities.USERS[user]["project_id"]


# ---------------------------------------------------------------------------------------------
# logging in


@dataclass
class Login:
    user: str
    base: str
    http: requests.Session
    sessionid: str
    csrftoken: str
    login_id: str

    @property
    def cookie(self) -> str:
        """The Cookie header a browser tab of this session would send to /socket.io/."""
        return f"sessionid={self.sessionid}"

    def user_session(self, headers: dict | None = None) -> requests.Response:
        """GET the user-session endpoint the way Horizon's JS does (AJAX), with this session."""
        return self.http.get(self.base + USER_SESSION_PATH + "?via=test", headers={**AJAX, **(headers or {})},
                             timeout=10, allow_redirects=False)

    def token(self) -> str:
        """The session's (fake) Keystone token, read from the fixture (not counted as a probe: ?via=test)."""
        r = self.user_session()
        assert r.status_code == 200, (r.status_code, r.text)
        return r.json()["token"]

    def switch_project(self, project_id: str) -> None:
        """Move this session to another project, as Horizon's project switcher does: the same
        cookie, another identity."""
        r = self.http.get(self.base + "/dashboard/_session", params={"project_id": project_id}, timeout=10)
        assert r.status_code == 200 and r.json()["project_id"] == project_id, (r.status_code, r.text)

    def logout(self) -> requests.Response:
        r = self.http.get(self.base + "/dashboard/auth/logout/", allow_redirects=False, timeout=10)
        assert r.status_code == 302, (r.status_code, r.text[:200])
        return r


def login(base: str, user: str, password: str | None = None) -> Login:
    """Log in through the Django login form at `base` (Apache or zenith); a fresh session each time."""
    s = requests.Session()
    page = s.get(base + "/dashboard/auth/login/", timeout=10)
    assert page.status_code == 200, (page.status_code, page.text[:300])
    m = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert m, page.text[:500]
    r = s.post(base + "/dashboard/auth/login/", allow_redirects=False, timeout=10,
               data={"username": user, "password": password or password_of(user),
                     "csrfmiddlewaretoken": m.group(1), "next": "/dashboard/"})
    assert r.status_code == 302 and "sessionid" in r.cookies, \
        f"login of {user} at {base} failed: {r.status_code} {r.headers} {r.text[:300]}"
    info = s.get(base + "/dashboard/_session", timeout=10).json()
    assert info["authenticated"] and info["username"] == user, info
    return Login(user, base, s, s.cookies["sessionid"], s.cookies["csrftoken"], info["login_id"])


# ---------------------------------------------------------------------------------------------
# the fixture's user-session log


class UserSessionLog:
    def __init__(self, apache: ApacheDashboard) -> None:
        self.path = apache.run_dir / "user-session.log"

    def entries(self) -> list[dict]:
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(errors="replace").splitlines():
            with contextlib.suppress(ValueError):
                out.append(json.loads(line))
        return out

    def probes(self, login_id: str | None = None) -> list[dict]:
        """Requests not made by the tests themselves (these carry ?via=test), optionally of one login."""
        return [e for e in self.entries()
                if "via=test" not in e.get("query", "") and (login_id is None or e.get("login_id") == login_id)]

    def count(self, login_id: str) -> int:
        return len(self.probes(login_id))

    def mark(self) -> int:
        return len(self.entries())

    def since(self, mark: int) -> list[dict]:
        return [e for e in self.entries()[mark:] if "via=test" not in e.get("query", "")]

    def settle(self, login_id: str, quiet: float = 0.5, timeout: float = 5.0) -> int:
        """The count for `login_id` once it has not changed for `quiet` seconds."""
        deadline = time.monotonic() + timeout
        last, since = self.count(login_id), time.monotonic()
        while time.monotonic() < deadline:
            time.sleep(0.05)
            n = self.count(login_id)
            if n != last:
                last, since = n, time.monotonic()
            elif time.monotonic() - since >= quiet:
                break
        return last


# ---------------------------------------------------------------------------------------------
# zenith with [realtime.auth]


def auth_section(**overrides) -> dict:
    auth = {
        "upstream": "dashboard",
        "endpoint": USER_SESSION_PATH,
        "cookies": ["sessionid"],
        "headers": dict(AJAX),
        "cache_ttl": "30s",
        "negative_ttl": "5s",
        "revalidate": "5m",
        "timeout": "3s",
        "rooms": ["user:{id}", "project:{project_id}"],
        "subscribe": ["project:{project_id}:*"],
        "fields": {"id": "id", "project_id": "project_id", "name": "username"},
    }
    auth.update(overrides)
    return auth


def auth_config(apache: ApacheDashboard, publish_port: int, realtime: dict | None = None,
                auth: dict | None = None, upstreams: dict | None = None, log_level: str = "info",
                watches: list[dict] | None = None) -> dict:
    rt = {
        "allowed_origins": [ALLOWED_ORIGIN, "*.example.org"],
        "allow_missing_origin": False,
        "ping_interval": "25s",
    }
    rt.update(realtime or {})
    rt = {k: v for k, v in rt.items() if v is not None}  # None: leave the key out (its default)
    rt["auth"] = auth_section(**(auth or {}))
    ups = {"dashboard": {"servers": [f"127.0.0.1:{apache.port}"], "connect_timeout": "1s",
                         "response_timeout": "10s"}}
    ups.update(upstreams or {})
    return {
        "routes": "routes",
        "upstream": ups,
        "realtime": rt,
        "publish": {"listen": f"127.0.0.1:{publish_port}", "token_file": "token"},
        "log": {"level": log_level, "access": True},
        **({"watch": watches} if watches else {}),
    }


def start_auth(factory, apache: ApacheDashboard, realtime: dict | None = None, auth: dict | None = None,
               upstreams: dict | None = None, token: str = TOKEN, log_level: str = "info",
               watches: list[dict] | None = None, extra: dict | None = None) -> Realtime:
    """zenith (via zenith_factory) with realtime auth against the fixture; returns a Realtime."""
    publish_port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="zenith-auth-"))
    (workdir / "token").write_text(token + "\n")
    cfg = auth_config(apache, publish_port, realtime, auth, upstreams, log_level, watches)
    cfg.update(extra or {})  # more top-level sections, such as [metrics]
    z = factory(cfg, AUTH_ROUTES, workdir=workdir)
    return realtime_started(z, publish_port, token, cfg)


# ---------------------------------------------------------------------------------------------
# python-socketio clients with a cookie and an Origin


def sio_headers(cookie: str | None, origin: str | None = ALLOWED_ORIGIN, extra: dict | None = None) -> dict:
    h = {}
    if cookie is not None:
        h["Cookie"] = cookie
    if origin is not None:
        h["Origin"] = origin
    h.update(extra or {})
    return h


def new_client(log: EventLog | None = None) -> tuple[socketio.Client, EventLog]:
    # suppress_origin: websocket-client would add its own Origin next to ours on the upgrade
    return make_client(log, websocket_extra_options={"suppress_origin": True})


def sio_connect(rt: Realtime, cookie: str | None, origin: str | None = ALLOWED_ORIGIN, transports=None,
                extra_headers: dict | None = None, wait_timeout: float = 6) -> tuple[socketio.Client, EventLog]:
    """Connect a python-socketio client; raises socketio.exceptions.ConnectionError when refused
    (then the client is already shut down and its log holds any `connect_error` data)."""
    sio, log = new_client()
    try:
        sio.connect(rt.url, headers=sio_headers(cookie, origin, extra_headers), transports=transports,
                    wait_timeout=wait_timeout)
    except Exception:
        close(sio)
        raise
    return sio, log


def refusal(rt: Realtime, cookie: str | None, origin: str | None = ALLOWED_ORIGIN,
            transports=None) -> tuple[str, list]:
    """Connect expecting a refusal; returns (exception text, connect_error data seen)."""
    sio, log = new_client()
    try:
        sio.connect(rt.url, headers=sio_headers(cookie, origin), transports=transports, wait_timeout=6)
    except socketio.exceptions.ConnectionError as e:
        return str(e), log.of("connect_error")
    finally:
        close(sio)
    raise AssertionError(f"connect with cookie={cookie!r} origin={origin!r} was accepted; "
                         f"events {log.items!r}")


def connect_error_messages(errors: list) -> list:
    return [e.get("message") if isinstance(e, dict) else e for e in errors]
