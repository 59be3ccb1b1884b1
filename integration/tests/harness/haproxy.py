"""Debian's HAProxy as the load balancer in front of several zenith nodes: plain round-robin,
no stickiness of any kind, a refused connection redispatched to the next node, on a free
loopback port; stopped by `stop()`."""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from harness.processes import free_port, terminate, track, wait_for_port


class HAProxy:
    def __init__(self, backend_ports: list[int]) -> None:
        self.port = free_port()
        self.workdir = Path(tempfile.mkdtemp(prefix="zenith-haproxy-"))
        servers = "\n".join(f"    server node{i} 127.0.0.1:{p}" for i, p in enumerate(backend_ports))
        (self.workdir / "haproxy.cfg").write_text(f"""\
global
    maxconn 4096
defaults
    mode http
    timeout connect 2s
    timeout client 60s
    timeout server 60s
    timeout tunnel 120s
    option http-server-close
    # As an operator sets it: a node that refuses connections (stopped, killed) gets no request
    # of a new session; the request goes to the next node at once.
    retries 2
    option redispatch 1
frontend front
    bind 127.0.0.1:{self.port}
    default_backend nodes
backend nodes
    balance roundrobin
{servers}
""")
        self.proc: subprocess.Popen | None = None
        track(self)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "HAProxy":
        log = self.workdir / "haproxy.log"
        with open(log, "wb") as out:
            self.proc = subprocess.Popen(["haproxy", "-db", "-f", str(self.workdir / "haproxy.cfg")],
                                         stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        wait_for_port(self.port, 10, self.proc, "haproxy", log)
        return self

    def stop(self) -> None:
        if self.proc is not None:
            terminate(self.proc, 5)
            self.proc = None
        shutil.rmtree(self.workdir, ignore_errors=True)
