"""A redis-server of the test's own on a free loopback port (Debian's `redis-server`): no
persistence, stopped by `stop()` (and at exit as a last resort); `restart()` keeps its port."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from harness.processes import free_port, terminate, track, wait_for_port


class RedisServer:
    def __init__(self) -> None:
        self.port = free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="zenith-redis-"))
        self.proc: subprocess.Popen | None = None
        track(self)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> "RedisServer":
        log = self.workdir / "redis.log"
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.workdir), "--logfile", str(log)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        wait_for_port(self.port, 10, self.proc, "redis-server", log)
        return self

    def cli(self, *args: str) -> str:
        return subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True, text=True,
                              timeout=10, check=True).stdout

    def stop(self) -> None:
        if self.proc is not None:
            terminate(self.proc, 5)
            self.proc = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
