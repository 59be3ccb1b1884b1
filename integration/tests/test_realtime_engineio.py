"""Engine.IO v4 / Socket.IO v5 wire behaviour of zenith's realtime routes, checked byte by byte with
raw `requests` (long-polling) and `websocket-client` (WebSocket)."""
from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
import websocket

from harness.realtime import (RawPolling, decode_payload, raw_ws, session_unknown, start_realtime,
                              ws_closed, ws_open_socketio, ws_recv_text)

pytestmark = pytest.mark.usefixtures("zenith_survives")


def _json_error(r):
    try:
        return r.json()
    except ValueError:
        return r.text


# ---------------------------------------------------------------------------------------------
# handshake and basic exchange


def test_polling_handshake_format(rt):
    r = requests.get(rt.eio_url(), timeout=5)
    assert r.status_code == 200, r.text
    assert r.headers["Content-Type"].split(";")[0].strip() == "text/plain", r.headers
    assert r.text.startswith("0{"), r.text
    opened = json.loads(r.text[1:])
    assert set(opened) == {"sid", "upgrades", "pingInterval", "pingTimeout", "maxPayload"}, opened
    assert isinstance(opened["sid"], str) and len(opened["sid"]) >= 16
    assert opened["upgrades"] == ["websocket"]
    assert opened["pingInterval"] == 25000 and opened["pingTimeout"] == 20000
    assert opened["maxPayload"] == 1000000


def test_handshake_reflects_configured_timings(zenith_factory):
    rt = start_realtime(zenith_factory, {"ping_interval": "1500ms", "ping_timeout": "700ms", "max_payload": 4096})
    opened = RawPolling(rt).handshake().open
    assert (opened["pingInterval"], opened["pingTimeout"], opened["maxPayload"]) == (1500, 700, 4096)


def test_websocket_handshake_has_no_upgrades(rt):
    ws = raw_ws(rt)
    try:
        first = ws_recv_text(ws)
        assert first.startswith("0{"), first
        assert json.loads(first[1:])["upgrades"] == []
    finally:
        ws.close()


def test_sessions_get_distinct_sids(rt):
    sids = {RawPolling(rt).handshake().sid for _ in range(20)}
    assert len(sids) == 20


def test_polling_post_answered_ok_and_socketio_connect(rt):
    p = RawPolling(rt).handshake()
    r = p.post("40")
    assert r.status_code == 200 and r.text == "ok", (r.status_code, r.text)
    packets = p.get_packets()
    assert len(packets) == 1 and packets[0].startswith("40{"), packets
    data = json.loads(packets[0][2:])
    assert isinstance(data.get("sid"), str) and data["sid"] != p.sid, data


def test_polling_ack_and_batched_payload(rt):
    p = RawPolling(rt).handshake()
    p.connect_namespace()
    # two packets in one POST, separated by \x1e; both acks come back
    r = p.post('421["subscribe","room-a"]', '422["subscribe","room-b"]')
    assert r.text == "ok"
    got = []
    deadline = time.monotonic() + 5
    while len(got) < 2 and time.monotonic() < deadline:
        got += p.get_packets()
    assert sorted(got) == ['431[{"ok":true}]', '432[{"ok":true}]'], got
    assert rt.publish_ok({"rooms": ["room-a", "room-b"], "event": "x", "data": {"a": 1}}) == 1
    assert p.get_packets() == ['42["x",{"a":1}]']


def test_polling_gathers_several_events_in_one_get(rt):
    p = RawPolling(rt).handshake()
    p.connect_namespace()
    for i in range(5):
        rt.publish_ok({"broadcast": True, "event": "n", "data": i})
    got = []
    deadline = time.monotonic() + 5
    while len(got) < 5 and time.monotonic() < deadline:
        got += p.get_packets()
    assert got == [f'42["n",{i}]' for i in range(5)]


def test_polling_close_packet_ends_session(rt):
    p = RawPolling(rt).handshake()
    p.connect_namespace()
    assert p.post("1").text == "ok"
    gone, seen = p.wait_gone(3)
    assert gone, seen


# ---------------------------------------------------------------------------------------------
# Engine.IO request errors


