"""Realtime engine driven by the real python-socketio client: transports, acks, rooms, namespaces,
binary attachments, reconnection. Every test starts its own zenith (fresh rooms and counts)."""
from __future__ import annotations

import os
import signal
import time
import uuid

import pytest
import socketio

from harness.realtime import EventLog, connected, fence, make_client, start_realtime

pytestmark = pytest.mark.usefixtures("zenith_survives")


def _round_trip(rt, sio, log, room=None):
    """subscribe (ack), publish to the room, the event arrives with its JSON data."""
    room = room or "room-" + uuid.uuid4().hex[:8]
    assert sio.call("subscribe", room, timeout=5) == {"ok": True}
    data = {"n": 1, "s": "é\u2028\"x", "list": [1, 2.5, None, True], "nested": {"k": "v"}}
    assert rt.publish_ok({"rooms": [room], "event": "update", "data": data}) == 1
    assert log.wait_event("update", timeout=5), log.items
    assert log.of("update") == [data]


# ---------------------------------------------------------------------------------------------
# transports


def test_polling_only_client_connects_and_receives(rt):
    with connected(rt, transports=["polling"]) as (sio, log):
        assert sio.transport() == "polling"
        _round_trip(rt, sio, log)
        time.sleep(0.3)
        assert sio.transport() == "polling"


def test_websocket_only_client_connects_and_receives(rt):
    with connected(rt, transports=["websocket"]) as (sio, log):
        assert sio.transport() == "websocket"
        _round_trip(rt, sio, log)


def test_polling_client_upgrades_to_websocket(rt):
    with connected(rt, transports=["polling", "websocket"]) as (sio, log):
        deadline = time.monotonic() + 5
        while sio.transport() != "websocket" and time.monotonic() < deadline:
            time.sleep(0.05)
        assert sio.transport() == "websocket", "client never upgraded from polling"
        _round_trip(rt, sio, log)
        assert sio.connected


# ---------------------------------------------------------------------------------------------
# acks


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_client_emit_with_ack_subscribe_and_unsubscribe(rt, transport):
    with connected(rt, transports=[transport]) as (sio, log):
        assert sio.call("subscribe", "acked", timeout=5) == {"ok": True}
        assert rt.publish_ok({"rooms": ["acked"], "event": "e", "data": 1}) == 1
        # the callback form of the ack, not only call()
        got = []
        sio.emit("unsubscribe", "acked", callback=lambda *a: got.append(a))
        deadline = time.monotonic() + 5
        while not got and time.monotonic() < deadline:
            time.sleep(0.02)
        assert got == [({"ok": True},)]
        assert rt.publish_ok({"rooms": ["acked"], "event": "e", "data": 2}) == 0


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_subscribe_without_an_ack_joins_the_room(rt, transport):
    """`emit("subscribe", room)` with no callback joins as the acknowledged form does."""
    with connected(rt, transports=[transport]) as (sio, log):
        sio.emit("subscribe", "unacked")
        deadline = time.monotonic() + 5
        while rt.publish_ok({"rooms": ["unacked"], "event": "e", "data": 1}) == 0:
            assert time.monotonic() < deadline, "the socket never joined the room"
            time.sleep(0.1)
        assert log.wait_event("e", timeout=5), log.items


def test_subscribe_beyond_max_rooms_per_socket_is_refused(zenith_factory):
    rt = start_realtime(zenith_factory, {"max_rooms_per_socket": 4})
    with connected(rt, transports=["websocket"]) as (sio, log):
        answers = [sio.call("subscribe", f"r{i}", timeout=5) for i in range(8)]
        oks = [a for a in answers if a == {"ok": True}]
        assert 1 <= len(oks) <= 4, answers
        assert all(a.get("ok") is False for a in answers[len(oks):]), answers
        assert sio.connected


# ---------------------------------------------------------------------------------------------
# rooms and the publish API


@pytest.fixture
def three(rt):
    """a in r1; b in r1 and r2; c in no room. Yields (rt, {name: (sio, log)})."""
    clients = {}
    ctxs = []
    try:
        for name, rooms, tr in (("a", ["r1"], "websocket"), ("b", ["r1", "r2"], "polling"), ("c", [], "websocket")):
            ctx = connected(rt, transports=[tr])
            sio, log = ctx.__enter__()
            ctxs.append(ctx)
            for room in rooms:
                assert sio.call("subscribe", room, timeout=5) == {"ok": True}
            clients[name] = (sio, log)
        yield rt, clients
    finally:
        for ctx in reversed(ctxs):
            ctx.__exit__(None, None, None)


