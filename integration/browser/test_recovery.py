"""Connection state recovery (issue 16) with zenith.js in headless Chromium: the page's
connection is cut under it by a relay in between, events are published meanwhile, and the
reconnected socket has its old id, `recovered`, its room, and every event once, in order.
(The official client does the same in test_official_client.py.)"""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from harness.realtime import start_realtime
from harness.tcp_relay import TCPRelay
from harness.zenith import start_zenith
from page_checks import check_recovery_after_a_cut

PAGE = """<!DOCTYPE html><html><head><title>recovery</title><script src="/socket.io/zenith.js"></script></head>
<body><script>
  window.__news = []; window.__connects = [];
  const transports = new URLSearchParams(location.search).get("transports").split(",");
  const socket = zenith.connect({ transports, reconnectionDelay: 200, reconnectionDelayMax: 500 });
  socket.on("news", data => window.__news.push(data));
  socket.on("connect", () => window.__connects.push({ id: socket.id, recovered: socket.recovered }));
  socket.subscribe("r").then(ack => { window.__subscribed = ack; });
  window.pageSocket = socket;
</script></body></html>
"""


@pytest.fixture
def served():
    site = Path(tempfile.mkdtemp(prefix="zenith-recovery-page-"))
    (site / "index.html").write_text(PAGE)
    started = []

    def factory(config, routes_text, **kw):
        z = start_zenith(config, f"*  /socket.io/  realtime\n*  /  static  {site}\n", **kw)
        started.append(z)
        return z

    rt = start_realtime(factory, realtime={"recovery": "2m"})
    relay = TCPRelay(rt.port)
    try:
        yield rt, relay
    finally:
        relay.stop()
        for z in started:
            z.stop()
        shutil.rmtree(site, ignore_errors=True)


@pytest.mark.parametrize("transports", ["websocket", "polling"])
def test_a_cut_connection_comes_back_as_the_same_socket_with_what_it_missed(page, served, transports):
    rt, relay = served
    page.get(f"http://127.0.0.1:{relay.port}/index.html?transports={transports}")
    check_recovery_after_a_cut(page, rt, relay)
