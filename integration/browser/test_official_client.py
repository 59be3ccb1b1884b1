"""The official Socket.IO browser client (socket.io.min.js) in headless Chromium, on a page
Zenith serves: through round-robin HAProxy in front of three cluster nodes (issue 14), and
recovering its socket after its connection is cut (issue 16).

The bundle is not in the repository: it is read from `SOCKET_IO_CLIENT` (a path; scripts/test
sets it from scripts/official-client: 4.8.3 from ../shared where it is, else the official 4.8.1
that NiceGUI's wheel ships) or from `../shared/conformance/vendor/socket.io.min.js` next to the
checkout. Without it these tests cannot run and say so (zenith.js covers the same paths in
test_cluster_balancer.py and test_recovery.py)."""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

from cluster_env import balanced_cluster
from harness.realtime import start_realtime
from harness.tcp_relay import TCPRelay
from harness.zenith import start_zenith
from page_checks import check_events_from_every_node, check_recovery_after_a_cut, wait

BUNDLE = Path(os.environ.get("SOCKET_IO_CLIENT")
              or Path(__file__).resolve().parents[3] / "shared" / "conformance" / "vendor" / "socket.io.min.js")

pytestmark = pytest.mark.skipif(not BUNDLE.is_file(), reason=f"the official client bundle is not at {BUNDLE}")

BALANCED_PAGE = """<!DOCTYPE html><html><head><script src="/socket.io.min.js"></script></head><body><script>
  const transports = new URLSearchParams(location.search).get("transports").split(",");
  window.__news = [];
  const socket = io({ transports, reconnection: false });
  socket.on("news", data => window.__news.push(data));
  socket.on("connect", () => socket.emit("subscribe", "lobby", ack => { window.__subscribed = ack; }));
  window.pageSocket = socket;
</script></body></html>
"""

RECOVERY_PAGE = """<!DOCTYPE html><html><head><script src="/socket.io.min.js"></script></head><body><script>
  window.__news = []; window.__connects = [];
  const transports = new URLSearchParams(location.search).get("transports").split(",");
  const socket = io({ transports, reconnectionDelay: 200, reconnectionDelayMax: 500 });
  socket.on("news", data => window.__news.push(data));
  socket.on("connect", () => {
    window.__connects.push({ id: socket.id, recovered: socket.recovered });
    if (!socket.recovered) socket.emit("subscribe", "r", ack => { window.__subscribed = ack; });
  });
  window.pageSocket = socket;
</script></body></html>
"""


def site_with(page: str) -> Path:
    site = Path(tempfile.mkdtemp(prefix="zenith-official-client-"))
    (site / "index.html").write_text(page)
    shutil.copy(BUNDLE, site / "socket.io.min.js")
    return site


@pytest.mark.parametrize("transports", ["polling", "polling,websocket"])
def test_official_client_through_round_robin_haproxy_over_three_nodes(page, transports):
    site = site_with(BALANCED_PAGE)
    try:
        with balanced_cluster(site, [f"c{i}" for i in range(3)]) as (balancer, nodes):
            page.get(f"{balancer.url}/index.html?transports={transports}")
            if "websocket" in transports:
                wait(page, "window.pageSocket.io.engine.transport.name === 'websocket'")
            check_events_from_every_node(page, nodes)
    finally:
        shutil.rmtree(site, ignore_errors=True)


@pytest.mark.parametrize("transports", ["websocket", "polling"])
def test_official_client_recovers_its_socket_after_the_connection_is_cut(page, transports):
    site = site_with(RECOVERY_PAGE)
    started = []

    def factory(config, routes_text, **kw):
        started.append(start_zenith(config, f"*  /socket.io/  realtime\n*  /  static  {site}\n", **kw))
        return started[-1]

    rt = start_realtime(factory, realtime={"recovery": "2m"})
    relay = TCPRelay(rt.port)
    try:
        page.get(f"http://127.0.0.1:{relay.port}/index.html?transports={transports}")
        check_recovery_after_a_cut(page, rt, relay)
    finally:
        relay.stop()
        for z in started:
            z.stop()
        shutil.rmtree(site, ignore_errors=True)