def _got(clients, event):
    return {name: log.of(event) for name, (sio, log) in clients.items()}


def test_publish_to_room_reaches_members_only(three):
    rt, clients = three
    assert rt.publish_ok({"rooms": ["r1"], "event": "only-r1", "data": "x"}) == 2
    fence(rt, [log for _, log in clients.values()])
    assert _got(clients, "only-r1") == {"a": ["x"], "b": ["x"], "c": []}


def test_publish_to_several_rooms_delivers_once_per_socket(three):
    rt, clients = three
    assert rt.publish_ok({"rooms": ["r1", "r2"], "event": "multi", "data": 7}) == 2
    fence(rt, [log for _, log in clients.values()])
    assert _got(clients, "multi") == {"a": [7], "b": [7], "c": []}


def test_publish_except_excludes_room_members(three):
    rt, clients = three
    assert rt.publish_ok({"rooms": ["r1"], "except": ["r2"], "event": "ex", "data": None}) == 1
    fence(rt, [log for _, log in clients.values()])
    assert _got(clients, "ex") == {"a": [None], "b": [], "c": []}


def test_publish_broadcast_reaches_every_socket(three):
    rt, clients = three
    assert rt.publish_ok({"broadcast": True, "event": "all", "data": [1, 2]}) == 3
    assert rt.publish_ok({"broadcast": True, "rooms": [], "event": "all2", "data": {}}) == 3
    fence(rt, [log for _, log in clients.values()])
    assert _got(clients, "all") == {"a": [[1, 2]], "b": [[1, 2]], "c": [[1, 2]]}
    assert _got(clients, "all2") == {"a": [{}], "b": [{}], "c": [{}]}


def test_publish_everyone_except_room(three):
    rt, clients = three
    assert rt.publish_ok({"except": ["r1"], "broadcast": True, "event": "notr1", "data": 0}) == 1
    fence(rt, [log for _, log in clients.values()])
    assert _got(clients, "notr1") == {"a": [], "b": [], "c": [0]}


def test_every_socket_is_in_its_own_id_room(three):
    rt, clients = three
    c_sid = clients["c"][0].get_sid("/")
    assert rt.publish_ok({"rooms": [c_sid], "event": "direct", "data": "to-c"}) == 1
    fence(rt, [log for _, log in clients.values()])
    assert _got(clients, "direct") == {"a": [], "b": [], "c": ["to-c"]}


def test_publish_batch(three):
    rt, clients = three
    batch = [
        {"rooms": ["r1"], "event": "b1", "data": 1},
        {"rooms": ["r2"], "event": "b2", "data": 2},
        {"broadcast": True, "event": "b3", "data": 3},
        {"rooms": ["nobody"], "event": "b4", "data": 4},
    ]
    assert rt.publish_ok(batch) == [2, 1, 3, 0]
    fence(rt, [log for _, log in clients.values()])
    assert _got(clients, "b1") == {"a": [1], "b": [1], "c": []}
    assert _got(clients, "b2") == {"a": [], "b": [2], "c": []}
    assert _got(clients, "b3") == {"a": [3], "b": [3], "c": [3]}
    assert _got(clients, "b4") == {"a": [], "b": [], "c": []}


def test_recipients_drop_after_disconnect(three):
    rt, clients = three
    clients["b"][0].disconnect()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if rt.publish_ok({"rooms": ["r1"], "event": "probe", "data": 0}) == 1:
            break
        time.sleep(0.05)
    assert rt.publish_ok({"rooms": ["r1"], "event": "probe", "data": 0}) == 1
    assert rt.publish_ok({"broadcast": True, "event": "probe", "data": 0}) == 2


def test_events_keep_publish_order(rt):
    with connected(rt, transports=["websocket"]) as (sio, log):
        assert sio.call("subscribe", "ordered", timeout=5) == {"ok": True}
        for i in range(50):
            rt.publish_ok({"rooms": ["ordered"], "event": "seq", "data": i})
        assert log.wait_event("seq", 50, timeout=5), len(log.of("seq"))
        assert log.of("seq") == list(range(50))


