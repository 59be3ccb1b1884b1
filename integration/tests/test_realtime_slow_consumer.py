"""Slow consumers: a WebSocket client that stops reading while many large events are published must
be disconnected (bounded per-socket queue), without hurting zenith or the other clients."""
from __future__ import annotations

import json
import socket
import threading
import time

import pytest
import websocket

from harness.memory import PeakRss
from harness.realtime import RawPolling, connected, start_realtime, ws_open_socketio, ws_recv_text

pytestmark = pytest.mark.usefixtures("zenith_survives")

EVENTS = 2000
EVENT_BYTES = 50 * 1024
BATCH = 100
RSS_LIMIT_KIB = 200 * 1024
MAX_AHEAD = 300  # events the reading client may lag behind the publisher


class FastReader(threading.Thread):
    """A raw WebSocket Socket.IO client in the flood room that reads as fast as it can."""

    def __init__(self, rt) -> None:
        super().__init__(daemon=True)
        self.ws, _ = ws_open_socketio(rt, sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20),))
        self.ws.send('421["subscribe","flood"]')
        assert ws_recv_text(self.ws) == '431[{"ok":true}]'
        self.indexes: list[int] = []
        self.error: str | None = None
        self.stop = threading.Event()

    def run(self) -> None:
        self.ws.settimeout(1)
        while not self.stop.is_set():
            try:
                op, data = self.ws.recv_data(control_frame=True)
            except websocket.WebSocketTimeoutException:
                continue
            except Exception as e:  # noqa: BLE001 - recorded and asserted on
                self.error = repr(e)
                return
            if op == websocket.ABNF.OPCODE_CLOSE:
                self.error = f"close frame {data[:2].hex()}"
                return
            if data == b"2":
                self.ws.send("3")
            elif data.startswith(b'42["big"'):
                self.indexes.append(json.loads(data[2:])[1]["i"])

    def close(self) -> None:
        self.stop.set()
        self.join(3)
        self.ws.close()


@pytest.fixture
def rt(zenith_factory):
    return start_realtime(zenith_factory, publish={"max_body_bytes": 8 << 20})


