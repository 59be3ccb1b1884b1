"""Several zenith nodes sharing one redis-server (`[cluster]`), each with its own listener and
publish API, serving realtime on /socket.io/ like `start_realtime`; the other nodes are trusted
proxies so that a session's requests sent on to its owner keep the client's scheme."""
from __future__ import annotations

import tempfile
import time
from pathlib import Path

import requests

from harness.auth import AUTH_ROUTES, auth_config
from harness.processes import free_port
from harness.realtime import REALTIME_ROUTES, TOKEN, Realtime, realtime_config, realtime_started
from harness.redis import RedisServer


def start_cluster_node(factory, redis: RedisServer, name: str, *, realtime: dict | None = None,
                       cluster: dict | None = None, port: int | None = None, apache=None,
                       watches: list[dict] | None = None, routes: str | None = None,
                       extra: dict | None = None, publish: dict | None = None) -> Realtime:
    """A node serving anonymous realtime, or, with `apache`, realtime with `[realtime.auth]`
    against the fixture dashboard and the given `[[watch]]` entries; `routes` replaces the
    routes file; `extra` adds top-level sections (such as `[notifications]`); `publish` goes over
    the anonymous node's `[publish]` defaults."""
    port = port or free_port()
    publish_port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix=f"zenith-{name}-"))
    (workdir / "token").write_text(TOKEN + "\n")
    if apache is None:
        cfg, routes_text = realtime_config(publish_port, realtime, publish), REALTIME_ROUTES
    else:
        cfg, routes_text = auth_config(apache, publish_port, realtime, watches=watches), AUTH_ROUTES
    cfg["cluster"] = {"redis": redis.url, "node": name, "advertise": f"127.0.0.1:{port}", **(cluster or {})}
    cfg["proxy"] = {"trusted_proxies": ["127.0.0.1"]}
    cfg["metrics"] = {"listen": f"127.0.0.1:{free_port()}"}
    cfg.update(extra or {})
    z = factory(cfg, routes or routes_text, port=port, workdir=workdir)
    return realtime_started(z, publish_port, TOKEN, cfg)


def metrics_url(node: Realtime) -> str:
    return f"http://{node.config['metrics']['listen']}"


def wait_for_peers(nodes: list[Realtime], timeout: float = 10.0) -> None:
    """Until every node's zenith_cluster_peers says it knows all the others."""
    deadline = time.monotonic() + timeout
    want = len(nodes) - 1
    for node in nodes:
        while True:
            text = requests.get(metrics_url(node) + "/metrics", timeout=2).text
            lines = [line for line in text.splitlines() if line.startswith("zenith_cluster_peers")]
            if lines and float(lines[0].split()[-1]) == want:
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"{node.z.url} knows {lines} peers, want {want}\n{node.z.stderr_text()[-3000:]}")
            time.sleep(0.1)


def wait_for_redis(nodes: list[Realtime], up: bool = True, timeout: float = 15.0) -> None:
    """Until both of every node's connections to Redis are up (or both down), per its metrics."""
    deadline = time.monotonic() + timeout
    for node in nodes:
        while True:
            text = requests.get(metrics_url(node) + "/metrics", timeout=2).text
            values = [float(line.split()[-1]) for line in text.splitlines() if line.startswith("zenith_cluster_redis_up")]
            if len(values) == 2 and all(v == (1 if up else 0) for v in values):
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"{node.z.url}: zenith_cluster_redis_up {values}, want {'up' if up else 'down'}")
            time.sleep(0.1)


def forwards(nodes: list[Realtime]) -> float:
    """Requests the nodes sent on to their sessions' owners, all together."""
    total = 0.0
    for node in nodes:
        for line in requests.get(metrics_url(node) + "/metrics", timeout=2).text.splitlines():
            if line.startswith("zenith_cluster_forwards_total"):
                total += float(line.split()[-1])
    return total
