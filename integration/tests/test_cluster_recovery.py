"""Connection state recovery in a cluster (`[realtime] recovery` with `[cluster]`, issue 16): a
socket that lost its connection comes back as itself on whichever node the client reaches, with
its rooms and every broadcast it missed, in the cluster's one order, once; also when the node
that held it was stopped or killed (sockets are written to Redis when they connect and when their
rooms change, not only when they are lost)."""
from __future__ import annotations

import re
import signal
import time

import pytest

from harness.cluster import start_cluster_node, wait_for_peers
from harness.realtime import Realtime, connected
from harness.recovery import event, no_more_events, open_socket, subscribe

STREAM_ID = re.compile(r"^\d{13}-\d+$")


def recovering_node(zenith_factory, redis, name: str, **kw) -> Realtime:
    return start_cluster_node(zenith_factory, redis, name, realtime={"recovery": "2m"}, **kw)


@pytest.fixture
def two(zenith_factory, redis) -> list[Realtime]:
    nodes = [recovering_node(zenith_factory, redis, f"n{i}") for i in range(2)]
    wait_for_peers(nodes)
    return nodes


def socket_in_r(node: Realtime):
    """A socket on `node` in room "r" that got one event; (ws, CONNECT answer, its offset)."""
    ws, answer = open_socket(node)
    subscribe(ws, "r")
    time.sleep(0.1)  # the record's write after the join
    node.publish_ok({"rooms": ["r"], "event": "e", "data": 1})
    return ws, answer, event(ws)[2]


def kill(node: Realtime) -> None:
    """SIGKILL: the node says nothing to Redis, only what it wrote on connects and joins is there."""
    node.stopped_on_purpose = True
    node.z.proc.send_signal(signal.SIGKILL)
    node.z.proc.wait(timeout=10)


def test_a_socket_lost_on_one_node_comes_back_on_another_with_what_it_missed(two):
    first, second = two
    ws, answer = open_socket(first)
    sid, pid = answer["sid"], answer["pid"]
    assert pid.startswith("n0."), pid
    subscribe(ws, "r")
    time.sleep(0.1)  # the record's write after the join
    assert second.publish_ok({"rooms": ["r"], "event": "e", "data": 1}) == 0, "none of the second node's sockets"
    name, data, offset = event(ws)
    assert (name, data) == ("e", 1) and STREAM_ID.match(offset), offset
    ws.sock.close()  # the connection is lost: no close packet

    assert first.publish_ok({"rooms": ["r"], "event": "e", "data": 2}) == 0, "its socket is gone"
    second.publish_ok({"rooms": ["elsewhere"], "event": "e", "data": "not for it"})
    second.publish_ok({"rooms": ["r"], "event": "e", "data": 3})
    first.publish_ok({"broadcast": True, "event": "all", "data": 4})
    time.sleep(0.3)
    again, answer = open_socket(second, {"pid": pid, "offset": offset})
    assert answer == {"sid": sid, "pid": pid}, "the same socket, on the other node"
    missed = [event(again) for _ in range(3)]
    assert [m[:2] for m in missed] == [["e", 2], ["e", 3], ["all", 4]]
    offsets = [offset] + [m[2] for m in missed]
    assert offsets == sorted(offsets, key=lambda o: tuple(map(int, o.split("-")))), "the cluster's one order"
    time.sleep(0.1)
    assert first.publish_ok({"rooms": ["r"], "event": "e", "data": 5}) == 0
    assert event(again)[:2] == ["e", 5], "its room is back"
    assert second.publish_ok({"rooms": [sid], "event": "own", "data": 6}) == 1, "the count is the publishing node's"
    assert event(again)[:2] == ["own", 6]
    no_more_events(again)
    again.close()

    # Forged pids (another shape, a key-like owner) are new sockets, looked up nowhere.
    for forged in ("n0:sockets:n1.x", "n0." + "A" * 300, "."):
        fake, fresh = open_socket(second, {"pid": forged, "offset": offset})
        assert fresh["sid"] != sid
        fake.close()

    # Taken once: the same pid again is a new socket.
    third, fresh = open_socket(first, {"pid": pid, "offset": offset})
    assert fresh["sid"] != sid and fresh["pid"] != pid
    third.close()


def test_a_client_disconnect_is_not_recoverable_anywhere(two):
    first, second = two
    ws, answer = open_socket(first)
    subscribe(ws, "r")
    first.publish_ok({"rooms": ["r"], "event": "e", "data": 1})
    offset = event(ws)[2]
    ws.send("41")
    ws.close()
    time.sleep(0.2)
    again, fresh = open_socket(second, {"pid": answer["pid"], "offset": offset})
    assert fresh["sid"] != answer["sid"]
    again.close()


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_sockets_of_a_node_that_died_or_stopped_come_back_on_another(two, how):
    first, second = two
    ws, answer = open_socket(first)
    subscribe(ws, "r")
    subscribe(ws, "s")
    time.sleep(0.1)
    second.publish_ok({"rooms": ["r"], "event": "e", "data": 1})
    offset = event(ws)[2]
    if how == "SIGKILL":
        kill(first)
    else:
        first.stopped_on_purpose = True
        first.z.stop()  # the drain marks its sockets lost
    second.publish_ok({"rooms": ["s"], "event": "e", "data": 2})
    second.publish_ok({"rooms": ["r"], "event": "e", "data": 3})
    again, recovered = open_socket(second, {"pid": answer["pid"], "offset": offset})
    assert recovered == {"sid": answer["sid"], "pid": answer["pid"]}
    assert [event(again)[:2] for _ in range(2)] == [["e", 2], ["e", 3]]
    second.publish_ok({"rooms": ["s"], "event": "e", "data": 4})
    assert event(again)[:2] == ["e", 4], "both rooms are back"
    no_more_events(again)
    again.close()


