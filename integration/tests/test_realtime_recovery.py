"""Connection state recovery (`[realtime] recovery`, issue 16), on the wire as the official
client speaks it: the CONNECT answer carries a private id, broadcasts carry an offset as their
last argument, and a client that lost its connection comes back with `{"pid","offset"}` to the
same socket id, its rooms, and every broadcast it missed, before new ones."""
from __future__ import annotations

import json

import pytest

from harness.realtime import RawPolling, connected, raw_ws, start_realtime, ws_recv_text
from harness.recovery import BROWSER, event, open_socket, subscribe


@pytest.fixture
def rt(zenith_factory):
    return start_realtime(zenith_factory, realtime={"recovery": "2m"})


def test_a_socket_that_lost_its_connection_gets_its_id_rooms_and_missed_broadcasts_back(rt):
    ws, answer = open_socket(rt)
    sid, pid = answer["sid"], answer["pid"]
    assert pid and pid != sid
    subscribe(ws, "r")
    rt.publish_ok({"rooms": ["r"], "event": "e", "data": 1})
    name, data, offset = event(ws)
    assert (name, data) == ("e", 1) and isinstance(offset, str)
    ws.sock.close()  # the connection is lost: no close packet, no namespace disconnect

    rt.publish_ok({"rooms": ["r"], "event": "e", "data": 2})
    rt.publish_ok({"rooms": ["elsewhere"], "event": "e", "data": "not for it"})
    rt.publish_ok({"broadcast": True, "event": "all", "data": 3})
    again, answer = open_socket(rt, {"pid": pid, "offset": offset, "token": "kept"})
    assert answer == {"sid": sid, "pid": pid}
    missed = [event(again), event(again)]
    assert [m[:2] for m in missed] == [["e", 2], ["all", 3]]
    assert int(missed[0][2]) < int(missed[1][2])
    rt.publish_ok({"rooms": ["r"], "event": "e", "data": 4})
    assert event(again)[:2] == ["e", 4], "the room is restored"
    rt.publish_ok({"rooms": [sid], "event": "own", "data": 5})
    assert event(again)[:2] == ["own", 5], "the own-id room is the old id's"
    again.close()


def test_a_pid_is_one_socket_and_a_client_disconnect_is_not_recoverable(rt):
    ws, answer = open_socket(rt)
    subscribe(ws, "r")
    rt.publish_ok({"rooms": ["r"], "event": "e", "data": 1})
    offset = event(ws)[2]
    ws.sock.close()
    first, recovered = open_socket(rt, {"pid": answer["pid"], "offset": offset})
    assert recovered["sid"] == answer["sid"]
    # The pid again while `first` holds it: `first` is taken for a connection its client left
    # (see the next test), so there is still one socket of that id, now on `second`.
    second, again = open_socket(rt, {"pid": answer["pid"], "offset": offset})
    assert again == recovered
    assert rt.publish_ok({"rooms": ["r"], "event": "e", "data": 2}) == 1
    assert event(second)[:2] == ["e", 2]
    first.close()

    # A client's own disconnect (Socket.IO's "41", then Engine.IO's close) is not kept.
    second.send("41")
    second.close()
    third, after = open_socket(rt, {"pid": answer["pid"], "offset": offset})
    assert after["sid"] != answer["sid"] and after["pid"] != answer["pid"]
    third.close()


def test_a_client_back_before_its_old_connection_is_seen_gone_recovers(rt):
    # A client whose network changed opens a new connection while the server still holds the old
    # one (a long poll between two requests, a half-open TCP connection: noticed only at the ping
    # timeout). The old session is ended as a lost connection and the socket comes back.
    old, answer = open_socket(rt)
    subscribe(old, "r")
    rt.publish_ok({"rooms": ["r"], "event": "e", "data": 1})
    offset = event(old)[2]
    rt.publish_ok({"rooms": ["r"], "event": "e", "data": 2})  # reaches the old connection only
    again, recovered = open_socket(rt, {"pid": answer["pid"], "offset": offset})
    assert recovered == {"sid": answer["sid"], "pid": answer["pid"]}
    assert event(again)[:2] == ["e", 2]
    assert rt.publish_ok({"rooms": ["r"], "event": "e", "data": 3}) == 1, "one socket: the old session is gone"
    assert event(again)[:2] == ["e", 3]
    again.close()
    old.close()


def test_an_unknown_or_forged_pid_or_offset_is_a_new_socket(rt):
    for auth in ({"pid": "nope", "offset": "1"}, {"pid": 5, "offset": "1"}, {"pid": "x", "offset": "abc"}, {"offset": "1"}):
        ws, answer = open_socket(rt, auth)
        assert answer["pid"] != auth.get("pid")
        ws.close()


