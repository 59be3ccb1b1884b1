"""zenith.js in headless Chromium through HAProxy with plain round-robin in front of three
cluster nodes (issue 14, item 2): every request of the page's session may land on any node, and
events published on any node reach the page, over long-polling only and with the WebSocket
upgrade. (The official client does the same in test_official_client.py.)"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from harness.cluster import start_cluster_node, wait_for_peers
from harness.haproxy import HAProxy
from harness.redis import RedisServer
from harness.zenith import start_zenith
from page_checks import check_events_from_every_node, wait

PAGE = """<!DOCTYPE html><html><head><title>cluster</title><script src="/socket.io/zenith.js"></script></head>
<body><script>
  const transports = new URLSearchParams(location.search).get("transports").split(",");
  window.__news = [];
  window.__sids = new Set();
  const socket = zenith.connect({ transports, reconnection: false });
  socket.on("news", data => window.__news.push(data));
  socket.on("connect", () => { socket.subscribe("lobby").then(ack => { window.__subscribed = ack; }); });
  window.pageSocket = socket;
</script></body></html>
"""


@pytest.fixture
def balanced():
    redis = RedisServer().start()
    site = Path(tempfile.mkdtemp(prefix="zenith-cluster-page-"))
    (site / "index.html").write_text(PAGE)
    routes = f"*  /socket.io/  realtime\n*  /  static  {site}\n"
    started = []

    def factory(config, routes_text, **kw):
        z = start_zenith(config, routes_text, **kw)
        started.append(z)
        return z

    balancer = None
    try:
        nodes = [
            start_cluster_node(factory, redis, f"b{i}", routes=routes)
            for i in range(3)
        ]
        wait_for_peers(nodes)
        balancer = HAProxy([node.port for node in nodes]).start()
        yield balancer, nodes
    finally:
        if balancer is not None:
            balancer.stop()
        for z in started:
            z.stop()
        redis.cleanup()
        shutil.rmtree(site, ignore_errors=True)


@pytest.mark.parametrize("transports", ["polling", "polling,websocket"])
def test_the_page_gets_every_nodes_events_through_round_robin(page, balanced, transports):
    balancer, nodes = balanced
    page.get(f"{balancer.url}/index.html?transports={transports}")
    if "websocket" in transports:
        wait(page, "window.pageSocket.transport === 'websocket'")
    check_events_from_every_node(page, nodes)
