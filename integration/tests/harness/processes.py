"""Child processes and ports: free loopback ports, waiting for a listener, stopping a process
group, and a last-resort registry that stops every started process at interpreter exit."""
from __future__ import annotations

import atexit
import collections
import contextlib
import os
import pwd
import signal
import socket
import subprocess
import time
from pathlib import Path

_live: list = []  # every process object started by the harness, stopped at exit as a last resort


def track(process_object):
    """Register an object with a `stop()` method to be stopped at exit; returns it."""
    _live.append(process_object)
    return process_object


@atexit.register
def _stop_all() -> None:
    for proc in reversed(_live):
        with contextlib.suppress(Exception):
            proc.stop()



# Ports this process handed out lately. The kernel may hand the same free port to two bind(0)
# calls in a row once the first socket is closed, and a test that asks for two ports (a listener
# and the publish API, say) then configures both on one and fails with EADDRINUSE (seen in CI).
_recent_ports: collections.deque[int] = collections.deque(maxlen=256)


def free_port() -> int:
    """A 127.0.0.1 TCP port that is free now and was not handed out by the last 256 calls."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port not in _recent_ports:
            _recent_ports.append(port)
            return port


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



def terminate(proc: subprocess.Popen, timeout: float = 10.0, group: bool = True) -> None:
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


def chown_tree(path: Path, user: str) -> None:
    if os.geteuid() != 0:
        return
    pw = pwd.getpwnam(user)
    for root, dirs, files in os.walk(path):
        os.chown(root, pw.pw_uid, pw.pw_gid)
        for name in files:
            os.chown(os.path.join(root, name), pw.pw_uid, pw.pw_gid)

