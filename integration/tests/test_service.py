"""Running as a system service: sd_notify messages, reload without dropping anything, drain on
stop, and a unit file that systemd accepts."""
import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests
import websocket

from harness.paths import ZENITH_BIN
from harness.processes import free_port, wait_for_port
from harness.zenith import base_config

ROUTES = "*  /ws/  proxy  wsecho\n*  /  proxy  dashboard\n"
REPO = Path(__file__).resolve().parents[2]


class NotifySocket:
    """A datagram socket standing in for systemd's NOTIFY_SOCKET; collects the messages."""

    def __init__(self):
        self.path = os.path.join(tempfile.mkdtemp(prefix="zenith-notify-"), "notify")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.1)
        self.messages: list[tuple[float, str]] = []

    def collect(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.messages.append((time.monotonic(), self.sock.recv(4096).decode()))
            except socket.timeout:
                pass

    def wait_for(self, text: str, timeout: float = 5.0) -> float:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for at, message in self.messages:
                if text in message.split("\n"):
                    return at
            self.collect(0.1)
        raise AssertionError(f"no {text!r} within {timeout}s; got {[m for _, m in self.messages]}")

    def count(self, text: str) -> int:
        return sum(1 for _, message in self.messages if text in message.split("\n"))


def test_sd_notify_ready_reloading_watchdog_and_stopping(apache, ws_backend, zenith_factory):
    notify = NotifySocket()
    z = zenith_factory(base_config(apache, ws_backend), ROUTES,
                       env={"NOTIFY_SOCKET": notify.path, "WATCHDOG_USEC": "400000"})
    notify.wait_for("READY=1")
    # READY came after the bind: the port answers by now.
    assert requests.get(z.url + "/dashboard/echo", timeout=5).status_code == 200
    notify.collect(1.2)
    assert notify.count("WATCHDOG=1") >= 3, notify.messages  # every 0.2 s while the loops run
    os.kill(z.pid, signal.SIGHUP)
    reloading = notify.wait_for("RELOADING=1")
    assert notify.count("READY=1") >= 1
    notify.collect(0.5)
    assert [at for at, m in notify.messages if "READY=1" in m.split("\n") and at > reloading], \
        "no READY=1 after RELOADING=1"
    os.kill(z.pid, signal.SIGTERM)
    notify.wait_for("STOPPING=1")
    assert z.proc.wait(timeout=10) == 0


def test_no_watchdog_pings_when_systemd_asks_for_none(apache, ws_backend, zenith_factory):
    notify = NotifySocket()
    zenith_factory(base_config(apache, ws_backend), ROUTES, env={"NOTIFY_SOCKET": notify.path})
    notify.wait_for("READY=1")
    notify.collect(0.8)
    assert notify.count("WATCHDOG=1") == 0


def test_reload_under_steady_load_fails_no_request_and_keeps_websockets(apache, ws_backend, zenith_factory):
    z = zenith_factory(base_config(apache, ws_backend), ROUTES)
    ws = websocket.create_connection(f"ws://127.0.0.1:{z.port}/ws/echo", timeout=10)
    failures, done, stop = [], [0], threading.Event()

    def load():
        session = requests.Session()
        while not stop.is_set():
            try:
                r = session.get(z.url + "/dashboard/echo", timeout=5)
                if r.status_code != 200:
                    failures.append(r.status_code)
            except requests.RequestException as error:
                failures.append(repr(error))
            done[0] += 1

    threads = [threading.Thread(target=load) for _ in range(4)]
    for t in threads:
        t.start()
    try:
        time.sleep(0.5)
        (z.workdir / "routes").write_text("*  /reloaded  respond 200 yes\n" + ROUTES)
        os.kill(z.pid, signal.SIGHUP)
        z.wait_stderr("reloaded")
        time.sleep(0.7)
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert done[0] > 20 and failures == [], f"{len(failures)} of {done[0]} requests failed: {failures[:3]}"
    assert requests.get(z.url + "/reloaded", timeout=5).text == "yes\n"
    ws.send("after reload")
    assert ws.recv() == "after reload"
    ws.close()


def test_bad_config_on_reload_is_refused_and_the_old_one_stays(apache, ws_backend, zenith_factory):
    z = zenith_factory(base_config(apache, ws_backend), ROUTES)
    (z.workdir / "routes").write_text("*  /  proxy  nowhere\n")
    os.kill(z.pid, signal.SIGHUP)
    text = z.wait_stderr("reload refused")
    assert "reload refused" in text and "unknown upstream" in text
    assert requests.get(z.url + "/dashboard/echo", timeout=5).status_code == 200


@pytest.mark.parametrize("bad_toml", ["a=[}]\n", "[\n", "[!x]\n"], ids=["array-terminator", "bracket-alone", "bad-header"])
def test_a_config_the_toml_parser_chokes_on_is_refused_without_killing_the_proxy(apache, ws_backend, zenith_factory,
                                                                                bad_toml):
    """toml++ aborts on some malformed TOML instead of reporting it (the fuzzers found these): a
    SIGHUP sent by hand with such a file must cost only the reload."""
    z = zenith_factory(base_config(apache, ws_backend), ROUTES)
    config = z.config_path.read_text()
    z.config_path.write_text(bad_toml + config)
    os.kill(z.pid, signal.SIGHUP)
    text = z.wait_stderr("reload refused")
    assert "reload refused" in text
    assert z.alive()
    assert requests.get(z.url + "/dashboard/echo", timeout=5).status_code == 200
    # `zenith check` reports it as a syntax error on the file (exit 2), not with a core dump.
    check = subprocess.run([ZENITH_BIN, "check", "--config", str(z.config_path)], capture_output=True, text=True)
    assert check.returncode == 2 and "TOML syntax error" in check.stderr, (check.returncode, check.stderr)


def test_stop_drains_a_slow_request_then_exits_cleanly(apache, ws_backend, zenith_factory):
    z = zenith_factory(base_config(apache, ws_backend), ROUTES)
    result = {}

    def slow():
        result["response"] = requests.get(z.url + "/dashboard/slow?seconds=2", timeout=10)

    t = threading.Thread(target=slow)
    t.start()
    time.sleep(0.5)
    os.kill(z.pid, signal.SIGTERM)
    time.sleep(0.3)
    try:
        socket.create_connection(("127.0.0.1", z.port), timeout=1).close()
        refused = False
    except OSError:
        refused = True
    t.join()
    assert refused, "zenith still accepted connections while draining"
    assert result["response"].status_code == 200
    assert z.proc.wait(timeout=10) == 0


def test_unit_files_pass_systemd_analyze_verify(tmp_path):
    unit = (REPO / "systemd" / "zenith.service").read_text().replace("/usr/local/bin/zenith", os.path.abspath(ZENITH_BIN))
    (tmp_path / "zenith.service").write_text(unit)
    (tmp_path / "zenith.socket").write_text((REPO / "systemd" / "zenith.socket").read_text())
    result = subprocess.run(["systemd-analyze", "verify", str(tmp_path / "zenith.service"), str(tmp_path / "zenith.socket")],
                            capture_output=True, text=True, timeout=60)
    problems = [line for line in (result.stdout + result.stderr).splitlines()
                if "zenith." in line and not re.search(r"Failed to resolve|ConditionPath", line)]
    assert result.returncode == 0 and not problems, result.stdout + result.stderr


def test_zenith_serves_as_an_unprivileged_user(apache):
    """The unit runs Zenith as user `zenith` with no capability but CAP_NET_BIND_SERVICE. Socket
    options that need more (a level mix-up once set SO_DEBUG instead of TCP_NODELAY, which only
    root may) must not cost the connections: as `nobody`, a proxied request and a realtime
    handshake are answered."""
    if os.geteuid() != 0:
        pytest.skip("needs root to start zenith as another user")
    tmp_path = Path(tempfile.mkdtemp(prefix="zenith-nobody-"))  # under /tmp, reachable by `nobody`
    port = free_port()
    (tmp_path / "zenith.toml").write_text(
        f'routes = "routes"\n[listen]\nhttp = ["127.0.0.1:{port}"]\n'
        f'[upstream.dashboard]\nservers = ["127.0.0.1:{apache.port}"]\n'
    )
    (tmp_path / "routes").write_text("*  /socket.io/  realtime\n*  /  proxy  dashboard\n")
    os.chmod(tmp_path, 0o755)
    binary = tmp_path / "zenith"
    shutil.copy(ZENITH_BIN, binary)  # a path `nobody` can reach whatever the checkout's modes
    proc = subprocess.Popen(["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", "--inh-caps=-all",
                             str(binary), "run", "--config", str(tmp_path / "zenith.toml")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        wait_for_port(port, 15, proc, "zenith as nobody")
        assert requests.get(f"http://127.0.0.1:{port}/dashboard/", timeout=5, allow_redirects=False).status_code < 500
        handshake = requests.get(f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling", timeout=5)
        assert handshake.status_code == 200 and handshake.text.startswith("0{"), handshake.text
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(10)
        shutil.rmtree(tmp_path, ignore_errors=True)
