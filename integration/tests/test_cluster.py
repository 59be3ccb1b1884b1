"""Zenith on several nodes over one Redis (`[cluster]`, issue 14): broadcasts reach every node
once and in order, a session's requests may land on any node (sent on to the owner in one hop),
an owner that is gone means "start over", and Redis going away stops nothing but cross-node
delivery, which comes back by itself."""
from __future__ import annotations

import contextlib
import signal
import threading
import time

import pytest
import requests

from harness.cluster import forwards, metrics_url, start_cluster_node, wait_for_peers, wait_for_redis
from harness.haproxy import HAProxy
from harness.realtime import RawPolling, Realtime, connected, raw_ws, session_unknown, ws_recv_text


@pytest.fixture
def three(zenith_factory, redis) -> list[Realtime]:
    nodes = [start_cluster_node(zenith_factory, redis, f"n{i}") for i in range(3)]
    wait_for_peers(nodes)
    return nodes


@contextlib.contextmanager
def members_of(room: str, nodes: list[Realtime]):
    """A python-socketio client (WebSocket) in `room` on each of `nodes`; yields their event logs."""
    with contextlib.ExitStack() as stack:
        logs = []
        for node in nodes:
            sio, log = stack.enter_context(connected(node, transports=["websocket"]))
            assert sio.call("subscribe", room, timeout=5) == {"ok": True}
            logs.append(log)
        yield logs


def test_publish_on_one_node_reaches_every_node_once_in_order(three):
    with members_of("tenant", three) as logs:
        time.sleep(0.2)
        for i in range(30):
            # The count is of the publishing node's own recipients (README: Cluster).
            assert three[i % 3].publish_ok({"rooms": ["tenant"], "event": "tick", "data": {"i": i}}) == 1
        # Order is per publisher: the next 30 all come from node 0.
        for i in range(30, 60):
            assert three[0].publish_ok({"rooms": ["tenant"], "event": "tick", "data": {"i": i}}) == 1
        for log in logs:
            assert log.wait_event("tick", 60, timeout=10), log.items
        time.sleep(0.3)
        for log in logs:
            seen = [d["i"] for d in log.of("tick")]
            assert sorted(seen) == list(range(60)), "each event exactly once"
            assert [i for i in seen if i >= 30] == list(range(30, 60)), "one publisher's events in the order it sent them"


def test_a_polling_session_is_served_through_any_node(three):
    owner, other, third = three
    session = RawPolling(owner).handshake()
    assert session.sid.startswith("n0."), session.sid
    # Every later request of the session goes to another node, as a round-robin balancer sends it.
    session.rt = other
    assert session.connect_namespace("/")["sid"]
    session.rt = third
    r = session.post('421["subscribe","r1"]')
    assert (r.status_code, r.text) == (200, "ok")
    session.rt = other
    assert session.get_packets() == ['431[{"ok":true}]']
    assert owner.publish_ok({"rooms": ["r1"], "event": "hello", "data": 1}) == 1
    assert session.get_packets() == ['42["hello",1]']
    # Published on a node that does not own the session: it crosses Redis to the owner.
    session.rt = third
    assert other.publish_ok({"rooms": ["r1"], "event": "hello", "data": 2}) == 0
    assert '42["hello",2]' in session.get_packets()


def test_a_websocket_upgrade_on_another_node_reaches_the_owner(three):
    owner, other, _ = three
    session = RawPolling(owner).handshake()
    session.connect_namespace("/")
    ws = raw_ws(other, sid=session.sid)
    try:
        ws.send("2probe")
        assert ws_recv_text(ws) == "3probe"
        ws.send("5")
        ws.send('421["subscribe","r2"]')
        assert ws_recv_text(ws) == '431[{"ok":true}]'
        assert owner.publish_ok({"rooms": ["r2"], "event": "over", "data": "ws"}) == 1
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            text = ws_recv_text(ws)
            if text == '42["over","ws"]':
                break
        else:
            raise AssertionError("no event over the forwarded WebSocket")
    finally:
        ws.close()


def test_sessions_of_a_stopped_node_are_unknown_at_once(three):
    owner, other, _ = three
    session = RawPolling(owner).handshake()
    owner.stopped_on_purpose = True
    owner.z.stop()  # SIGTERM: the node says it is leaving
    session.rt = other
    started = time.monotonic()
    # The `down` crosses Redis to the other nodes as the process exits: within moments, not after
    # the 7 s of silence a killed node takes (until then the owner's refused address is a 400).
    r = session.get()
    while not session_unknown(r) and time.monotonic() - started < 1:
        time.sleep(0.05)
        r = session.get()
    assert session_unknown(r), (r.status_code, r.text)
    assert time.monotonic() - started < 1


def test_sessions_of_a_killed_node_get_400_and_start_over(three):
    owner, other, _ = three
    session = RawPolling(owner).handshake()
    owner.stopped_on_purpose = True
    owner.z.proc.send_signal(signal.SIGKILL)
    owner.z.proc.wait(5)
    session.rt = other
    started = time.monotonic()
    r = session.get()
    # Until the others stop hearing its heartbeat the owner is still listed; connecting to it is
    # refused and the client is told to start over (400) rather than a gateway error.
    assert r.status_code == 400, (r.status_code, r.text)
    assert time.monotonic() - started < 2