def test_unknown_transport_is_refused(rt):
    r = requests.get(rt.url + "/socket.io/?EIO=4&transport=carrier-pigeon", timeout=5)
    assert r.status_code == 400
    assert _json_error(r) == {"code": 0, "message": "Transport unknown"}


def test_missing_transport_is_refused(rt):
    r = requests.get(rt.url + "/socket.io/?EIO=4", timeout=5)
    assert r.status_code == 400
    assert _json_error(r) == {"code": 0, "message": "Transport unknown"}


def test_unknown_sid_is_refused(rt):
    r = requests.get(rt.eio_url(sid="AAAAAAAAAAAAAAAAAAAA"), timeout=5)
    assert r.status_code == 400
    assert _json_error(r) == {"code": 1, "message": "Session ID unknown"}
    r = requests.post(rt.eio_url(sid="AAAAAAAAAAAAAAAAAAAA"), data="40", timeout=5)
    assert r.status_code == 400
    assert _json_error(r) == {"code": 1, "message": "Session ID unknown"}


def test_unknown_sid_on_websocket_is_refused(rt):
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        raw_ws(rt, sid="AAAAAAAAAAAAAAAAAAAA")
    assert e.value.status_code == 400


def test_handshake_by_post_is_refused(rt):
    r = requests.post(rt.eio_url(), data="40", timeout=5)
    assert r.status_code == 400
    assert _json_error(r) == {"code": 2, "message": "Bad handshake method"}


def test_eio3_is_refused(rt):
    r = requests.get(rt.url + "/socket.io/?EIO=3&transport=polling", timeout=5)
    assert r.status_code == 400, (r.status_code, r.text)
    assert _json_error(r) == {"code": 5, "message": "Unsupported protocol version"}


def test_missing_eio_version_is_refused(rt):
    r = requests.get(rt.url + "/socket.io/?transport=polling", timeout=5)
    assert r.status_code == 400, (r.status_code, r.text)
    assert _json_error(r) == {"code": 5, "message": "Unsupported protocol version"}


def test_polling_with_wrong_transport_for_session_is_refused(rt):
    """a sid opened over WebSocket cannot be polled"""
    ws = raw_ws(rt)
    try:
        sid = json.loads(ws_recv_text(ws)[1:])["sid"]
        r = requests.get(rt.eio_url(sid=sid), timeout=5)
        assert r.status_code == 400, (r.status_code, r.text)
        assert _json_error(r).get("code") == 3, r.text
    finally:
        ws.close()


def test_concurrent_gets_close_the_session(rt):
    p = RawPolling(rt).handshake()
    p.connect_namespace()
    with ThreadPoolExecutor(2) as pool:
        first = pool.submit(p.get, 10)
        time.sleep(0.3)
        t0 = time.monotonic()
        second = p.get(5)
        assert second.status_code == 400, (second.status_code, second.text)
        r1 = first.result(timeout=5)  # the pending poll must be let go, not left hanging
        assert time.monotonic() - t0 < 3
    assert r1.status_code in (200, 400), (r1.status_code, r1.text)
    if r1.status_code == 200:
        assert "1" in decode_payload(r1.text), r1.text  # a close packet
    r3 = p.get(3)
    assert session_unknown(r3), (r3.status_code, r3.text)


def test_malformed_polling_payload_closes_session(rt):
    p = RawPolling(rt).handshake()
    p.connect_namespace()
    r = p.post(body=b"9garbage")  # unknown Engine.IO packet type
    assert r.status_code in (200, 400), (r.status_code, r.text)
    gone, seen = p.wait_gone(3)
    assert gone, seen


def test_malformed_socketio_packet_closes_session(rt):
    p = RawPolling(rt).handshake()
    p.connect_namespace()
    r = p.post('42["unterminated')
    assert r.status_code in (200, 400), (r.status_code, r.text)
    gone, seen = p.wait_gone(3)
    assert gone, f"session survived a malformed Socket.IO packet; GETs saw {seen}"


def test_malformed_socketio_packet_over_websocket_closes(rt):
    ws, _ = ws_open_socketio(rt)
    try:
        ws.send('42["unterminated')
        closed, seen = ws_closed(ws, 3)
        assert closed, seen
    finally:
        ws.close()