def test_without_recovery_broadcasts_carry_no_offset_and_no_pid_is_given(zenith_factory):
    plain = start_realtime(zenith_factory)
    ws, answer = open_socket(plain)
    assert "pid" not in answer
    subscribe(ws, "r")
    plain.publish_ok({"rooms": ["r"], "event": "e", "data": 1})
    assert event(ws) == ["e", 1]
    ws.close()


def test_with_auth_only_the_same_identity_recovers_and_rooms_pass_the_policy_again(zenith_factory, apache):
    from harness.auth import ALLOWED_ORIGIN, login, project_of, start_auth

    rt = start_auth(zenith_factory, apache, realtime={"recovery": "2m"})
    alice, bob = login(rt.url, "alice"), login(rt.url, "bob")

    def open_as(who, auth=None):
        return open_socket(rt, auth, cookie=who.cookie, origin=ALLOWED_ORIGIN)

    ws, answer = open_as(alice)
    project_room = "project:" + project_of("alice")
    rt.publish_ok({"rooms": [project_room], "event": "e", "data": 1})
    offset = event(ws)[2]
    # While alice is connected, her pid in bob's hands ends nothing and recovers nothing.
    live_try, live_other = open_as(bob, {"pid": answer["pid"], "offset": offset})
    assert live_other["sid"] != answer["sid"]
    live_try.close()
    rt.publish_ok({"rooms": [project_room], "event": "e", "data": "still here"})
    assert event(ws)[:2] == ["e", "still here"]
    ws.sock.close()
    rt.publish_ok({"rooms": [project_room], "event": "e", "data": 2})

    stolen, other = open_as(bob, {"pid": answer["pid"], "offset": offset})
    assert other["sid"] != answer["sid"], "another user's cookie never recovers alice's socket"
    rt.publish_ok({"rooms": [project_room], "event": "e", "data": 3})
    rt.publish_ok({"rooms": ["project:" + project_of("bob")], "event": "mine", "data": 4})
    assert event(stolen)[:2] == ["mine", 4], "bob got nothing of alice's project"
    stolen.close()

    # The pid was used up by the refused attempt: alice starts afresh too.
    back, fresh = open_as(alice, {"pid": answer["pid"], "offset": offset})
    assert fresh["sid"] != answer["sid"]
    back.close()


def test_with_auth_the_same_user_recovers_with_its_project_rooms(zenith_factory, apache):
    from harness.auth import ALLOWED_ORIGIN, login, project_of, start_auth

    rt = start_auth(zenith_factory, apache, realtime={"recovery": "2m"})
    alice = login(rt.url, "alice")

    def open_as(auth=None):
        return open_socket(rt, auth, cookie=alice.cookie, origin=ALLOWED_ORIGIN)

    ws, answer = open_as()
    project_room = "project:" + project_of("alice")
    rt.publish_ok({"rooms": [project_room], "event": "e", "data": 1})
    offset = event(ws)[2]
    ws.sock.close()
    rt.publish_ok({"rooms": [project_room], "event": "e", "data": 2})
    again, recovered = open_as({"pid": answer["pid"], "offset": offset})
    assert recovered == {"sid": answer["sid"], "pid": answer["pid"]}
    assert event(again)[:2] == ["e", 2]
    rt.publish_ok({"rooms": [project_room], "event": "e", "data": 3})
    assert event(again)[:2] == ["e", 3]
    again.close()


