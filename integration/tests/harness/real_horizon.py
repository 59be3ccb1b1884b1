"""The real Horizon 27 of ../shared/horizon/ (beside the repository, never copied into it): unchanged
PyPI horizon==27.0.0 under Apache mod_wsgi against its stub Keystone/Nova/Glance, started with its
own start.sh and always stopped with its stop.sh, on free loopback ports.

Its state (venv, collected static files) lives in HZ_HOME, kept across runs so that only the first
run pays the fresh install (pip from PyPI, collectstatic, compress: about 90 s here; about 5 s
with the state present). HZ_HOME is `ZENITH_HORIZON_HOME`, default /var/tmp/zenith-horizon27: the
venv's python-home is written into Apache's config, so the path must stay the same from run to
run. An exclusive lock on `<HZ_HOME>.lock` keeps two test runs from sharing one Horizon.

With `transport_url`, the stub Nova publishes Nova's versioned notifications there (exchange
`nova`, topic `versioned_notifications`) for every change made through its control API.
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import fcntl
import os
import subprocess
import time
from pathlib import Path

import requests

from harness.paths import REPO
from harness.processes import free_port, track

SHARED = Path(os.environ.get("ZENITH_HORIZON_DIR", str(REPO.parent / "shared" / "horizon")))
HOME = Path(os.environ.get("ZENITH_HORIZON_HOME", "/var/tmp/zenith-horizon27"))
WEBROOT = "/dashboard"
SERVERS_API = WEBROOT + "/api/nova/servers/"
USER_SESSION_API = WEBROOT + "/api/keystone/user-session/"
INSTANCES_PAGE = WEBROOT + "/project/instances/"
# The stub's seeded servers (stub_openstack.py: reset())
DEMO_VM_1 = "11111111-1111-4111-8111-111111111111"  # demo, ACTIVE
DEMO_VM_2 = "22222222-2222-4222-8222-222222222222"  # demo, BUILD/spawning
ALT_VM_1 = "33333333-3333-4333-8333-333333333333"   # alt, ACTIVE
PASSWORD = "secret"


# What docs/horizon.md has operators add to Horizon's settings.
HORIZON_SETTINGS_BEHIND_ZENITH = """\
# Zenith terminates TLS and says so in X-Forwarded-Proto (docs/horizon.md)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
"""

GLUE = "/socket.io/zenith-horizon.js"
ROUTES = f"""\
# host  path-prefix    action    target    options
*       /socket.io/    realtime
*       /dashboard/    proxy     horizon   timeout=120s inject={GLUE}
*       /              proxy     horizon
"""


def zenith_config(hz: "RealHorizon", port: int, url_file: str) -> dict:
    """Zenith in front of this Horizon: the glue injected on /dashboard/, `[realtime.auth]` with
    Horizon's user-session call, the servers watcher at 30 s (idle 5 m) on Horizon's own REST call,
    and `[[notify]]` on Nova's instance.* (transport URL in `url_file`) making it poll at once."""
    return {
        "routes": "routes",
        "listen": {"http": [f"127.0.0.1:{port}"]},
        "limits": {"header_bytes": 65536},
        "upstream": {"horizon": {"servers": [f"127.0.0.1:{hz.port}"], "connect_timeout": "2s",
                                 "response_timeout": "120s"}},
        "realtime": {
            "allowed_origins": [f"http://127.0.0.1:{port}"],
            "auth": {"upstream": "horizon", "endpoint": USER_SESSION_API, "cookies": ["sessionid"],
                     "headers": {"X-Requested-With": "XMLHttpRequest"}, "timeout": "10s",
                     "rooms": ["user:{id}", "project:{project_id}"]},
        },
        "watch": [{
            "name": "servers", "upstream": "horizon", "path": SERVERS_API,
            "headers": {"X-Requested-With": "XMLHttpRequest"}, "items": "items", "key": "id",
            "fields": ["status", "OS-EXT-STS:task_state", "OS-EXT-STS:power_state"],
            "interval": "30s", "idle_interval": "5m", "room": "project:{project_id}",
        }],
        "notifications": {"transport_url_file": url_file},
        "notify": [{
            "name": "instances", "exchange": "nova", "topic": "versioned_notifications", "events": ["instance.*"],
            "room": "project:{nova_object.data.tenant_id}",
            "fields": {"id": "nova_object.data.uuid", "state": "nova_object.data.state",
                       "task_state": "nova_object.data.task_state"},
            "watch": "servers",
        }],
        "log": {"level": "info", "access": True},
    }


def available() -> str | None:
    """Why real Horizon cannot run here, or None."""
    if not (SHARED / "start.sh").exists():
        return f"no {SHARED}/start.sh (../shared/horizon beside the repository)"
    for path in ("/usr/sbin/apache2", "/usr/lib/apache2/modules/mod_wsgi.so"):
        if not os.path.exists(path):
            return f"no {path} (apt-get install apache2 libapache2-mod-wsgi-py3)"
    return None


