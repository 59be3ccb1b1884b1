"""Processes and clients for Zenith's integration tests.

Everything runs on 127.0.0.1 with free ports, in temporary directories, and is always stopped:

- `ApacheDashboard`: Debian's apache2 + mod_wsgi serving the Django fixture in
  integration/fixtures/dashboard under /dashboard/ (like Horizon), with its own generated httpd.conf.
- `WebSocketEcho`: a `websockets` echo server (integration/tests/ws_echo.py) in a subprocess.
- `start_zenith(config, routes)`: the zenith binary (ZENITH_BIN or .build/debug/zenith) with a
  generated zenith.toml and routes file.
- `make_certificate(dir)`: a self-signed certificate for TLS listeners; `scrape(port)` and
  `metric(samples, name, **labels)`: samples of the metrics listener.
- Raw-socket HTTP helpers (`raw_exchange`, `read_response`, `http_request`) for the cases that
  ordinary clients refuse to produce (smuggling, pipelining, Expect, source-address binding).
"""
from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[2]
FIXTURE_DIR = REPO / "integration" / "fixtures" / "dashboard"
WS_ECHO_SCRIPT = Path(__file__).resolve().parent / "ws_echo.py"
APACHE_MODULES = Path(os.environ.get("APACHE_MODULES", "/usr/lib/apache2/modules"))
APACHE_BIN = os.environ.get("APACHE_BIN", shutil.which("apache2") or "/usr/sbin/apache2")
# mod_wsgi embeds the system python; Django 3.2 comes from Debian's python3-django.
DASHBOARD_PYTHON = os.environ.get("DASHBOARD_PYTHON", "/usr/bin/python3")
ZENITH_BIN = os.environ.get("ZENITH_BIN", str(REPO / ".build" / "debug" / "zenith"))

TEST_USER = "demo"
TEST_PASSWORD = "demo-password"

# The deterministic download pattern lives in the fixture so both sides share one definition.
sys.path.insert(0, str(FIXTURE_DIR))
from testapp import pattern  # noqa: E402

_live: list = []  # every process object started here, stopped at exit as a last resort


@atexit.register
def _stop_all() -> None:
    for proc in reversed(_live):
        with contextlib.suppress(Exception):
            proc.stop()


# ---------------------------------------------------------------------------------------------
# small helpers


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, timeout: float, proc: subprocess.Popen | None = None, what: str = "server",
                  log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            text = log.read_text(errors="replace") if log and log.exists() else ""
            raise RuntimeError(f"{what} exited with {proc.returncode} before listening on {port}:\n{text}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    text = log.read_text(errors="replace") if log and log.exists() else ""
    raise RuntimeError(f"{what} did not listen on 127.0.0.1:{port} within {timeout}s:\n{text}")


def marker() -> str:
    """A unique token to find one request in the backend's access log."""
    return "m" + uuid.uuid4().hex[:20]


def _terminate(proc: subprocess.Popen, timeout: float = 10.0, group: bool = True) -> None:
    if proc.poll() is not None:
        return
    try:
        if group:
            os.killpg(proc.pid, signal.SIGTERM)
        else:
            proc.send_signal(signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            if group:
                os.killpg(proc.pid, signal.SIGKILL)
            else:
                proc.kill()
        proc.wait(5)


def _chown_tree(path: Path, user: str) -> None:
    if os.geteuid() != 0:
        return
    pw = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, pw.pw_uid, pw.pw_gid)
        for name in files:
            os.chown(os.path.join(root, name), pw.pw_uid, pw.pw_gid)


def to_toml(data: dict) -> str:
    """Serialize the small subset of TOML the zenith config uses (tables, arrays of tables,
    str/int/bool/lists)."""

    def value(v) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, (int, float)):
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v)
        if isinstance(v, (list, tuple)):
            return "[" + ", ".join(value(x) for x in v) + "]"
        if isinstance(v, dict):
            return "{ " + ", ".join(f"{json.dumps(k)} = {value(x)}" for k, x in v.items()) + " }"
        raise TypeError(f"cannot write {type(v)} to TOML")

    lines: list[str] = []

    def is_array_of_tables(v) -> bool:
        return isinstance(v, list) and bool(v) and all(isinstance(x, dict) for x in v)

    def table(prefix: str, d: dict, header: str | None = None) -> None:
        scalars = {k: v for k, v in d.items()
                   if (not isinstance(v, dict) or k in _INLINE_TABLES) and not is_array_of_tables(v)}
        tables = {k: v for k, v in d.items() if isinstance(v, dict) and k not in _INLINE_TABLES}
        arrays = {k: v for k, v in d.items() if is_array_of_tables(v)}
        if header or (prefix and (scalars or not tables)):
            lines.append(header or f"[{prefix}]")
        for k, v in scalars.items():
            lines.append(f"{k} = {value(v)}")
        if scalars or prefix:
            lines.append("")
        for k, v in tables.items():
            table(f"{prefix}.{k}" if prefix else k, v)
        for k, entries in arrays.items():  # [[watch]]: one table per entry
            name = f"{prefix}.{k}" if prefix else k
            for entry in entries:
                table(name, entry, header=f"[[{name}]]")

    table("", data)
    return "\n".join(lines) + "\n"