def test_unknown_socketio_packet_type_closes_session(rt):
    p = RawPolling(rt).handshake()
    p.connect_namespace()
    p.post('49["x"]')
    gone, seen = p.wait_gone(3)
    assert gone, seen


# ---------------------------------------------------------------------------------------------
# namespaces on the wire


def test_unknown_namespace_connect_error_on_the_wire(rt):
    p = RawPolling(rt).handshake()
    assert p.post("40/nope,").text == "ok"
    packets = p.get_packets()
    assert packets == ['44/nope,{"message":"Invalid namespace"}'], packets
    # the Engine.IO session stays usable for a valid namespace
    assert p.connect_namespace("/custom").get("sid")


def test_socket_only_in_custom_namespace_gets_no_root_events(rt):
    """a socket that never sent CONNECT for '/' gets no '/' events, and emits there are refused"""
    p = RawPolling(rt).handshake()
    p.connect_namespace("/custom")
    assert rt.publish_ok({"broadcast": True, "event": "root-only", "data": 1}) == 0
    assert rt.publish_ok({"namespace": "/custom", "broadcast": True, "event": "c", "data": 1}) == 1
    assert p.get_packets() == ['42/custom,["c",1]']


# ---------------------------------------------------------------------------------------------
# binary attachments on the wire


def test_websocket_binary_attachment_reassembled(rt):
    ws, _ = ws_open_socketio(rt)
    try:
        ws.send('451-7["subscribe",{"_placeholder":true,"num":0}]')
        ws.send_binary(b"\x00\x01\x02room")
        assert ws_recv_text(ws) == '437[{"ok":false,"error":"bad room"}]'
        ws.send('428["subscribe","text-room"]')
        assert ws_recv_text(ws) == '438[{"ok":true}]'
    finally:
        ws.close()


def test_polling_binary_attachment_reassembled(rt):
    p = RawPolling(rt).handshake()
    p.connect_namespace()
    assert p.post('451-3["subscribe",{"_placeholder":true,"num":0}]', "bAAEC").text == "ok"
    assert p.get_packets() == ['433[{"ok":false,"error":"bad room"}]']


def test_binary_placeholder_without_attachment_followed_by_text_closes(rt):
    ws, _ = ws_open_socketio(rt)
    try:
        ws.send('451-["subscribe",{"_placeholder":true,"num":0}]')
        ws.send('42["subscribe","r"]')  # a text packet where the attachment was due
        closed, seen = ws_closed(ws, 3)
        assert closed, seen
    finally:
        ws.close()


# ---------------------------------------------------------------------------------------------
# upgrade


def test_upgrade_dance_by_hand(rt):
    p = RawPolling(rt).handshake()
    p.connect_namespace()
    assert p.post('421["subscribe","up"]').text == "ok"
    assert p.get_packets() == ['431[{"ok":true}]']

    pending = ThreadPoolExecutor(1)
    poll = pending.submit(p.get, 10)  # a GET waiting when the probe arrives
    time.sleep(0.2)
    ws = raw_ws(rt, sid=p.sid)
    try:
        ws.send("2probe")
        assert ws_recv_text(ws) == "3probe"
        r = poll.result(timeout=3)
        assert r.status_code == 200 and decode_payload(r.text) == ["6"], (r.status_code, r.text)
        ws.send("5")
        time.sleep(0.1)
        assert rt.publish_ok({"rooms": ["up"], "event": "after-upgrade", "data": [1, "two"]}) == 1
        assert ws_recv_text(ws) == '42["after-upgrade",[1,"two"]]'
        # polling is over for this sid
        r = p.get(3)
        assert r.status_code == 400, (r.status_code, r.text)
    finally:
        ws.close()
        pending.shutdown(wait=False)


def test_events_published_during_upgrade_are_not_lost(rt):
    p = RawPolling(rt).handshake()
    p.connect_namespace()
    ws = raw_ws(rt, sid=p.sid)
    try:
        ws.send("2probe")
        assert ws_recv_text(ws) == "3probe"
        rt.publish_ok({"broadcast": True, "event": "mid", "data": 1})  # between probe and upgrade: still on polling
        got = []
        deadline = time.monotonic() + 3
        while "mid" not in "".join(got) and time.monotonic() < deadline:
            got += [x for x in p.get_packets() if x != "6"]
        ws.send("5")
        time.sleep(0.1)
        rt.publish_ok({"broadcast": True, "event": "late", "data": 2})
        got_ws = ws_recv_text(ws)
        assert got == ['42["mid",1]'], got
        assert got_ws == '42["late",2]'
    finally:
        ws.close()


