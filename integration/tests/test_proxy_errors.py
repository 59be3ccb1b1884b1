"""Backend failures: down → 502, slow → 504, each with a small page (HTML, or JSON when asked)."""
import json
import time

from harness.processes import free_port
from harness.raw_http import http_request
from harness.zenith import base_config


def _down_config(apache):
    cfg = base_config(apache)
    cfg["upstream"]["down"] = {"servers": [f"127.0.0.1:{free_port()}"], "connect_timeout": "1s",
                               "response_timeout": "2s"}
    return cfg


ROUTES_DOWN = "*  /down/  proxy  down\n*  /  proxy  dashboard\n"


def test_backend_down_502_html(apache, zenith_factory):
    z = zenith_factory(_down_config(apache), ROUTES_DOWN)
    t0 = time.monotonic()
    r = http_request(z.port, "GET", "/down/page", [("Accept", "text/html,application/xhtml+xml,*/*;q=0.8")])
    assert time.monotonic() - t0 < 3.0, "a refused connection is reported at once"
    assert r.status == 502
    assert r.header("Content-Type", "").startswith("text/html"), r.headers
    assert 0 < len(r.body) < 4096
    assert b"502" in r.body
    assert b"127.0.0.1:" not in r.body, "the page must not reveal backend addresses"


def test_backend_down_502_json(apache, zenith_factory):
    z = zenith_factory(_down_config(apache), ROUTES_DOWN)
    r = http_request(z.port, "GET", "/down/api/thing", [("Accept", "application/json")])
    assert r.status == 502
    assert r.header("Content-Type", "").startswith("application/json"), r.headers
    assert len(r.body) < 4096
    json.loads(r.body)  # a JSON document, whatever its fields


def test_backend_down_does_not_affect_other_routes_or_process(apache, zenith_factory):
    z = zenith_factory(_down_config(apache), ROUTES_DOWN)
    for _ in range(5):
        assert http_request(z.port, "GET", "/down/x").status == 502
    assert http_request(z.port, "GET", "/dashboard/whoami").status == 200
    assert z.alive()


def test_backend_slow_504(apache, zenith_factory):
    cfg = base_config(apache)
    cfg["upstream"]["dashboard"]["response_timeout"] = "1s"
    z = zenith_factory(cfg, "*  /  proxy  dashboard\n")
    t0 = time.monotonic()
    r = http_request(z.port, "GET", "/dashboard/slow?seconds=4", [("Accept", "text/html")], timeout=10)
    elapsed = time.monotonic() - t0
    assert r.status == 504
    assert 0.8 < elapsed < 3.0, f"504 after {elapsed:.2f}s with response_timeout 1s"
    assert r.header("Content-Type", "").startswith("text/html") and len(r.body) < 4096
    r = http_request(z.port, "GET", "/dashboard/slow?seconds=4", [("Accept", "application/json")], timeout=10)
    assert r.status == 504 and r.header("Content-Type", "").startswith("application/json")
    json.loads(r.body)
    # a fast request right after still works
    assert http_request(z.port, "GET", "/dashboard/slow?seconds=0.1").status == 200


def test_route_timeout_option_overrides_upstream(apache, zenith_factory):
    cfg = base_config(apache)
    cfg["upstream"]["dashboard"]["response_timeout"] = "10s"
    z = zenith_factory(cfg, "*  /dashboard/slow  proxy  dashboard  timeout=1s\n*  /  proxy  dashboard\n")
    t0 = time.monotonic()
    assert http_request(z.port, "GET", "/dashboard/slow?seconds=3", timeout=10).status == 504
    assert time.monotonic() - t0 < 2.5
    assert http_request(z.port, "GET", "/dashboard/echo").status == 200


def test_backend_dies_mid_response_is_not_a_hang(apache, zenith_factory):
    """A backend that accepts and closes without answering → 502, promptly."""
    import socket
    import threading

    lsock = socket.socket()
    lsock.bind(("127.0.0.1", 0))
    lsock.listen(16)
    port = lsock.getsockname()[1]
    stop = threading.Event()

    def serve():
        lsock.settimeout(0.2)
        while not stop.is_set():
            try:
                c, _ = lsock.accept()
            except OSError:
                continue
            c.recv(65536)
            c.close()

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        cfg = base_config(apache)
        cfg["upstream"]["closer"] = {"servers": [f"127.0.0.1:{port}"], "connect_timeout": "1s",
                                     "response_timeout": "5s"}
        z = zenith_factory(cfg, "*  /closer/  proxy  closer\n*  /  proxy  dashboard\n")
        t0 = time.monotonic()
        r = http_request(z.port, "GET", "/closer/x", timeout=10)
        assert r.status == 502
        assert time.monotonic() - t0 < 3.0
    finally:
        stop.set()
        t.join()
        lsock.close()