# keys whose dict value is written as an inline table (`headers = { ... }`); other dicts are [tables]
_INLINE_TABLES = {"headers"}


# ---------------------------------------------------------------------------------------------
# Apache + mod_wsgi + Django


HTTPD_CONF = """\
# generated by integration/tests/harness.py
ServerRoot "{run}"
ServerName 127.0.0.1
Listen 127.0.0.1:{port}
PidFile "{run}/httpd.pid"
DefaultRuntimeDir "{run}"
Mutex file:{run} default
ErrorLog "{run}/error.log"
LogLevel warn
{user}
LoadModule mpm_event_module {mods}/mod_mpm_event.so
LoadModule authz_core_module {mods}/mod_authz_core.so
LoadModule mime_module {mods}/mod_mime.so
LoadModule headers_module {mods}/mod_headers.so
LoadModule wsgi_module {mods}/mod_wsgi.so
TypesConfig /etc/mime.types

# Stock Apache defaults where they matter to a front proxy (KeepAliveTimeout 5 as on Debian).
KeepAlive On
KeepAliveTimeout 5
MaxKeepAliveRequests 100
Timeout 120
StartServers 1
ServerLimit 4
ThreadsPerChild 25
MaxRequestWorkers 100
# 2 GiB uploads and 60 KB cookies must pass the backend; the proxy is what enforces limits.
LimitRequestBody 0
LimitRequestFieldSize 131072
LimitRequestLine 16384

LogFormat "%h %m \\"%U%q\\" %>s %B conn=\\"%{{Connection}}i\\" ka=\\"%{{Keep-Alive}}i\\" te=\\"%{{TE}}i\\" pauth=\\"%{{Proxy-Authorization}}i\\" xfoo=\\"%{{X-Foo}}i\\" upg=\\"%{{Upgrade}}i\\" tenc=\\"%{{Transfer-Encoding}}i\\" clen=\\"%{{Content-Length}}i\\" host=\\"%{{Host}}i\\"" zenithtest
CustomLog "{run}/access.log" zenithtest

DocumentRoot "{run}/htdocs"
<Directory />
    AllowOverride None
    Require all denied
</Directory>
<Directory "{run}/htdocs">
    Require all granted
</Directory>

WSGISocketPrefix {run}/wsgi
WSGIDaemonProcess zenith-dashboard processes=1 threads=32 display-name=zenith-test-dashboard home={run} python-path={fixture} socket-timeout=300 queue-timeout=60
WSGIProcessGroup zenith-dashboard
WSGIApplicationGroup %{{GLOBAL}}
WSGIChunkedRequest On
WSGIScriptAlias /dashboard "{run}/dashboard.wsgi"
<Directory "{run}">
    <Files dashboard.wsgi>
        Require all granted
    </Files>
</Directory>
"""

WSGI_FILE = """\
import os, sys
os.environ["DASHBOARD_RUN_DIR"] = {run!r}
os.environ["DJANGO_SETTINGS_MODULE"] = "dashboard_site.settings"
sys.path.insert(0, {fixture!r})
from dashboard_site.wsgi import application
"""


