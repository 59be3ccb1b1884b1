"""The WebSocket echo backend (ws_echo_server.py, python `websockets`) in a subprocess."""
from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from harness.processes import free_port, terminate, track, wait_for_port

WS_ECHO_SCRIPT = Path(__file__).resolve().parent / "ws_echo_server.py"


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
        track(self)
        try:
            wait_for_port(self.port, 15, self.proc, "ws_echo_server.py", log)
        except Exception:
            self.stop()
            raise
        return self

    def logs(self) -> str:
        return (self.dir / "ws.log").read_text(errors="replace")

    def stop(self) -> None:
        if self.proc is not None:
            terminate(self.proc, 5)
            self.proc = None
            self.out.close()

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
