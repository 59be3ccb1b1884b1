"""One poll per watcher scope for the whole cluster (issue 14, item 3): three nodes with
`[realtime.auth]` and the servers `[[watch]]` in front of the fixture dashboard, a tab of the
same project on each; one node holds the scope's lease in Redis and polls, the others deliver
its events; when the holder dies another node takes over within two intervals, going on from the
snapshot the holder kept, so that no change is lost or sent twice."""
from __future__ import annotations

import signal
import time

import pytest

from harness.auth import login, project_of
from harness.cluster import metrics_url, start_cluster_node, wait_for_peers
from harness.horizon import SERVERS_WATCH_INTERVAL as INTERVAL
from harness.horizon import make_server, servers_watch, set_server, set_servers
from harness.metrics import metric
from test_watch import Watching, polls_since

import requests


def node_polls(node) -> float:
    samples = {}
    for line in requests.get(metrics_url(node) + "/metrics", timeout=5).text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return metric(samples, "zenith_watch_polls_total", watch="servers")


@pytest.fixture
def alice_server(apache):
    server = make_server(project_of("alice"), "web-1", status="BUILD", task_state="spawning", power_state=0)
    set_servers(apache, project_of("alice"), [server])
    yield server
    set_servers(apache, project_of("alice"), [])


def test_one_poll_per_interval_for_the_cluster_and_takeover_when_the_holder_dies(
    zenith_factory, apache, redis, alice_server
):
    nodes = [start_cluster_node(zenith_factory, redis, f"w{i}", apache=apache, watches=[servers_watch()]) for i in range(3)]
    wait_for_peers(nodes)
    session = login(nodes[0].url, "alice")
    tabs = [Watching(node, "alice", session=session) for node in nodes]
    try:
        assert all(tab.ack == {"ok": True} for tab in tabs)
        mark = apache.log_mark()
        time.sleep(10 * INTERVAL)
        polls = polls_since(apache, mark)
        assert 3 <= polls <= 12, f"{polls} polls in {10 * INTERVAL}s by three nodes: one poller expected"
        counts = [node_polls(node) for node in nodes]
        holders = [i for i, count in enumerate(counts) if count > 0]
        assert len(holders) == 1, f"polls per node: {counts}"
        holder = holders[0]

        set_server(apache, project_of("alice"), alice_server["id"], status="ACTIVE", task_state=None, power_state=1)
        for tab in tabs:
            assert tab.wait_for(lambda tab=tab: tab.events, timeout=3), "a node's tab missed the change"

        # The holder dies without a word; a change made meanwhile must still arrive, once.
        nodes[holder].stopped_on_purpose = True
        nodes[holder].z.proc.send_signal(signal.SIGKILL)
        nodes[holder].z.proc.wait(5)
        set_server(apache, project_of("alice"), alice_server["id"], status="SHUTOFF", power_state=4)
        survivors = [tab for i, tab in enumerate(tabs) if i != holder]
        started = time.monotonic()
        for tab in survivors:
            assert tab.wait_for(lambda tab=tab: len(tab.events) >= 2, timeout=4 * INTERVAL + 3), tab.events
        took = time.monotonic() - started
        assert took <= 2 * INTERVAL * 1.5 + 1.5, f"takeover took {took:.2f}s"
        mark = apache.log_mark()
        time.sleep(6 * INTERVAL)
        assert 1 <= polls_since(apache, mark) <= 8, "one node polls again"
        for tab in survivors:
            statuses = [event["changed"][0]["new"]["status"] for event in tab.events]
            assert statuses == ["ACTIVE", "SHUTOFF"], tab.events
    finally:
        for tab in tabs:
            tab.close()


def test_the_last_tab_of_the_holder_leaving_hands_polling_over(zenith_factory, apache, redis, alice_server):
    nodes = [start_cluster_node(zenith_factory, redis, f"v{i}", apache=apache, watches=[servers_watch()]) for i in range(2)]
    wait_for_peers(nodes)
    session = login(nodes[0].url, "alice")
    first = Watching(nodes[0], "alice", session=session)
    time.sleep(2 * INTERVAL)  # node 0 holds the lease: it was alone
    second = Watching(nodes[1], "alice", session=session)
    try:
        assert node_polls(nodes[0]) > 0
        first.close()
        time.sleep(0.5)
        before = node_polls(nodes[1])
        set_server(apache, project_of("alice"), alice_server["id"], status="ACTIVE", task_state=None, power_state=1)
        assert second.wait_for(lambda: second.events, timeout=2 * INTERVAL + 2), "no event after the hand-over"
        assert node_polls(nodes[1]) > before
        assert len(second.events) == 1
    finally:
        first.close()
        second.close()