class RealHorizon:
    def __init__(self, transport_url: str | None = None, home: Path = HOME) -> None:
        self.home = home
        self.port = free_port()
        self.stub_port = free_port()
        self.transport_url = transport_url
        self.started_in: float | None = None  # seconds start.sh took
        self._lock = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def stub_url(self) -> str:
        return f"http://127.0.0.1:{self.stub_port}"

    @property
    def access_log(self) -> Path:
        return self.home / "log" / "apache-access.log"

    def _env(self) -> dict:
        env = {**os.environ, "HZ_HOME": str(self.home), "HZ_PORT": str(self.port), "STUB_PORT": str(self.stub_port),
               "HZ_WEBROOT": WEBROOT, "HZ_SERVER": "apache", "HZ_SESSION": "file"}
        env.pop("STUB_TRANSPORT_URL", None)
        if self.transport_url:
            env["STUB_TRANSPORT_URL"] = self.transport_url
        return env

    def start(self, timeout: float = 600) -> "RealHorizon":
        self.home.parent.mkdir(parents=True, exist_ok=True)
        self._lock = open(f"{self.home}.lock", "w")
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        track(self)
        began = time.monotonic()
        configured_before = self._configure_as_docs_say()
        self._run("start.sh", timeout)
        if not configured_before:
            # A fresh install: the venv start.sh just made gets the snippet, and Horizon a restart.
            self._configure_as_docs_say()
            self._run("stop.sh", timeout)
            self._run("start.sh", timeout)
        self.started_in = time.monotonic() - began
        return self

    def _run(self, script: str, timeout: float) -> None:
        done = subprocess.run([str(SHARED / script)], env=self._env(), capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            self.stop()
            raise RuntimeError(f"{script}: {done.returncode}\n{done.stdout}{done.stderr}")

    def _configure_as_docs_say(self) -> bool:
        """Horizon's settings as docs/horizon.md tells operators to set them behind Zenith (a
        snippet in `local_settings.d`, which Horizon reads after `local_settings.py`): HTTPS as
        Zenith's X-Forwarded-Proto says, without which Django's CSRF check refuses a login
        through Zenith's TLS listener. False when the venv is not installed yet."""
        local = sorted(self.home.glob("venv/lib/python3*/site-packages/openstack_dashboard/local"))
        if not local:
            return False
        (local[0] / "local_settings.d").mkdir(exist_ok=True)
        (local[0] / "local_settings.d" / "_90_zenith.py").write_text(HORIZON_SETTINGS_BEHIND_ZENITH)
        return True

    def stop(self) -> None:
        if self._lock is None:
            return
        with contextlib.suppress(Exception):
            subprocess.run([str(SHARED / "stop.sh")], env=self._env(), capture_output=True, timeout=60,
                           stdin=subprocess.DEVNULL)
        fcntl.flock(self._lock, fcntl.LOCK_UN)
        self._lock.close()
        self._lock = None

    # ---- the stub's control API

    def stub(self, method: str, path: str, body: dict | None = None):
        r = requests.request(method, self.stub_url + path, json=body, timeout=10)
        assert r.status_code < 300, (method, path, r.status_code, r.text)
        return r.json() if r.content else None

    def change_server(self, server_id: str, **fields) -> dict:
        """POST /_stub/servers/<id>: e.g. status="ACTIVE", task_state=None (Nova's notification follows)."""
        return self.stub("POST", f"/_stub/servers/{server_id}", fields)["server"]

    def reset(self) -> None:
        self.stub("POST", "/_stub/reset")

    def state(self) -> dict:
        return self.stub("GET", "/_stub/state")

    def warm(self, sessionid: str, server_id: str = DEMO_VM_1, requests_at_once: int = 16) -> None:
        """Horizon's mod_wsgi daemon processes (2, threads 10) load Django and each view on their
        first request: a row_update answered by a cold process takes about 2 s instead of 0.3.
        Many row_updates at once, straight to Apache with the tab's session, reach both."""
        url = f"{self.url}{INSTANCES_PAGE}?action=row_update&table=instances&obj_id={server_id}"
        headers = {"X-Requested-With": "XMLHttpRequest", "Cookie": f"sessionid={sessionid}"}
        with concurrent.futures.ThreadPoolExecutor(requests_at_once) as pool:
            for r in pool.map(lambda _: requests.get(url, headers=headers, timeout=30), range(requests_at_once)):
                assert r.status_code == 200, (r.status_code, r.text[:300])

    # ---- Apache's access log: `%h %l %u %t "%r" %>s %b %Dus`

    def log_lines(self) -> list[str]:
        try:
            return self.access_log.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return []

    def log_mark(self) -> int:
        return len(self.log_lines())

    def log_since(self, mark: int) -> list[str]:
        return self.log_lines()[mark:]


def request_path(line: str) -> str:
    """The path of an access log line's request ("GET /path HTTP/1.1")."""
    try:
        return line.split('"', 2)[1].split(" ")[1]
    except IndexError:
        return ""


def servers_polls(lines: list[str]) -> list[str]:
    return [line for line in lines if request_path(line) == SERVERS_API]


def row_updates(lines: list[str]) -> list[str]:
    return [line for line in lines if "action=row_update" in request_path(line)]


def session_checks(lines: list[str]) -> list[str]:
    return [line for line in lines if request_path(line) == USER_SESSION_API]
