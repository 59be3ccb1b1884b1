"""What the cluster's browser tests share: nodes on one private redis-server serving a page's
folder and `/socket.io/`, behind HAProxy with plain round-robin (the page is loaded through it),
all stopped afterwards."""
from __future__ import annotations

import contextlib
from pathlib import Path

from harness.cluster import start_cluster_node, wait_for_peers  # conftest.py puts integration/tests on sys.path
from harness.haproxy import HAProxy
from harness.redis import RedisServer
from harness.zenith import start_zenith


@contextlib.contextmanager
def balanced_cluster(site: Path, names: list[str], realtime: dict | None = None):
    """Yields (balancer, nodes): one node per name, serving `site` at `/`."""
    redis = RedisServer().start()
    started, balancer = [], None

    def factory(config, routes_text, **kw):
        started.append(start_zenith(config, routes_text, **kw))
        return started[-1]

    try:
        routes = f"*  /socket.io/  realtime\n*  /  static  {site}\n"
        nodes = [start_cluster_node(factory, redis, name, routes=routes, realtime=realtime) for name in names]
        wait_for_peers(nodes)
        balancer = HAProxy([node.port for node in nodes]).start()
        yield balancer, nodes
    finally:
        if balancer is not None:
            balancer.stop()
        for z in started:
            z.stop()
        redis.cleanup()
