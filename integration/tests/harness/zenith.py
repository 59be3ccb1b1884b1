"""The zenith binary under test: `start_zenith(config, routes)` writes zenith.toml (from a dict or
text) and the routes file, runs `zenith run --config` and waits for its listener;
`base_config(apache)` is the config most tests start from."""
from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from harness.dashboard import ApacheDashboard
from harness.memory import status_kib
from harness.paths import ZENITH_BIN
from harness.processes import free_port, terminate, track
from harness.toml_writer import to_toml
from harness.ws_echo import WebSocketEcho


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

    def rss_kib(self) -> int:
        return status_kib(self.proc.pid, "VmRSS")

    def peak_rss_kib(self) -> int:
        return status_kib(self.proc.pid, "VmHWM")

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        terminate(self.proc, 5)
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
    track(z)
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