# ---------------------------------------------------------------------------------------------
# payload limits


@pytest.fixture
def small_payload(zenith_factory):
    return start_realtime(zenith_factory, {"max_payload": 2048})


def test_polling_post_at_max_payload_is_accepted(small_payload):
    p = RawPolling(small_payload).handshake()
    p.connect_namespace()
    body = ('42["ignored","' + "a" * 2048)[:2046] + '"]'
    assert len(body) == 2048
    r = p.post(body)
    assert r.status_code == 200 and r.text == "ok", (r.status_code, r.text)
    assert p.post('421["subscribe","r"]').text == "ok"
    assert p.get_packets() == ['431[{"ok":true}]']


def test_polling_post_over_max_payload_is_413_and_closes(small_payload):
    p = RawPolling(small_payload).handshake()
    p.connect_namespace()
    r = p.post(body=('42["big","' + "a" * 5000 + '"]').encode())
    assert r.status_code == 413, (r.status_code, r.text)
    r2 = p.get(3)
    assert session_unknown(r2), (r2.status_code, r2.text)


def test_websocket_message_over_max_payload_closes(small_payload):
    ws, _ = ws_open_socketio(small_payload)
    try:
        ws.send('42["big","' + "a" * 5000 + '"]')
        closed, seen = ws_closed(ws, 3)
        assert closed, seen
    finally:
        ws.close()


def test_websocket_message_at_max_payload_is_accepted(small_payload):
    ws, _ = ws_open_socketio(small_payload)
    try:
        body = ('42["ignored","' + "a" * 2048)[:2046] + '"]'
        ws.send(body)
        ws.send('421["subscribe","r"]')
        assert ws_recv_text(ws) == '431[{"ok":true}]'
    finally:
        ws.close()


# ---------------------------------------------------------------------------------------------
# heartbeat


@pytest.fixture
def fast_heartbeat(zenith_factory):
    return start_realtime(zenith_factory, {"ping_interval": "300ms", "ping_timeout": "200ms"})


def test_heartbeat_drops_silent_polling_client(fast_heartbeat):
    rt = fast_heartbeat
    p = RawPolling(rt).handshake()
    p.connect_namespace()
    t0 = time.monotonic()
    # poll (receive the ping) but never answer it
    seen = []
    while time.monotonic() - t0 < 2.0:
        r = p.get(3)
        seen.append((round(time.monotonic() - t0, 2), r.status_code, r.text[:40]))
        if r.status_code != 200:
            break
    assert seen and seen[-1][1] == 400, f"session not dropped within 2s: {seen}"
    assert session_unknown(r), (r.status_code, r.text)
    assert any("2" in decode_payload(t) for _, c, t in seen if c == 200), f"no ping seen: {seen}"
    # dropped within pingInterval + pingTimeout (+ slack for the poll round trips)
    assert seen[-1][0] <= 0.3 + 0.2 + 0.4, seen


def test_heartbeat_drops_idle_client_that_never_polls(fast_heartbeat):
    p = RawPolling(fast_heartbeat).handshake()
    p.connect_namespace()
    time.sleep(0.3 + 0.2 + 0.3)
    r = p.get(3)
    assert session_unknown(r), (r.status_code, r.text)
    assert fast_heartbeat.publish_ok({"broadcast": True, "event": "x", "data": 0}) == 0


def test_heartbeat_keeps_answering_polling_client(fast_heartbeat):
    rt = fast_heartbeat
    p = RawPolling(rt).handshake()
    p.connect_namespace()
    pings = 0
    t0 = time.monotonic()
    while time.monotonic() - t0 < 2.0:
        packets = p.get_packets(3)
        for pkt in packets:
            if pkt == "2":
                pings += 1
                assert p.post("3").text == "ok"
    assert pings >= 3, pings
    assert rt.publish_ok({"broadcast": True, "event": "still-here", "data": 1}) == 1
    assert p.get_packets(3) == ['42["still-here",1]']


