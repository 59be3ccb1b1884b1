"""Upstream server lists: round-robin with passive health, and idle tunnels closed by the timeout."""
import time

import websocket

from harness.processes import free_port
from harness.raw_http import http_request
from harness.zenith import base_config


def test_refusing_server_is_skipped_and_requests_still_succeed(apache, zenith_factory):
    dead = free_port()  # nothing listens there: connects are refused
    cfg = base_config(apache)
    cfg["upstream"]["dashboard"]["servers"] = [f"127.0.0.1:{dead}", f"127.0.0.1:{apache.port}"]
    cfg["upstream"]["dashboard"]["fail_timeout"] = "60s"
    z = zenith_factory(cfg, "*  /  proxy  dashboard\n")
    for _ in range(30):
        # Connection: close forces a new upstream connection each time, so round-robin is consulted.
        r = http_request(z.port, "GET", "/dashboard/echo", headers=[("Connection", "close")])
        assert r.status == 200
    # Lines naming the dead server, but the start-up line that lists the upstream's servers.
    failures = sum(1 for line in z.stderr_text().splitlines()
                   if f"127.0.0.1:{dead}" in line and "zenith: upstream name=" not in line)
    # Each event loop tries the dead server once, then skips it for fail_timeout.
    assert 1 <= failures <= 4, f"the refusing server was tried {failures} times"


def test_all_servers_down_is_502(apache, zenith_factory):
    cfg = base_config(apache)
    cfg["upstream"]["dashboard"]["servers"] = [f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"]
    z = zenith_factory(cfg, "*  /  proxy  dashboard\n")
    assert http_request(z.port, "GET", "/dashboard/echo").status == 502


def test_idle_tunnel_is_closed_after_the_route_timeout(apache, ws_backend, zenith_factory):
    z = zenith_factory(base_config(apache, ws_backend), "*  /ws/  proxy  wsecho  timeout=1s\n")
    ws = websocket.create_connection(f"ws://127.0.0.1:{z.port}/ws/echo", timeout=10)
    ws.send("still here")
    assert ws.recv() == "still here"
    started = time.monotonic()
    try:
        ws.recv()  # nothing comes; the tunnel must be cut after ~1 s of silence
        raise AssertionError("received data on an idle tunnel")
    except (websocket.WebSocketConnectionClosedException, ConnectionResetError):
        pass
    elapsed = time.monotonic() - started
    assert 0.5 < elapsed < 5, f"idle tunnel closed after {elapsed:.1f}s"
