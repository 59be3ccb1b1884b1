"""Broadcasts to sessions upgraded from long polling to a WebSocket, as browsers connect.

The WebSocket of an upgraded session is a second connection, accepted on any of zenith's event
loops, while the session stays on the loop its sid names: with the polling connection kept open
(a browser keeps it in its pool), consecutive connections alternate between the loops, so most of
these WebSockets live on another loop than their session. What the session writes to them is
carried there once per run of the session loop's tasks (WebSocketCarriedWrites): these tests check
that every frame arrives, in order, and that a server-side close (carried too) still closes."""
from __future__ import annotations

import socket
import time

import pytest

from harness.realtime import RawPolling, raw_ws, ws_closed, ws_recv_text

pytestmark = pytest.mark.usefixtures("zenith_survives")

CLIENTS = 6


def upgraded_client(rt, room: str, **ws_options):
    """A session opened over polling, subscribed to `room`, then upgraded to a WebSocket."""
    p = RawPolling(rt).handshake()
    p.connect_namespace()
    assert p.post(f'421["subscribe","{room}"]').text == "ok"
    assert p.get_packets() == ['431[{"ok":true}]']
    ws = raw_ws(rt, sid=p.sid, **ws_options)
    ws.send("2probe")
    assert ws_recv_text(ws) == "3probe"
    ws.send("5")
    return p, ws


def test_upgraded_sessions_get_every_broadcast_in_order(rt):
    sessions = [upgraded_client(rt, "up") for _ in range(CLIENTS)]
    try:
        time.sleep(0.2)
        # One POST, many events: the frames of a whole batch are written in one run of the session
        # loop's tasks and carried to the WebSocket's loop together.
        batch = [{"rooms": ["up"], "event": "n", "data": i} for i in range(300)]
        r = rt.publish(batch)
        assert r.status_code == 202, r.text
        assert r.json()["recipients"] == [CLIENTS] * 300
        for _, ws in sessions:
            got = [ws_recv_text(ws) for _ in range(300)]
            assert got == [f'42["n",{i}]' for i in range(300)]
        # and one at a time
        for i in range(20):
            assert rt.publish_ok({"rooms": ["up"], "event": "m", "data": i}) == CLIENTS
        for _, ws in sessions:
            assert [ws_recv_text(ws) for _ in range(20)] == [f'42["m",{i}]' for i in range(20)]
    finally:
        for _, ws in sessions:
            ws.close()


def test_upgraded_sessions_get_their_own_acks_between_broadcasts(rt):
    sessions = [upgraded_client(rt, "up") for _ in range(CLIENTS)]
    try:
        time.sleep(0.2)
        for k, (_, ws) in enumerate(sessions):
            ws.send(f'42{k}["subscribe","other-{k}"]')
        for k, (_, ws) in enumerate(sessions):
            assert ws_recv_text(ws) == f'43{k}[{{"ok":true}}]'
        rt.publish_ok([{"rooms": ["up"], "event": "a", "data": 1}, {"rooms": ["up"], "event": "b", "data": 2}])
        for _, ws in sessions:
            assert [ws_recv_text(ws), ws_recv_text(ws)] == ['42["a",1]', '42["b",2]']
    finally:
        for _, ws in sessions:
            ws.close()


@pytest.fixture
def small_queue(zenith_factory):
    from harness.realtime import start_realtime
    return start_realtime(zenith_factory, {"max_queued_packets": 50})


def test_upgraded_slow_consumer_is_dropped_and_its_connection_closed(small_queue):
    rt = small_queue
    p, ws = upgraded_client(rt, "up", sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),))
    try:
        time.sleep(0.2)
        # A client that reads nothing: its socket buffers fill, the WebSocket stops being writable,
        # frames queue up to the limit, and the session is dropped; the WebSocket's close is
        # carried to its loop like its writes.
        big = "x" * 30_000
        recipients = None
        for _ in range(400):
            recipients = rt.publish_ok({"rooms": ["up"], "event": "big", "data": big})
            if recipients == 0:
                break
        assert recipients == 0, "the slow consumer was never dropped"
        ended, seen = ws_closed(ws, timeout=10)
        assert ended, seen[-3:]
    finally:
        ws.close()