def test_a_client_cannot_make_a_node_forward_twice(three):
    owner, other, third = three
    session = RawPolling(owner).handshake()
    r = requests.get(third.eio_url(sid=session.sid), headers={"zenith-forwarded-by": "n1"}, timeout=5)
    assert session_unknown(r), (r.status_code, r.text)


def test_polling_only_client_through_round_robin_haproxy(three):
    balancer = HAProxy([n.port for n in three]).start()
    try:
        # python-socketio with polling only: every GET and POST of its session goes to the next node.
        with connected(balancer, transports=["polling"]) as (client, log):
            assert client.call("subscribe", "lb", timeout=5) == {"ok": True}
            for i in range(9):
                three[i % 3].publish_ok({"rooms": ["lb"], "event": "news", "data": i})
            assert log.wait_event("news", 9, timeout=10), log.items
            assert sorted(log.of("news")) == list(range(9))
            assert client.call("subscribe", "lb2", timeout=5) == {"ok": True}
            assert forwards(three) > 0, "the balancer never sent the session's requests to another node"
    finally:
        balancer.stop()


def test_redis_going_away_under_publish_load_stops_only_cross_node_delivery(three, redis):
    a, b, _ = three
    with connected(a, transports=["websocket"]) as (sio_a, log_a), connected(b, transports=["websocket"]) as (sio_b, log_b):
        assert sio_a.call("subscribe", "f", timeout=5) == {"ok": True}
        assert sio_b.call("subscribe", "f", timeout=5) == {"ok": True}
        sent = []
        stop = threading.Event()

        def publish_load():
            i = 0
            while not stop.is_set():
                a.publish_ok({"rooms": ["f"], "event": "n", "data": i})
                sent.append(i)
                i += 1
                time.sleep(0.02)

        publisher = threading.Thread(target=publish_load)
        publisher.start()
        try:
            time.sleep(0.5)
            redis.stop()
            wait_for_redis([a, b], up=False)
            ready = requests.get(metrics_url(a) + "/readyz", timeout=5)
            assert ready.status_code == 200 and "Redis" in ready.text, ready.text
            # Each node keeps serving its own sockets.
            assert b.publish_ok({"rooms": ["f"], "event": "local", "data": 1}) == 1
            assert log_b.wait_event("local", 1)
            time.sleep(0.5)
            redis.start()
            wait_for_redis(three)
            time.sleep(0.5)
        finally:
            stop.set()
            publisher.join()
        assert log_a.wait(lambda: len(log_a.of("n")) == len(sent), timeout=10)
        assert log_a.of("n") == sent, "the publishing node's own sockets miss nothing"
        time.sleep(0.5)
        got_b = log_b.of("n")
        assert got_b == sorted(got_b) and len(set(got_b)) == len(got_b), "in order, never twice"
        assert got_b[-1] == sent[-1], "delivery across nodes came back by itself"
        assert 0 < len(got_b) < len(sent), (len(got_b), len(sent))
        assert requests.get(metrics_url(a) + "/readyz", timeout=5).text == "ready\n"
        assert a.z.alive() and b.z.alive()


def test_python_socketio_redis_manager_emits_reach_every_node(three, redis):
    import socketio as sio_module

    with members_of("project:p1", three) as logs:
        # Django's side, as python-socketio documents it: a write-only manager on the same Redis.
        manager = sio_module.RedisManager(redis.url, write_only=True)
        manager.emit("instance", {"id": "vm-1", "status": "ACTIVE"}, room="project:p1", namespace="/")
        manager.emit("instance", {"id": "vm-2"}, room="project:other", namespace="/")
        for log in logs:
            assert log.wait_event("instance", 1, timeout=5), log.items
        time.sleep(0.3)
        for log in logs:
            assert log.of("instance") == [{"id": "vm-1", "status": "ACTIVE"}]


def test_redis_emitter_broadcasts_reach_every_node(three, redis):
    import msgpack
    import redis as redis_module

    with members_of("room-a", three) as logs:
        # What @socket.io/redis-emitter publishes for io.to("room-a").emit("ping-a", {...}):
        # [uid, packet, {rooms, except, flags}] on "socket.io#/#room-a#".
        packet = {"type": 2, "data": ["ping-a", {"n": 1}], "nsp": "/"}
        message = msgpack.packb(["emitter", packet, {"rooms": ["room-a"], "except": [], "flags": {}}])
        redis_module.Redis(port=redis.port).publish("socket.io#/#room-a#", message)
        for log in logs:
            assert log.wait_event("ping-a", 1, timeout=5), log.items
            assert log.of("ping-a") == [{"n": 1}]


def test_the_owner_checks_the_origin_of_a_forwarded_request(zenith_factory, redis):
    nodes = [
        start_cluster_node(zenith_factory, redis, f"o{i}", realtime={"allowed_origins": ["http://good.example"]})
        for i in range(2)
    ]
    wait_for_peers(nodes)
    owner, other = nodes
    session = RawPolling(owner, headers={"Origin": "http://good.example"}).handshake()
    evil = requests.get(other.eio_url(sid=session.sid), headers={"Origin": "http://evil.example"}, timeout=5)
    assert evil.status_code == 403, (evil.status_code, evil.text)
    assert "origin not allowed" in owner.z.wait_stderr("origin not allowed")
    session.rt = other
    assert session.post("40").text == "ok"