class ApacheDashboard:
    """The Django fixture under Apache mod_wsgi, in its own temporary run directory."""

    def __init__(self) -> None:
        self.port = free_port()
        self.run_dir = Path(tempfile.mkdtemp(prefix="zenith-apache-"))
        self.proc: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{self.port}"
        self.access_log = self.run_dir / "access.log"
        self.error_log = self.run_dir / "error.log"

    def start(self) -> "ApacheDashboard":
        os.chmod(self.run_dir, 0o755)
        (self.run_dir / "htdocs").mkdir()
        env = dict(os.environ, DASHBOARD_RUN_DIR=str(self.run_dir), PYTHONDONTWRITEBYTECODE="1")
        env.pop("PYTHONPATH", None)
        manage = [DASHBOARD_PYTHON, str(FIXTURE_DIR / "manage.py")]
        for args in (["migrate", "--noinput", "-v", "0"],
                     ["ensure_test_user", "--username", TEST_USER, "--password", TEST_PASSWORD]):
            res = subprocess.run(manage + args, env=env, capture_output=True, text=True, timeout=120)
            if res.returncode != 0:
                raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{res.stdout}\n{res.stderr}")
        (self.run_dir / "dashboard.wsgi").write_text(
            WSGI_FILE.format(run=str(self.run_dir), fixture=str(FIXTURE_DIR)))
        user = "User www-data\nGroup www-data" if os.geteuid() == 0 else ""
        conf = self.run_dir / "httpd.conf"
        conf.write_text(HTTPD_CONF.format(run=self.run_dir, port=self.port, mods=APACHE_MODULES,
                                          fixture=FIXTURE_DIR, user=user))
        _chown_tree(self.run_dir, "www-data")
        self.stdout = open(self.run_dir / "apache.out", "wb")
        self.proc = subprocess.Popen([APACHE_BIN, "-f", str(conf), "-DFOREGROUND"], stdout=self.stdout,
                                     stderr=subprocess.STDOUT, env=env, start_new_session=True)
        _live.append(self)
        try:
            wait_for_port(self.port, 20, self.proc, "apache2", self.run_dir / "apache.out")
            # the first request also waits for the mod_wsgi daemon to import Django
            deadline = time.monotonic() + 30
            while True:
                try:
                    r = requests.get(self.url + "/dashboard/whoami", timeout=5)
                    if r.status_code == 200:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError("dashboard never answered /dashboard/whoami:\n" + self.logs())
                time.sleep(0.1)
        except Exception:
            self.stop()
            raise
        return self

    def logs(self) -> str:
        out = []
        for p in (self.run_dir / "apache.out", self.error_log):
            if p.exists():
                out.append(f"--- {p.name}\n" + p.read_text(errors="replace")[-5000:])
        return "\n".join(out)

    def stop(self) -> None:
        if self.proc is not None:
            _terminate(self.proc, 15)
            self.proc = None
            self.stdout.close()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.run_dir, ignore_errors=True)

    # access log: one line per request Apache finished (written unbuffered, in completion order)
    def log_lines(self) -> list[str]:
        if not self.access_log.exists():
            return []
        return self.access_log.read_text(errors="replace").splitlines()

    def log_mark(self) -> int:
        return len(self.log_lines())

    def log_since(self, mark: int) -> list[str]:
        return self.log_lines()[mark:]

    def log_lines_with(self, needle: str) -> list[str]:
        return [line for line in self.log_lines() if needle in line]

    def wait_log_with(self, needle: str, timeout: float = 5.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.log_lines_with(needle)
            if found:
                return found
            time.sleep(0.05)
        return []

    def request_count(self) -> int:
        return requests.get(self.url + "/dashboard/_requests", timeout=5).json()["count"]


# ---------------------------------------------------------------------------------------------
# WebSocket echo backend


class WebSocketEcho:
    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="zenith-ws-"))
        self.proc: subprocess.Popen | None = None
        self.url = f"ws://127.0.0.1:{self.port}"

    def start(self) -> "WebSocketEcho":
        log = self.dir / "ws.log"
        self.out = open(log, "wb")
        self.proc = subprocess.Popen([sys.executable, str(WS_ECHO_SCRIPT), "--port", str(self.port)],
                                     stdout=self.out, stderr=subprocess.STDOUT, start_new_session=True)
        _live.append(self)
        try:
            wait_for_port(self.port, 15, self.proc, "ws_echo.py", log)
        except Exception:
            self.stop()
            raise
        return self

    def logs(self) -> str:
        return (self.dir / "ws.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.proc is not None:
            _terminate(self.proc, 5)
            self.proc = None
            self.out.close()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


# ---------------------------------------------------------------------------------------------
# zenith


class ZenithProcess:
    def __init__(self, proc: subprocess.Popen, port: int, workdir: Path, config_path: Path) -> None:
        self.proc = proc
        self.port = port
        self.workdir = workdir
        self.config_path = config_path
        self.url = f"http://127.0.0.1:{port}"

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stderr_text(self) -> str:
        return (self.workdir / "stderr.log").read_text(errors="replace")

    def stdout_text(self) -> str:
        return (self.workdir / "stdout.log").read_text(errors="replace")

    def wait_stderr(self, needle: str, timeout: float = 5.0) -> str:
        """Wait until stderr contains `needle`; return the whole stderr text either way."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.stderr_text()
            if needle in text or time.monotonic() > deadline:
                return text
            time.sleep(0.05)

    def _status_kib(self, key: str) -> int:
        with open(f"/proc/{self.proc.pid}/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
        raise RuntimeError(f"{key} not in /proc/{self.proc.pid}/status")

    def rss_kib(self) -> int:
        return self._status_kib("VmRSS")

    def peak_rss_kib(self) -> int:
        return self._status_kib("VmHWM")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        _terminate(self.proc, 5)
        for f in (self._out, self._err):
            with contextlib.suppress(Exception):
                f.close()


def start_zenith(config, routes_text: str, *, port: int | None = None, timeout: float = 20.0,
                 workdir: Path | None = None, env: dict | None = None) -> ZenithProcess:
    """Write zenith.toml (from TOML text or a dict) and routes, run `zenith run --config`, wait.

    With a dict, `routes` and `[listen] http` are filled in when missing. With text, `@PORT@` is
    replaced by the chosen listen port.
    """
    port = port or free_port()
    workdir = workdir or Path(tempfile.mkdtemp(prefix="zenith-run-"))
    if isinstance(config, dict):
        config = json.loads(json.dumps(config))  # deep copy
        config.setdefault("routes", "routes")
        config.setdefault("listen", {}).setdefault("http", [f"127.0.0.1:{port}"])
        text = to_toml(config)
    else:
        text = config.replace("@PORT@", str(port))
    cfg = workdir / "zenith.toml"
    cfg.write_text(text)
    (workdir / "routes").write_text(routes_text)
    if not os.path.exists(ZENITH_BIN):
        raise RuntimeError(f"zenith binary not found at {ZENITH_BIN} (build it or set ZENITH_BIN)")
    out = open(workdir / "stdout.log", "wb")
    err = open(workdir / "stderr.log", "wb")
    proc = subprocess.Popen([ZENITH_BIN, "run", "--config", str(cfg)], stdout=out, stderr=err,
                            stdin=subprocess.DEVNULL, cwd=workdir, start_new_session=True,
                            env={**os.environ, **(env or {})})
    z = ZenithProcess(proc, port, workdir, cfg)
    z._out, z._err = out, err
    _live.append(z)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(
                f"zenith exited with {proc.returncode} before listening on {port}\n"
                f"--- zenith.toml\n{text}\n--- routes\n{routes_text}\n--- stderr\n{z.stderr_text()}"
                f"\n--- stdout\n{z.stdout_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            z.stop()
            raise RuntimeError(f"zenith did not listen on {port} within {timeout}s\n--- stderr\n{z.stderr_text()}")
        time.sleep(0.05)
    return z


def base_config(apache: ApacheDashboard, ws: WebSocketEcho | None = None, **overrides) -> dict:
    """The config most tests use; `overrides` replace top-level tables (shallow per table)."""
    cfg: dict = {
        "routes": "routes",
        "limits": {"header_bytes": 65536, "body_bytes": "100MiB"},
        "proxy": {"trusted_proxies": ["127.0.0.2"]},
        "upstream": {
            "dashboard": {
                "servers": [f"127.0.0.1:{apache.port}"],
                "connect_timeout": "1s",
                "response_timeout": "10s",
            }
        },
        "log": {"level": "info", "access": True},
    }
    if ws is not None:
        cfg["upstream"]["wsecho"] = {"servers": [f"127.0.0.1:{ws.port}"], "connect_timeout": "1s",
                                     "response_timeout": "5s"}
    for key, val in overrides.items():
        if isinstance(val, dict) and isinstance(cfg.get(key), dict):
            cfg[key] = {**cfg[key], **val}
        else:
            cfg[key] = val
    return cfg


def start_with_test_backend(zenith_factory, apache: ApacheDashboard, name: str, backend_port: int,
                            route_options: str = "", response_timeout: str = "5s") -> ZenithProcess:
    """zenith with the usual config plus upstream `name` on `backend_port`, routed at `/<name>/`
    (with `route_options`), and everything else to the dashboard."""
    cfg = base_config(apache)
    cfg["upstream"][name] = {"servers": [f"127.0.0.1:{backend_port}"], "connect_timeout": "1s",
                             "response_timeout": response_timeout}
    return zenith_factory(cfg, f"*  /{name}/  proxy  {name}  {route_options}\n*  /  proxy  dashboard\n")


def make_certificate(directory: Path, name: str = "cert", cn: str = "localhost") -> tuple[Path, Path]:
    """A self-signed certificate for localhost and 127.0.0.1 and its key: (cert.pem, key.pem)."""
    key, cert = directory / f"{name}-key.pem", directory / f"{name}.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "2", "-subj", f"/CN={cn}",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    return cert, key


# ---------------------------------------------------------------------------------------------
# the metrics listener


def scrape(port: int) -> dict[str, float]:
    """The samples of zenith's `GET /metrics` on `port`, by name with labels."""
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def metric(samples: dict[str, float], name: str, **labels) -> float:
    """The sum of the samples of `name` whose labels include `labels`."""
    total = 0.0
    for key, value in samples.items():
        match = re.fullmatch(r"([a-z_]+)(?:\{(.*)\})?", key)
        if not match or match.group(1) != name:
            continue
        have = dict(re.findall(r'(\w+)="([^"]*)"', match.group(2) or ""))
        if all(have.get(k) == v for k, v in labels.items()):
            total += value
    return total


# ---------------------------------------------------------------------------------------------
# raw HTTP/1.1 over sockets


@dataclass
class RawResponse:
    status: int
    reason: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes
    head_bytes: bytes = b""
    chunked: bool = False
    extra: dict = field(default_factory=dict)

    def header(self, name: str, default: str | None = None) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def header_all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def has_header(self, name: str) -> bool:
        return any(k.lower() == name.lower() for k, _ in self.headers)

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Conn:
    """A client socket with a read buffer, for hand-written HTTP/1.1 exchanges."""

    def __init__(self, port: int, source: str | None = None, timeout: float = 10.0,
                 host: str = "127.0.0.1") -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        if source:
            self.sock.bind((source, 0))
        self.sock.connect((host, port))
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        data = self.sock.recv(1 << 20)
        if not data:
            return False
        self.buf += data
        return True

    def read_until(self, sep: bytes, limit: int = 1 << 20) -> bytes:
        while sep not in self.buf:
            if len(self.buf) > limit:
                raise ValueError("no separator within limit")
            if not self._fill():
                raise ConnectionError(f"closed while waiting for {sep!r}; have {self.buf[:200]!r}")
        i = self.buf.index(sep) + len(sep)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def read_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                raise ConnectionError(f"closed with {len(self.buf)} of {n} bytes")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_to_close(self) -> bytes:
        while self._fill():
            pass
        out, self.buf = self.buf, b""
        return out

    def read_response(self, method: str = "GET", body_sink=None) -> RawResponse:
        """Read one response (skipping nothing: a 1xx is returned as such)."""
        head = self.read_until(b"\r\n\r\n")
        lines = head[:-4].split(b"\r\n")
        version, _, rest = lines[0].decode("latin-1").partition(" ")
        code, _, reason = rest.partition(" ")
        headers = []
        for line in lines[1:]:
            k, _, v = line.decode("latin-1").partition(":")
            headers.append((k.strip(), v.strip()))
        resp = RawResponse(int(code), reason, version, headers, b"", head)
        status = resp.status
        if method == "HEAD" or status < 200 or status in (204, 304):
            return resp
        te = (resp.header("Transfer-Encoding") or "").lower()
        parts = []

        def take(data: bytes) -> None:
            if body_sink is not None:
                body_sink(data)
            else:
                parts.append(data)

        if "chunked" in te:
            resp.chunked = True
            while True:
                size_line = self.read_until(b"\r\n")
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.read_until(b"\r\n") != b"\r\n":  # trailers
                        pass
                    break
                remaining = size
                while remaining:
                    piece = self.read_exact(min(remaining, 1 << 20))
                    remaining -= len(piece)
                    take(piece)
                self.read_exact(2)
        elif resp.header("Content-Length") is not None:
            remaining = int(resp.header("Content-Length"))
            while remaining:
                if not self.buf and not self._fill():
                    raise ConnectionError("closed before end of body")
                piece, self.buf = self.buf[:remaining], self.buf[remaining:]
                remaining -= len(piece)
                take(piece)
        else:
            take(self.read_to_close())
        resp.body = b"".join(parts)
        return resp

    def is_closed(self, timeout: float = 3.0) -> bool:
        """True when the peer has closed (EOF or reset) within `timeout`, with no more data sent."""
        if self.buf:
            return False
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False
        if data:
            self.buf += data
            return False
        return True

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def build_request(method: str, path: str, headers: list[tuple[str, str]] | dict | None = None,
                  body: bytes = b"", host: str = "dash.example", version: str = "HTTP/1.1",
                  add_length: bool = True) -> bytes:
    hdrs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    names = {k.lower() for k, _ in hdrs}
    if host is not None and "host" not in names:
        hdrs.insert(0, ("Host", host))
    if add_length and body and "content-length" not in names and "transfer-encoding" not in names:
        hdrs.append(("Content-Length", str(len(body))))
    out = f"{method} {path} {version}\r\n".encode("latin-1")
    for k, v in hdrs:
        out += f"{k}: {v}\r\n".encode("latin-1")
    return out + b"\r\n" + body


def http_request(port: int, method: str, path: str, headers=None, body: bytes = b"",
                 source: str | None = None, timeout: float = 10.0, **kw) -> RawResponse:
    with Conn(port, source=source, timeout=timeout) as c:
        c.send(build_request(method, path, headers, body, **kw))
        return c.read_response(method)


def raw_exchange(port: int, data: bytes, timeout: float = 5.0) -> tuple[RawResponse | None, bool, bytes]:
    """Send raw bytes, read one response, then report whether the server closed the connection.

    Returns (response or None if the server sent nothing parseable, closed?, raw bytes seen).
    """
    with Conn(port, timeout=timeout) as c:
        try:
            c.send(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            resp = c.read_response()
        except (ConnectionError, ValueError, socket.timeout, OSError):
            return None, True, c.buf
        closed = c.is_closed(3.0)
        return resp, closed, resp.head_bytes


def chunked(data: bytes, size: int = 1000) -> bytes:
    out = b""
    for i in range(0, len(data), size):
        piece = data[i:i + size]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return out + b"0\r\n\r\n"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class PeakRss:
    """Samples a process' RSS in a thread; `.peak_kib` is the highest value seen."""

    def __init__(self, z: ZenithProcess, interval: float = 0.05) -> None:
        import threading

        self.z = z
        self.interval = interval
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(Exception):
                self.peak_kib = max(self.peak_kib, self.z.rss_kib())
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


# ---------------------------------------------------------------------------------------------
# comparing a request sent directly to Apache with the same request through zenith

DEFAULT_HOST = "dash.example"


def both(apache: ApacheDashboard, zenith: ZenithProcess, method: str, path: str, **kw):
    """Send the same request (requests library) to Apache and through zenith; return (direct, via)."""
    headers = {"Host": DEFAULT_HOST, **kw.pop("headers", {})}
    kw.setdefault("allow_redirects", False)
    kw.setdefault("timeout", 30)
    direct = requests.request(method, apache.url + path, headers=headers, **kw)
    via = requests.request(method, zenith.url + path, headers=headers, **kw)
    return direct, via


def raw_both(apache: ApacheDashboard, zenith: ZenithProcess, method: str, path: str, headers=None,
             body: bytes = b"", **kw) -> tuple[RawResponse, RawResponse]:
    direct = http_request(apache.port, method, path, headers, body, **kw)
    via = http_request(zenith.port, method, path, headers, body, **kw)
    return direct, via
