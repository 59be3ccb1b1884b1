"""The metrics listener: Prometheus text whose counters move with traffic, /healthz and /readyz."""
import os
import re
import signal

import requests
import socketio

from harness.metrics import metric, scrape
from harness.processes import free_port, wait_for_port
from harness.zenith import base_config

ROUTES = "*  /socket.io/  realtime\n*  /  proxy  dashboard\n"


def start(apache, zenith_factory, **upstream_override):
    metrics_port = free_port()
    cfg = base_config(apache)
    cfg["upstream"]["dashboard"].update(upstream_override)
    cfg["metrics"] = {"listen": f"127.0.0.1:{metrics_port}"}
    cfg["realtime"] = {"allow_missing_origin": True}
    z = zenith_factory(cfg, ROUTES)
    wait_for_port(metrics_port, 10, z.proc, "zenith metrics")  # bound just after the main listener
    return z, metrics_port


def test_counters_move_with_traffic(apache, zenith_factory):
    z, port = start(apache, zenith_factory)
    before = scrape(port)
    for _ in range(5):
        assert requests.get(z.url + "/dashboard/echo", timeout=5).status_code == 200
    assert requests.get(z.url + "/dashboard/status/404", timeout=5).status_code == 404
    sio = socketio.Client(reconnection=False)
    sio.connect(z.url, transports=["polling", "websocket"], wait_timeout=5)
    try:
        sio.sleep(0.5)
        after = scrape(port)
        assert metric(after, "zenith_requests_total", status="2xx") - metric(before, "zenith_requests_total", status="2xx") >= 5
        assert metric(after, "zenith_requests_total", status="4xx") - metric(before, "zenith_requests_total", status="4xx") >= 1
        assert metric(after, "zenith_upstream_response_seconds_count", upstream="dashboard") >= 6
        assert metric(after, "zenith_upstream_connections", upstream="dashboard", state="open") >= 1
        assert metric(after, "zenith_realtime_sessions", transport="websocket") == 1
        assert metric(after, "zenith_realtime_upgrades_total") == 1
        assert metric(after, "zenith_realtime_connects_total", result="accepted") == 1
        assert metric(after, "zenith_client_connections") >= 1
        assert sio.call("subscribe", "metrics-room", timeout=5) == {"ok": True}
        assert metric(scrape(port), "zenith_realtime_rooms") == 2  # its own id room and metrics-room
    finally:
        sio.disconnect()
    os.kill(z.pid, signal.SIGHUP)
    z.wait_stderr("reloaded")
    assert metric(scrape(port), "zenith_reloads_total", result="applied") == 1


def test_exposition_is_well_formed_and_sums_every_loop(apache, zenith_factory):
    """Each family has one TYPE line and its samples follow it; the upstream histogram's buckets
    are cumulative and end at its count. Each request has a connection of its own, so the
    requests land on every event loop, whose own counts the scrape adds up."""
    z, port = start(apache, zenith_factory)
    before = scrape(port)
    for _ in range(20):
        assert requests.get(z.url + "/dashboard/echo", timeout=5).status_code == 200
    text = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    types = {}
    family = None
    for line in text.splitlines():
        if line.startswith("# TYPE "):
            family, kind = line.split()[2:4]
            assert family not in types, f"second TYPE line for {family}"
            types[family] = kind
        elif line and not line.startswith("#"):
            name = line.split("{")[0].split(" ")[0]
            suffixes = ("_bucket", "_sum", "_count") if types[family] == "histogram" else ()
            assert name == family or name in (family + s for s in suffixes), line
    assert types["zenith_requests_total"] == "counter"
    assert types["zenith_upstream_connections"] == "gauge"
    assert types["zenith_client_connections"] == "gauge"
    assert types["zenith_upstream_response_seconds"] == "histogram"
    after = scrape(port)
    assert metric(after, "zenith_requests_total", status="2xx") - metric(before, "zenith_requests_total", status="2xx") == 20
    buckets = [
        (float(re.search(r'le="([^"]+)"', key).group(1)), value)
        for key, value in after.items()
        if key.startswith("zenith_upstream_response_seconds_bucket{") and 'upstream="dashboard"' in key
    ]
    counts = [value for _, value in sorted(buckets)]
    assert len(counts) == 12 and counts == sorted(counts)
    assert counts[-1] == metric(after, "zenith_upstream_response_seconds_count", upstream="dashboard") >= 20


def test_health_and_readiness(apache, zenith_factory):
    _, port = start(apache, zenith_factory)
    assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
    ready = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
    assert ready.status_code == 200, ready.text


def test_not_ready_when_no_upstream_server_accepts(apache, zenith_factory):
    _, port = start(apache, zenith_factory, servers=[f"127.0.0.1:{free_port()}"])
    ready = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
    assert ready.status_code == 503
    assert "upstream dashboard" in ready.text
    assert requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5).status_code == 200