def test_heartbeat_websocket_client_that_answers_stays(fast_heartbeat):
    rt = fast_heartbeat
    ws, _ = ws_open_socketio(rt)
    try:
        pings = 0
        t0 = time.monotonic()
        while time.monotonic() - t0 < 1.5:
            msg = ws_recv_text(ws)
            if msg == "2":
                pings += 1
                ws.send("3")
        assert pings >= 3
        assert rt.publish_ok({"broadcast": True, "event": "alive", "data": 1}) == 1
        while (msg := ws_recv_text(ws)) == "2":
            ws.send("3")
        assert msg == '42["alive",1]'
    finally:
        ws.close()


def test_heartbeat_drops_silent_websocket_client(fast_heartbeat):
    ws, _ = ws_open_socketio(fast_heartbeat)
    try:
        t0 = time.monotonic()
        closed = False
        while time.monotonic() - t0 < 3:
            try:
                op, data = ws.recv_data(control_frame=True)
            except (websocket.WebSocketConnectionClosedException, OSError):
                closed = True
                break
            if op == websocket.ABNF.OPCODE_CLOSE:
                closed = True
                break
        elapsed = time.monotonic() - t0
        assert closed, "silent WebSocket client not dropped"
        assert elapsed < 0.3 + 0.2 + 0.5, elapsed
    finally:
        ws.close()


def test_python_socketio_client_survives_fast_heartbeat(fast_heartbeat):
    from harness.realtime import connected

    with connected(fast_heartbeat, transports=["polling"]) as (sio, log):
        time.sleep(1.5)
        assert sio.connected
        assert sio.call("subscribe", "hb", timeout=3) == {"ok": True}


# ---------------------------------------------------------------------------------------------
# connect timeout


@pytest.fixture
def short_connect(zenith_factory):
    return start_realtime(zenith_factory, {"connect_timeout": "1s"})


def test_connect_timeout_closes_session_without_namespace(short_connect):
    p = RawPolling(short_connect).handshake()
    t0 = time.monotonic()
    r = p.get(5)  # held open (ping interval is 25s) until the server gives up on the session
    elapsed = time.monotonic() - t0
    assert 0.7 <= elapsed <= 2.5, (elapsed, r.status_code, r.text)
    if r.status_code == 200:
        assert decode_payload(r.text) == ["1"], r.text
    r2 = p.get(3)
    assert session_unknown(r2), (r2.status_code, r2.text)


def test_connect_timeout_closes_websocket_without_namespace(short_connect):
    ws = raw_ws(short_connect)
    try:
        assert ws_recv_text(ws).startswith("0{")
        t0 = time.monotonic()
        closed, seen = ws_closed(ws, 4)
        assert closed, seen
        assert 0.7 <= time.monotonic() - t0 <= 2.5
    finally:
        ws.close()


def test_connect_timeout_spares_connected_session(short_connect):
    p = RawPolling(short_connect).handshake()
    p.connect_namespace()
    time.sleep(1.6)
    assert short_connect.publish_ok({"broadcast": True, "event": "ok", "data": 1}) == 1
    assert p.get_packets(3) == ['42["ok",1]']


# ---------------------------------------------------------------------------------------------
# origins and CORS


@pytest.fixture
def origins(zenith_factory):
    return start_realtime(zenith_factory, {"allowed_origins": ["http://dash.example", "*.corp.example"],
                                           "allow_missing_origin": True})


def test_foreign_origin_polling_handshake_is_forbidden(origins):
    r = requests.get(origins.eio_url(), headers={"Origin": "http://evil.example"}, timeout=5)
    assert r.status_code == 403, (r.status_code, r.text)
    assert _json_error(r) == {"code": 4, "message": "Forbidden"}
    assert "Access-Control-Allow-Origin" not in r.headers


def test_foreign_origin_websocket_upgrade_is_refused(origins):
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        raw_ws(origins, origin="http://evil.example")
    assert e.value.status_code in (400, 403), e.value