# ---------------------------------------------------------------------------------------------
# binary attachments (client -> server)


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_client_binary_emit_is_reassembled(rt, transport):
    with connected(rt, transports=[transport]) as (sio, log):
        # a binary room name: the server must reassemble the attachment to answer the ack at all
        ack = sio.call("subscribe", b"\x00\x01\xfe\xff binary", timeout=5)
        assert isinstance(ack, dict) and ack.get("ok") is False, ack
        # nested binary inside a structure, two attachments
        ack2 = sio.call("subscribe", {"a": b"\x01" * 10, "b": [b"\x02" * 3]}, timeout=5)
        assert isinstance(ack2, dict) and ack2.get("ok") is False, ack2
        assert sio.connected
        _round_trip(rt, sio, log)  # the session is still fine after the binary packets


# ---------------------------------------------------------------------------------------------
# namespaces


def test_custom_namespace_connects_and_receives(rt):
    with connected(rt, transports=["websocket"], namespaces=("/custom",)) as (sio, log):
        assert "/custom" in sio.connection_namespaces
        assert sio.call("subscribe", "cr", namespace="/custom", timeout=5) == {"ok": True}
        assert rt.publish_ok({"namespace": "/custom", "rooms": ["cr"], "event": "c", "data": "hi"}) == 1
        # the same room name in "/" is a different room; nobody is connected to "/"
        assert rt.publish_ok({"namespace": "/", "rooms": ["cr"], "event": "c", "data": "wrong"}) == 0
        assert log.wait_event("c", timeout=5)
        time.sleep(0.2)
        assert log.of("c", "/custom") == ["hi"]


def test_two_namespaces_on_one_connection(rt):
    with connected(rt, transports=["websocket"], namespaces=("/", "/custom")) as (sio, log):
        assert sio.call("subscribe", "same", namespace="/", timeout=5) == {"ok": True}
        assert sio.call("subscribe", "same", namespace="/custom", timeout=5) == {"ok": True}
        assert rt.publish_ok({"namespace": "/custom", "rooms": ["same"], "event": "n", "data": "c"}) == 1
        assert rt.publish_ok({"rooms": ["same"], "event": "n", "data": "root"}) == 1
        assert log.wait_event("n", 2, timeout=5), log.items
        assert log.of("n", "/") == ["root"]
        assert log.of("n", "/custom") == ["c"]


def test_unknown_namespace_is_refused_with_connect_error(rt):
    sio, log = make_client(namespaces=("/nope",))
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):
            sio.connect(rt.url, namespaces=["/nope"], transports=["websocket"], wait_timeout=5)
        errors = log.of("connect_error", "/nope")
        assert errors, log.items
        assert errors[0] == {"message": "Invalid namespace"} or errors[0] == "Invalid namespace", errors
        assert not log.of("connect")
    finally:
        sio.disconnect()


# ---------------------------------------------------------------------------------------------
# reconnection


def _kill(rt, how):
    rt.stopped_on_purpose = True
    z = rt.z
    if how == "sigterm":
        z.stop()  # graceful stop, as systemctl restart does
    else:
        os.killpg(z.pid, signal.SIGKILL)  # crash
        z.proc.wait(5)


@pytest.mark.parametrize("how", ["sigkill", "sigterm"])
def test_client_reconnects_after_server_restart(zenith_factory, how):
    rt = start_realtime(zenith_factory)
    log = EventLog()
    sio, log = make_client(log, reconnection=True, reconnection_delay=0.2, reconnection_delay_max=0.5,
                           randomization_factor=0)
    try:
        sio.connect(rt.url, transports=["websocket"], wait_timeout=5)
        assert log.wait_event("connect", 1, timeout=5)
        first_sid = sio.get_sid("/")
        _kill(rt, how)
        assert log.wait_event("disconnect", 1, timeout=10), "client did not notice the server going away"
        rt2 = start_realtime(zenith_factory, port=rt.port, publish_port=rt.publish_port)
        assert log.wait_event("connect", 2, timeout=8), f"client did not reconnect: {log.items}"
        deadline = time.monotonic() + 5  # connected flips just after the connect handler ran
        while not sio.connected and time.monotonic() < deadline:
            time.sleep(0.02)
        assert sio.connected and sio.get_sid("/") != first_sid
        # and it is a working socket on the new server
        assert sio.call("subscribe", "again", timeout=5) == {"ok": True}
        assert rt2.publish_ok({"rooms": ["again"], "event": "back", "data": 1}) == 1
        assert log.wait_event("back", timeout=5)
    finally:
        sio.disconnect()
