"""zenith.js in headless Chromium through HAProxy with plain round-robin in front of three
cluster nodes (issue 14, item 2): every request of the page's session may land on any node, and
events published on any node reach the page, over long-polling only and with the WebSocket
upgrade. (The official client does the same in test_official_client.py.)"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from cluster_env import balanced_cluster
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
    site = Path(tempfile.mkdtemp(prefix="zenith-cluster-page-"))
    (site / "index.html").write_text(PAGE)
    try:
        with balanced_cluster(site, [f"b{i}" for i in range(3)]) as (balancer, nodes):
            yield balancer, nodes
    finally:
        shutil.rmtree(site, ignore_errors=True)


@pytest.mark.parametrize("transports", ["polling", "polling,websocket"])
def test_the_page_gets_every_nodes_events_through_round_robin(page, balanced, transports):
    balancer, nodes = balanced
    page.get(f"{balancer.url}/index.html?transports={transports}")
    if "websocket" in transports:
        wait(page, "window.pageSocket.transport === 'websocket'")
    check_events_from_every_node(page, nodes)
