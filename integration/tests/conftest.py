"""Fixtures shared by the integration tests: the Apache+mod_wsgi+Django dashboard, the WebSocket
echo backend and static files (per session); zenith (`zenith`, shared, and `zenith_factory`);
realtime (`rt`, `zenith_survives`); the conformance server."""
from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from harness.dashboard import ApacheDashboard
from harness.paths import ZENITH_BIN
from harness.payloads import pattern
from harness.processes import free_port, wait_for_port
from harness.rabbitmq import broker  # noqa: F401 (a fixture: a RabbitMQ node per test module)
from harness.realtime import STARTED, start_realtime
from harness.redis import RedisServer
from harness.ws_echo import WebSocketEcho
from harness.zenith import base_config, start_zenith


def pytest_configure(config):
    config.addinivalue_line("markers", "big: 2 GiB transfers; run only with ZENITH_BIG=1")


def pytest_collection_modifyitems(config, items):
    if os.environ.get("ZENITH_BIG") == "1":
        return
    skip = pytest.mark.skip(reason="2 GiB test: set ZENITH_BIG=1 to run")
    for item in items:
        if "big" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def apache():
    a = ApacheDashboard()
    try:
        a.start()
        yield a
    finally:
        a.cleanup()


@pytest.fixture(scope="session")
def ws_backend():
    w = WebSocketEcho()
    try:
        w.start()
        yield w
    finally:
        w.cleanup()


SECRET_TEXT = "TOP-SECRET-" + uuid.uuid4().hex
PNG_1x1 = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")


@pytest.fixture(scope="session")
def static_root():
    """root/static is served; root/secret.txt sits next to it and must never be reachable."""
    root = Path(tempfile.mkdtemp(prefix="zenith-static-"))
    static = root / "static"
    (static / "sub").mkdir(parents=True)
    (static / "style.css").write_text("body { color: #123456; }\n")
    (static / "app.js").write_text("console.log('zenith static');\n")
    (static / "index.html").write_text("<!DOCTYPE html><html><body>static index</body></html>\n")
    (static / "data.json").write_text('{"static": true}\n')
    (static / "icon.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>\n')
    (static / "logo.png").write_bytes(PNG_1x1)
    (static / "big.bin").write_bytes(b"".join(pattern.generate(100 * 1024)))
    (static / "with space.txt").write_text("space in name\n")
    (static / "sub" / "inner.txt").write_text("inner file\n")
    (root / "secret.txt").write_text(SECRET_TEXT + "\n")
    (root / "static-private").mkdir()
    (root / "static-private" / "key.txt").write_text(SECRET_TEXT + "\n")
    os.chmod(root, 0o755)
    try:
        yield root
    finally:
        shutil.rmtree(root, ignore_errors=True)


def default_routes(static_dir: Path) -> str:
    return f"""\
# host  path-prefix               action    target                      options
*       /static/                  static    {static_dir}                max_age=1d
*       /go/                      redirect  301 https://example.org/
*       /hello/                   respond   200 hi there
*       /forbidden/               respond   403
*       /ws/                      proxy     wsecho
*       /dashboard/echo/limited/  proxy     dashboard                   body_bytes=1024
*       /                         proxy     dashboard
"""


class _ZenithHolder:
    """One shared zenith for the common config; restarted if a test made it die."""

    def __init__(self, factory):
        self.factory = factory
        self.z = None
        self.error = None

    def get(self):
        if self.error is not None:  # do not wait for a broken start once per test
            raise RuntimeError(f"shared zenith could not start:\n{self.error}")
        if self.z is None or not self.z.alive():
            if self.z is not None:
                self.z.stop()
            try:
                self.z = self.factory()
            except Exception as e:
                self.error = str(e)
                raise
        return self.z


@pytest.fixture(scope="session")
def _shared_zenith(apache, ws_backend, static_root):
    holder = _ZenithHolder(lambda: start_zenith(base_config(apache, ws_backend),
                                                default_routes(static_root / "static")))
    try:
        yield holder
    finally:
        if holder.z is not None:
            holder.z.stop()


@pytest.fixture
def zenith(_shared_zenith):
    """The shared zenith (default config and routes). Fails the test if zenith died during it."""
    z = _shared_zenith.get()
    yield z
    if not z.alive():
        pytest.fail(f"zenith exited with {z.proc.returncode} during the test\n--- stderr\n{z.stderr_text()[-4000:]}")


@pytest.fixture
def zenith_factory():
    """start_zenith(config, routes) for tests that need their own config; all stopped afterwards."""
    started = []

    def factory(config, routes_text, **kw):
        z = start_zenith(config, routes_text, **kw)
        started.append(z)
        return z

    yield factory
    for z in started:
        z.stop()


@pytest.fixture
def zenith_survives(zenith_factory):  # after zenith_factory: checked before it stops zenith
    """Fails a test during which a realtime zenith it started (start_realtime, start_auth) exited
    on its own. Realtime modules use it for every test:
    `pytestmark = pytest.mark.usefixtures("zenith_survives")`."""
    first = len(STARTED)
    yield
    for rt in STARTED[first:]:
        if not rt.stopped_on_purpose and not rt.z.alive():
            pytest.fail(f"zenith exited with {rt.z.proc.returncode} during the test\n"
                        f"--- stderr\n{rt.z.stderr_text()[-4000:]}")
    del STARTED[first:]


@pytest.fixture
def rt(zenith_factory):
    """A zenith with the realtime engine on /socket.io/ and the default realtime config (a module
    that needs another config, e.g. with `[realtime.auth]`, defines its own `rt`)."""
    return start_realtime(zenith_factory)


@pytest.fixture
def conformance():
    """`zenith conformance` on a free port (the official suites' reference-server behaviour); its port."""
    port = free_port()
    proc = subprocess.Popen([ZENITH_BIN, "conformance", "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_for_port(port, 20, proc, "zenith conformance")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def redis():
    """A redis-server of the test's own on a free loopback port (the cluster tests)."""
    server = RedisServer().start()
    yield server
    server.cleanup()
