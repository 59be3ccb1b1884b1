"""Connection state recovery in a cluster (issue 16) with a real client in headless Chromium:
the page reaches two nodes through HAProxy with plain round-robin; the node holding its socket is
killed (SIGKILL: it tells nobody), events are published on the other meanwhile, and the client's
reconnection, which can only land on the surviving node, gets its old socket id, `recovered`,
its room, and every event once, in order. zenith.js always; the official client 4.8.3 where its
bundle is (see test_official_client.py)."""
from __future__ import annotations

import shutil
import signal
import tempfile
import time
from pathlib import Path

import pytest

from cluster_env import balanced_cluster
from harness.metrics import metric, scrape
from page_checks import wait
from test_official_client import BUNDLE, RECOVERY_PAGE as OFFICIAL_PAGE, site_with
from test_recovery import PAGE as ZENITH_JS_PAGE

CLIENTS = ["zenith.js", "official"]


def page_site(page_html: str) -> Path:
    site = Path(tempfile.mkdtemp(prefix="zenith-cluster-recovery-page-"))
    (site / "index.html").write_text(page_html)
    return site


def sessions(node) -> float:
    return metric(scrape(int(node.config["metrics"]["listen"].rsplit(":", 1)[1])), "zenith_realtime_sessions")


@pytest.mark.parametrize("transports", ["websocket", "polling"])
@pytest.mark.parametrize("client", CLIENTS)
def test_a_socket_whose_node_died_comes_back_on_the_other_node_with_what_it_missed(page, client, transports):
    if client == "official" and not BUNDLE.is_file():
        pytest.skip(f"the official client bundle is not at {BUNDLE}")
    site = site_with(OFFICIAL_PAGE) if client == "official" else page_site(ZENITH_JS_PAGE)
    try:
        with balanced_cluster(site, ["k0", "k1"], realtime={"recovery": "2m"}) as (balancer, nodes):
            page.get(f"{balancer.url}/index.html?transports={transports}")
            wait(page, "window.__subscribed && window.__subscribed.ok === true")
            nodes[0].publish_ok({"rooms": ["r"], "event": "news", "data": 1})
            wait(page, "window.__news.length === 1")
            holder, survivor = sorted(nodes, key=sessions, reverse=True)
            assert sessions(holder) == 1 and sessions(survivor) == 0
            holder.stopped_on_purpose = True
            holder.z.proc.send_signal(signal.SIGKILL)
            holder.z.proc.wait(timeout=10)
            for data in (2, 3, 4):  # three events while the page is away
                survivor.publish_ok({"rooms": ["r"], "event": "news", "data": data})
            wait(page, "window.__connects.length === 2", timeout=20)
            survivor.publish_ok({"rooms": ["r"], "event": "news", "data": 5})
            wait(page, "window.__news.length >= 5")
            time.sleep(0.3)
            connects = page.execute_script("return window.__connects;")
            assert connects[1] == {"id": connects[0]["id"], "recovered": True}, connects
            assert page.execute_script("return window.__news;") == [1, 2, 3, 4, 5], "each once, in order"
    finally:
        shutil.rmtree(site, ignore_errors=True)
