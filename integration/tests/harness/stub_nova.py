"""The stub Nova of ../shared/horizon (stub_openstack.py, beside the repository), run alone on a
free port with `STUB_TRANSPORT_URL`: for every server change made through its control API it
publishes what Nova publishes, through oslo.messaging (see that folder's README)."""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import requests

from harness.paths import REPO
from harness.processes import free_port, terminate, track, wait_for_port

STUB = REPO.parent / "shared" / "horizon" / "stub_openstack.py"


class StubNova:
    def __init__(self, transport_url: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = Path(tempfile.mkdtemp(prefix="zenith-stub-nova-")) / "stub.log"
        with open(self.log, "wb") as out:
            self.proc = subprocess.Popen(
                [sys.executable, str(STUB), "--port", str(self.port)], stdout=out, stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL, start_new_session=True,
                env={**os.environ, "STUB_TRANSPORT_URL": transport_url, "PYTHONWARNINGS": "ignore"})
        track(self)
        wait_for_port(self.port, 20, self.proc, "stub_openstack.py", self.log)

    def state(self) -> dict:
        return requests.get(self.url + "/_stub/state", timeout=5).json()

    def change_server(self, server_id: str, **fields) -> None:
        r = requests.post(f"{self.url}/_stub/servers/{server_id}", json=fields, timeout=10)
        assert r.status_code < 300, (r.status_code, r.text)

    def stop(self) -> None:
        terminate(self.proc, 5)