def test_foreign_origin_cannot_use_existing_sid(origins):
    p = RawPolling(origins, headers={"Origin": "http://dash.example"}).handshake()
    p.connect_namespace()
    r = requests.get(origins.eio_url(sid=p.sid), headers={"Origin": "http://evil.example"}, timeout=5)
    assert r.status_code == 403, (r.status_code, r.text)
    r = requests.post(origins.eio_url(sid=p.sid), data="1", headers={"Origin": "http://evil.example"}, timeout=5)
    assert r.status_code == 403, (r.status_code, r.text)
    with pytest.raises(websocket.WebSocketBadStatusException) as e:  # nor upgrade it
        raw_ws(origins, sid=p.sid, origin="http://evil.example")
    assert e.value.status_code in (400, 403), e.value


def test_refused_origin_is_logged(origins):
    """DESIGN: a missing or foreign Origin is refused, with the reason logged"""
    r = requests.get(origins.eio_url(), headers={"Origin": "http://evil.example"}, timeout=5)
    assert r.status_code == 403
    text = origins.z.wait_stderr("evil.example", timeout=2)
    lines = [line for line in text.splitlines() if "origin" in line.lower()]
    assert lines, f"no log line about the refused origin; stderr:\n{text[-2000:]}"


def test_allowed_origin_gets_cors_headers(origins):
    p = RawPolling(origins, headers={"Origin": "http://dash.example"}).handshake()
    h = p.handshake_response.headers
    assert h.get("Access-Control-Allow-Origin") == "http://dash.example", dict(h)
    assert h.get("Access-Control-Allow-Credentials") == "true", dict(h)
    r = p.post("40")
    assert r.text == "ok"
    assert r.headers.get("Access-Control-Allow-Origin") == "http://dash.example", dict(r.headers)
    assert r.headers.get("Access-Control-Allow-Credentials") == "true"


def test_wildcard_origin_pattern(origins):
    ok = requests.get(origins.eio_url(), headers={"Origin": "https://app.corp.example"}, timeout=5)
    assert ok.status_code == 200, (ok.status_code, ok.text)
    assert ok.headers.get("Access-Control-Allow-Origin") == "https://app.corp.example"
    for bad in ("https://corp.example.evil.org", "https://evilcorp.example", "https://app.corp.example.evil.org"):
        r = requests.get(origins.eio_url(), headers={"Origin": bad}, timeout=5)
        assert r.status_code == 403, (bad, r.status_code, r.text)


def test_allowed_origin_websocket_upgrade_works(origins):
    ws = raw_ws(origins, origin="http://dash.example")
    try:
        assert ws_recv_text(ws).startswith("0{")
    finally:
        ws.close()


def test_cors_preflight(origins):
    r = requests.options(origins.eio_url(), headers={
        "Origin": "http://dash.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"}, timeout=5)
    assert r.status_code == 204, (r.status_code, r.text)
    assert r.headers.get("Access-Control-Allow-Origin") == "http://dash.example"
    assert r.headers.get("Access-Control-Allow-Credentials") == "true"
    assert "POST" in r.headers.get("Access-Control-Allow-Methods", ""), dict(r.headers)


def test_cors_preflight_from_foreign_origin_is_refused(origins):
    r = requests.options(origins.eio_url(), headers={
        "Origin": "http://evil.example", "Access-Control-Request-Method": "POST"}, timeout=5)
    assert r.status_code == 403 or "Access-Control-Allow-Origin" not in r.headers, (r.status_code, dict(r.headers))


def test_missing_origin_refused_when_not_allowed(zenith_factory):
    rt = start_realtime(zenith_factory, {"allowed_origins": ["http://dash.example"], "allow_missing_origin": False})
    r = requests.get(rt.eio_url(), timeout=5)
    assert r.status_code == 403, (r.status_code, r.text)
    assert _json_error(r) == {"code": 4, "message": "Forbidden"}
    with pytest.raises(websocket.WebSocketBadStatusException):
        raw_ws(rt, suppress_origin=True)


def test_missing_origin_accepted_when_allowed(origins):
    r = requests.get(origins.eio_url(), timeout=5)
    assert r.status_code == 200 and r.text.startswith("0{"), (r.status_code, r.text)