def test_slow_consumer_is_dropped_and_zenith_stays_healthy(rt, record_property):
    report: dict = {}
    # the slow client: tiny receive buffer, joins the room, then never reads again
    slow, _ = ws_open_socketio(rt, sockopt=((socket.SOL_SOCKET, socket.SO_RCVBUF, 4096),))
    slow.send('421["subscribe","flood"]')
    assert ws_recv_text(slow) == '431[{"ok":true}]'
    fast = FastReader(rt)
    fast.start()
    try:
        with connected(rt, transports=["polling"]) as (bystander, blog):
            assert rt.publish_ok({"rooms": ["flood"], "event": "warmup", "data": 0}) == 2
            assert ws_recv_text(slow) == '42["warmup",0]'  # the slow client's last read

            filler = "z" * (EVENT_BYTES - 40)
            base_kib = rt.z.rss_kib()
            recipients = []
            t0 = time.monotonic()
            with PeakRss(rt.z, interval=0.02) as peak:
                for start in range(0, EVENTS, BATCH):
                    # pace the flood to what a reading client can take (keep < MAX_AHEAD in flight),
                    # so only the client that does not read falls behind
                    deadline = time.monotonic() + 20
                    while start - len(fast.indexes) > MAX_AHEAD and fast.error is None \
                            and time.monotonic() < deadline:
                        time.sleep(0.005)
                    batch = [{"rooms": ["flood"], "event": "big", "data": {"i": i, "pad": filler}}
                             for i in range(start, start + BATCH)]
                    r = rt.publish(batch, timeout=30)
                    assert r.status_code == 202, (r.status_code, r.text[:200])
                    recipients += r.json()["recipients"]
                publish_s = time.monotonic() - t0
                deadline = time.monotonic() + 20
                while len(fast.indexes) < EVENTS and fast.error is None and time.monotonic() < deadline:
                    time.sleep(0.01)
                fast_s = time.monotonic() - t0
                rss_end_kib = rt.z.rss_kib()
            report.update(base_rss_mib=round(base_kib / 1024, 1), peak_rss_mib=round(peak.peak_kib / 1024, 1),
                          end_rss_mib=round(rss_end_kib / 1024, 1),
                          publish_seconds=round(publish_s, 2), fast_done_seconds=round(fast_s, 2),
                          fast_received=len(fast.indexes), fast_error=fast.error,
                          recipients_first=recipients[0], recipients_last=recipients[-1],
                          events_with_2_recipients=sum(1 for n in recipients if n == 2))
            zenith_alive = rt.z.alive()

            # the slow socket must be gone: only the fast client is left in the room
            n = None
            if zenith_alive:
                deadline = time.monotonic() + 5
                while True:
                    n = rt.publish_ok({"rooms": ["flood"], "event": "after", "data": 1})
                    if n == 1 or time.monotonic() > deadline:
                        break
                    time.sleep(0.2)
            report["flood_room_members_after"] = n

            # the bystander (polling, not in the room) still gets events promptly
            bystander_ok = False
            if zenith_alive:
                t1 = time.monotonic()
                report["everyone_recipients_after"] = rt.publish_ok({"broadcast": True, "event": "everyone", "data": 2})
                bystander_ok = blog.wait_event("everyone", timeout=5)
                report["bystander_latency_s"] = round(time.monotonic() - t1, 3) if bystander_ok else None
                report["bystander_disconnects"] = blog.of("disconnect")

        # now drain the slow client: how much did it get before the server closed it?
        slow_events = 0
        closed = False
        slow.settimeout(5)
        slow_t = time.monotonic()
        while time.monotonic() - slow_t < 15:
            try:
                op, data = slow.recv_data(control_frame=True)
            except (websocket.WebSocketConnectionClosedException, OSError):
                closed = True
                break
            except websocket.WebSocketTimeoutException:
                break
            if op == websocket.ABNF.OPCODE_CLOSE:
                closed = True
                report["slow_close_code"] = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
                break
            if data.startswith(b'42["big"'):
                slow_events += 1
        report["slow_events_received"] = slow_events
        report["slow_connection_closed"] = closed
    finally:
        fast.close()
        slow.close()

    print("\nslow consumer report: " + json.dumps(report))
    for k, v in report.items():
        record_property(k, v)

    assert zenith_alive, f"zenith died during the flood: {report}"
    assert report["peak_rss_mib"] * 1024 < RSS_LIMIT_KIB, report
    assert fast.error is None and fast.indexes == list(range(EVENTS)), \
        f"the reading client lost events or was dropped: {report}"
    assert n == 1, f"slow consumer still in the room after the flood: {report}"
    assert bystander_ok and report["everyone_recipients_after"] == 2, f"other clients affected: {report}"
    assert closed, f"slow consumer connection not closed: {report}"
    assert slow_events < EVENTS, report


def test_polling_client_that_stops_polling_is_dropped_at_queue_limit(zenith_factory):
    rt = start_realtime(zenith_factory, {"max_queued_packets": 64})
    idle = RawPolling(rt).handshake()
    idle.connect_namespace()
    active = RawPolling(rt).handshake()
    active.connect_namespace()
    # the active client polls between batches; the idle one never does
    got = []
    counts = []
    for start in range(0, 200, 40):
        counts += rt.publish_ok([{"broadcast": True, "event": "q", "data": i} for i in range(start, start + 40)])
        while len(got) < start + 40:
            got += active.get_packets(3)
    assert got == [f'42["q",{i}]' for i in range(200)]
    assert counts[0] == 2 and counts[-1] == 1, counts
    assert 60 <= sum(1 for c in counts if c == 2) <= 130, counts
    gone, seen = idle.wait_gone(3)
    assert gone, seen
