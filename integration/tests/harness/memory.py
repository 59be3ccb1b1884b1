"""Memory of a running process: its resident set now and its peak (from /proc), and `PeakRss`,
which samples it in a thread while a test runs."""
from __future__ import annotations

import contextlib
import threading


def status_kib(pid: int, key: str) -> int:
    """A `kB` field of /proc/<pid>/status (VmRSS, VmHWM, ...)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{key} not in /proc/{pid}/status")


class PeakRss:
    """Samples a process' RSS in a thread; `.peak_kib` is the highest value seen."""

    def __init__(self, z, interval: float = 0.05) -> None:
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
