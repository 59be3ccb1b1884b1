"""Upstream server lists: round-robin with passive health, the connection limit (requests wait
for a released connection, at most connect_timeout), and idle tunnels closed by the timeout."""
import os
import time
from concurrent.futures import ThreadPoolExecutor

import websocket

from harness.processes import free_port
from harness.raw_http import http_request
from harness.recording_backend import RecordingBackend
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


def _pool_of_one_per_loop(apache, zenith_factory, backend, connect_timeout):
    """zenith whose upstream `rec` may hold one connection per event loop (one loop per usable CPU,
    and `max_connections` is shared out between them)."""
    loops = len(os.sched_getaffinity(0))
    cfg = base_config(apache)
    cfg["upstream"]["rec"] = {"servers": [f"127.0.0.1:{backend.port}"], "max_connections": loops,
                              "connect_timeout": connect_timeout, "response_timeout": "10s"}
    return loops, zenith_factory(cfg, "*  /rec/  proxy  rec\n*  /  proxy  dashboard\n")


def _concurrent_gets(port, paths):
    """(status, seconds taken) of each GET, all sent at once on their own connections."""
    def timed(path):
        started = time.monotonic()
        return http_request(port, "GET", path, timeout=20).status, time.monotonic() - started
    with ThreadPoolExecutor(len(paths)) as pool:
        return list(pool.map(timed, paths))


def test_requests_beyond_max_connections_wait_for_a_released_connection(apache, zenith_factory):
    backend = RecordingBackend()
    try:
        loops, z = _pool_of_one_per_loop(apache, zenith_factory, backend, "10s")
        # Accepted connections are spread over the loops in turn: two requests per loop, one
        # backend connection each, so every loop's second request waits for its first to end.
        results = _concurrent_gets(z.port, [f"/rec/slow?s=1&n={i}" for i in range(2 * loops)])
        assert [status for status, _ in results] == [200] * (2 * loops)
        assert max(took for _, took in results) >= 1.9, results
        assert len(backend.connections) <= loops, [c.requests for c in backend.connections]
    finally:
        backend.stop()


def test_a_request_that_waits_connect_timeout_for_a_connection_is_503(apache, zenith_factory):
    backend = RecordingBackend()
    try:
        loops, z = _pool_of_one_per_loop(apache, zenith_factory, backend, "1s")
        # Three requests per loop: the first holds the loop's connection for 3 s, the two that
        # wait behind it are answered 503 once they have waited connect_timeout.
        results = _concurrent_gets(z.port, [f"/rec/slow?s=3&n={i}" for i in range(3 * loops)])
        served = [took for status, took in results if status == 200]
        refused = [took for status, took in results if status == 503]
        assert len(served) == loops and len(refused) == 2 * loops, results
        assert all(0.9 <= took < 2.5 for took in refused), results
        assert all(took >= 2.9 for took in served), results
        # A connection is free again once its exchange ended: nothing waits on a stale queue.
        assert http_request(z.port, "GET", "/rec/ok").status == 200
    finally:
        backend.stop()