def test_a_node_started_after_the_disconnection_replays_from_the_stream(zenith_factory, redis):
    first = recovering_node(zenith_factory, redis, "n0")
    ws, answer, offset = socket_in_r(first)
    ws.sock.close()
    first.publish_ok({"rooms": ["r"], "event": "e", "data": 2})
    late = recovering_node(zenith_factory, redis, "n1")
    wait_for_peers([first, late])
    time.sleep(0.3)  # the new node reads the stream from `recovery` back
    again, recovered = open_socket(late, {"pid": answer["pid"], "offset": offset})
    assert recovered["sid"] == answer["sid"]
    assert event(again)[:2] == ["e", 2]
    no_more_events(again)
    again.close()


def test_without_redis_a_node_still_serves_its_own_sockets(two, redis):
    first, _ = two
    ws, _ = open_socket(first)
    subscribe(ws, "r")
    redis.stop()
    try:
        assert first.publish_ok({"rooms": ["r"], "event": "e", "data": 1}) == 1
        name, data, *rest = event(ws)
        assert (name, data, rest) == ("e", 1, []), "no offset: the cluster's order is away with Redis"
    finally:
        redis.start()
    ws.close()


def test_with_auth_only_the_same_identity_recovers_on_another_node(zenith_factory, redis, apache):
    from harness.auth import ALLOWED_ORIGIN, login, project_of

    first, second = [recovering_node(zenith_factory, redis, f"n{i}", apache=apache) for i in range(2)]
    wait_for_peers([first, second])
    alice, bob = login(first.url, "alice"), login(first.url, "bob")
    project_room = "project:" + project_of("alice")

    def lose_a_socket():
        ws, answer = open_socket(first, cookie=alice.cookie, origin=ALLOWED_ORIGIN)
        time.sleep(0.1)
        first.publish_ok({"rooms": [project_room], "event": "e", "data": 1})
        offset = event(ws)[2]
        ws.sock.close()
        second.publish_ok({"rooms": [project_room], "event": "e", "data": 2})
        return answer, offset

    answer, offset = lose_a_socket()
    stolen, other = open_socket(second, {"pid": answer["pid"], "offset": offset}, cookie=bob.cookie, origin=ALLOWED_ORIGIN)
    assert other["sid"] != answer["sid"], "another user's cookie never recovers alice's socket"
    second.publish_ok({"rooms": ["project:" + project_of("bob")], "event": "mine", "data": 3})
    assert event(stolen)[:2] == ["mine", 3], "bob got nothing of alice's project"
    stolen.close()

    answer, offset = lose_a_socket()
    again, recovered = open_socket(second, {"pid": answer["pid"], "offset": offset}, cookie=alice.cookie, origin=ALLOWED_ORIGIN)
    assert recovered == {"sid": answer["sid"], "pid": answer["pid"]}
    assert event(again)[:2] == ["e", 2]
    first.publish_ok({"rooms": [project_room], "event": "e", "data": 4})
    assert event(again)[:2] == ["e", 4], "the project room passed the policy again"
    again.close()


def test_a_node_killed_and_started_again_recovers_its_own_sockets(zenith_factory, redis):
    first = recovering_node(zenith_factory, redis, "n0")
    _, answer, offset = socket_in_r(first)
    kill(first)
    recovering_node(zenith_factory, redis, "n1").publish_ok({"rooms": ["r"], "event": "e", "data": 2})
    again = recovering_node(zenith_factory, redis, "n0", port=first.port)
    back, recovered = open_socket(again, {"pid": answer["pid"], "offset": offset})
    assert recovered == {"sid": answer["sid"], "pid": answer["pid"]}, "the new process found what the killed one wrote"
    assert event(back)[:2] == ["e", 2]
    no_more_events(back)
    back.close()


def test_a_broadcast_too_large_for_the_stream_crosses_by_pub_sub_and_recovery_goes_on(zenith_factory, redis):
    # Stream entries are at most 1 MiB, so that every read fits one reply of the Redis client;
    # a larger broadcast reaches the other nodes without an offset, and the stream is not stuck.
    nodes = [recovering_node(zenith_factory, redis, f"n{i}", publish={"max_body_bytes": "4MiB"}) for i in range(2)]
    wait_for_peers(nodes)
    ws, answer, offset = socket_in_r(nodes[0])
    big = "x" * (1536 * 1024)
    assert nodes[1].publish_ok({"rooms": ["r"], "event": "big", "data": big}) == 0
    assert event(ws) == ["big", big], "delivered, without an offset"
    ws.sock.close()
    nodes[1].publish_ok({"rooms": ["r"], "event": "e", "data": 2})
    again, recovered = open_socket(nodes[1], {"pid": answer["pid"], "offset": offset})
    assert recovered["sid"] == answer["sid"]
    assert event(again)[:2] == ["e", 2]
    no_more_events(again)
    again.close()


def test_python_socketio_clients_keep_working_in_a_cluster_with_recovery(two):
    # python-socketio does not ask for recovery and would hand an offset to its handlers: its
    # sessions get the stream's broadcasts without one, on every node, each once.
    with connected(two[0], transports=["websocket"]) as (a, log_a), connected(two[1]) as (b, log_b):
        for sio in (a, b):
            assert sio.call("subscribe", "r", timeout=5) == {"ok": True}
        time.sleep(0.1)
        for i in range(6):
            two[i % 2].publish_ok({"rooms": ["r"], "event": "tick", "data": {"i": i}})
        for log in (log_a, log_b):
            assert log.wait_event("tick", 6, timeout=10), log.items
            assert [d["i"] for d in log.of("tick")] == list(range(6)), "once each, in the stream's order"