def test_sockets_dropped_by_a_drain_recover_in_the_next_process(zenith_factory, tmp_path):
    from harness.processes import free_port
    from harness.realtime import TOKEN, REALTIME_ROUTES, realtime_config, realtime_started

    port, publish_port = free_port(), free_port()
    (tmp_path / "token").write_text(TOKEN + "\n")
    cfg = realtime_config(publish_port, {"recovery": "2m", "recovery_file": "recovery.json"})

    def start():
        return realtime_started(zenith_factory(cfg, REALTIME_ROUTES, port=port, workdir=tmp_path), publish_port, TOKEN, cfg)

    first = start()
    gone, gone_answer = open_socket(first)
    subscribe(gone, "r")
    staying, staying_answer = open_socket(first)
    subscribe(staying, "r")
    first.publish_ok({"rooms": ["r"], "event": "e", "data": 1})
    gone_offset = event(gone)[2]
    staying_offset = event(staying)[2]
    gone.sock.close()  # lost before the restart: misses the next event
    first.publish_ok({"rooms": ["r"], "event": "e", "data": 2})
    staying_offset = event(staying)[2]
    first.stopped_on_purpose = True
    first.z.stop()  # SIGTERM: the drain drops `staying` without a close packet and writes the file
    assert (tmp_path / "recovery.json").exists()
    assert oct((tmp_path / "recovery.json").stat().st_mode & 0o777) == "0o600"

    second = start()
    assert not (tmp_path / "recovery.json").exists(), "the file is taken over once"
    back, answer = open_socket(second, {"pid": gone_answer["pid"], "offset": gone_offset})
    assert answer == {"sid": gone_answer["sid"], "pid": gone_answer["pid"]}
    assert event(back)[:2] == ["e", 2], "the event it missed before the restart"
    again, answer = open_socket(second, {"pid": staying_answer["pid"], "offset": staying_offset})
    assert answer["sid"] == staying_answer["sid"]
    second.publish_ok({"rooms": ["r"], "event": "e", "data": 3})
    assert event(back)[:2] == ["e", 3]
    assert event(again)[:2] == ["e", 3]
    offsets = [int(gone_offset), int(staying_offset), int(event_offset_after(second, again))]
    assert offsets == sorted(offsets), "offsets go on growing across the restart"
    back.close()
    again.close()


def event_offset_after(rt, ws) -> str:
    rt.publish_ok({"rooms": ["r"], "event": "e", "data": 4})
    return event(ws)[2]


def test_python_socketio_keeps_working_with_recovery_on(rt):
    """python-socketio does not ask for recovery and would hand an offset to its handlers as an
    extra argument: its sessions get the broadcasts without one."""
    with connected(rt, transports=["websocket"]) as (sio, log):
        assert sio.call("subscribe", "r", timeout=5) == {"ok": True}
        rt.publish_ok({"rooms": ["r"], "event": "e", "data": {"n": 1}})
        assert log.wait_event("e", 1)
        assert log.of("e") == [{"n": 1}]


def test_past_the_recovery_time_a_socket_starts_afresh(zenith_factory):
    import time

    short = start_realtime(zenith_factory, realtime={"recovery": "1s"})
    ws, answer = open_socket(short)
    subscribe(ws, "r")
    short.publish_ok({"rooms": ["r"], "event": "e", "data": 1})
    offset = event(ws)[2]
    ws.sock.close()
    time.sleep(1.5)
    again, fresh = open_socket(short, {"pid": answer["pid"], "offset": offset})
    assert fresh["sid"] != answer["sid"] and fresh["pid"] != answer["pid"]
    again.close()


def test_a_polling_session_that_loses_its_connection_recovers(rt):
    session = RawPolling(rt, headers={"User-Agent": BROWSER.split(": ", 1)[1]}).handshake()
    answer = session.connect_namespace("/")
    r = session.post('421["subscribe","r"]')
    assert r.text == "ok" and session.get_packets() == ['431[{"ok":true}]']
    rt.publish_ok({"rooms": ["r"], "event": "e", "data": 1})
    (packet,) = session.get_packets()
    offset = json.loads(packet[2:])[2]
    # The transport ends (an Engine.IO close without a Socket.IO disconnect counts as a lost
    # connection, as a ping timeout would, only sooner).
    assert session.post("1").text == "ok"
    rt.publish_ok({"rooms": ["r"], "event": "e", "data": 2})
    back = RawPolling(rt, headers={"User-Agent": BROWSER.split(": ", 1)[1]}).handshake()
    r = back.post("40" + json.dumps({"pid": answer["pid"], "offset": offset}))
    assert r.text == "ok"
    packets = back.get_packets()
    if len(packets) == 1:  # the replay may come in the next poll
        packets += back.get_packets()
    assert json.loads(packets[0][2:]) == {"sid": answer["sid"], "pid": answer["pid"]}
    assert json.loads(packets[1][2:])[:2] == ["e", 2]


def test_what_recovery_keeps_stays_within_its_bound(rt):
    """Broadcasts are kept for replay up to 16 MiB in all: 200 MB of them leave the process's
    memory about where 16 MiB and the allocator's slack put it."""
    from harness.memory import status_kib

    data = "x" * 200_000
    for _ in range(20):  # warm-up: the allocator's own caches
        rt.publish_ok({"broadcast": True, "event": "big", "data": data})
    before = status_kib(rt.z.pid, "VmRSS")
    for _ in range(1000):
        rt.publish_ok({"broadcast": True, "event": "big", "data": data})
    grown_mib = (status_kib(rt.z.pid, "VmRSS") - before) / 1024
    assert grown_mib < 64, f"RSS grew {grown_mib:.0f} MiB for 200 MB of broadcasts kept within 16 MiB"
