"""The publish API (`POST /publish` on its own listener): authentication, validation, answers."""
from __future__ import annotations

import json

import pytest
import requests

from harness.realtime import RawPolling, connected, fence

pytestmark = pytest.mark.usefixtures("zenith_survives")


def _error(r):
    assert r.headers.get("Content-Type", "").startswith("application/json"), dict(r.headers)
    body = r.json()
    assert isinstance(body, dict) and isinstance(body.get("error"), str) and body["error"], body
    return body["error"]


def test_publish_accepted_with_zero_recipients(rt):
    r = rt.publish({"broadcast": True, "event": "e", "data": 1})
    assert r.status_code == 202, (r.status_code, r.text)
    assert r.headers.get("Content-Type", "").startswith("application/json")
    assert r.json() == {"recipients": 0}


def test_publish_without_token_is_401(rt):
    r = rt.publish({"broadcast": True, "event": "e"}, token=None)
    assert r.status_code == 401, (r.status_code, r.text)
    _error(r)


def test_publish_with_wrong_token_is_401(rt):
    for bad in ("wrong", rt.token + "x", rt.token[:-1], ""):
        r = rt.publish({"broadcast": True, "event": "e"}, token=bad)
        assert r.status_code == 401, (bad, r.status_code, r.text)


def test_publish_with_other_auth_scheme_is_401(rt):
    r = rt.publish({"broadcast": True, "event": "e"}, token=None, headers={"Authorization": f"Basic {rt.token}"})
    assert r.status_code == 401, (r.status_code, r.text)
    r = rt.publish({"broadcast": True, "event": "e"}, token=None, headers={"Authorization": rt.token})
    assert r.status_code == 401, (r.status_code, r.text)


def test_unauthorized_publish_delivers_nothing(rt):
    p = RawPolling(rt).handshake()
    p.connect_namespace()
    assert rt.publish({"broadcast": True, "event": "sneaky", "data": 1}, token="wrong").status_code == 401
    assert rt.publish_ok({"broadcast": True, "event": "legit", "data": 2}) == 1
    assert p.get_packets() == ['42["legit",2]']


def test_publish_invalid_json_is_400(rt):
    for raw in (b"{", b"not json", b'{"event":"e",}', b"", b'{"event":"e"} trailing'):
        r = rt.publish(None, raw=raw)
        assert r.status_code == 400, (raw, r.status_code, r.text)
        _error(r)


def test_publish_room_lists_are_bounded(rt):
    cases = [
        ({"rooms": ["r"] * 1001, "event": "e"}, "more than 1000 rooms"),
        ({"rooms": ["x" * 257], "event": "e"}, "1 to 256 bytes"),
        ({"except": [""], "broadcast": True, "event": "e"}, "1 to 256 bytes"),
    ]
    for body, message in cases:
        r = rt.publish(body)
        assert r.status_code == 400 and message in r.json()["error"], (r.status_code, r.text)


@pytest.mark.parametrize("body", [
    {"event": "e", "data": 1},
    {"rooms": None, "event": "e", "data": 1},
    {"rooms": [], "event": "e", "data": 1},
    {"rooms": [], "broadcast": False, "event": "e", "data": 1},
    {"except": ["r"], "event": "e", "data": 1},
], ids=["missing", "null", "empty", "empty-broadcast-false", "only-except"])
def test_publish_without_rooms_or_broadcast_is_400_and_reaches_nobody(rt, body):
    """A room list that came out empty is a publisher's bug: it must never become a broadcast to
    every tenant's sockets (issue 12 item 6)."""
    p = RawPolling(rt).handshake()
    p.connect_namespace()
    r = rt.publish(body)
    assert r.status_code == 400, (body, r.status_code, r.text)
    message = _error(r)
    assert "rooms" in message and '"broadcast": true' in message, message
    # The same socket still hears an explicit broadcast, and only that.
    assert rt.publish_ok({"broadcast": True, "event": "after", "data": 0}) == 1
    assert p.get_packets() == ['42["after",0]']


def test_publish_batch_with_one_event_without_rooms_is_400_and_publishes_nothing(rt):
    p = RawPolling(rt).handshake()
    socket_id = p.connect_namespace()["sid"]
    r = rt.publish([{"rooms": [socket_id], "event": "ok1", "data": 1}, {"rooms": [], "event": "leak", "data": 2}])
    assert r.status_code == 400, (r.status_code, r.text)
    assert _error(r).startswith("event 1: "), r.text
    assert rt.publish_ok({"rooms": [socket_id], "event": "after", "data": 0}) == 1
    assert p.get_packets() == ['42["after",0]']


@pytest.mark.parametrize("body", [
    {"broadcast": True, "rooms": ["r"], "event": "e"},
    {"broadcast": "yes", "event": "e"},
    {"broadcast": None, "event": "e"},
    {"broadcast": 1, "event": "e"},
], ids=["with-rooms", "string", "null", "number"])
def test_publish_bad_broadcast_is_400(rt, body):
    r = rt.publish(body)
    assert r.status_code == 400, (body, r.status_code, r.text)
    assert "broadcast" in _error(r)


def test_publish_missing_event_is_400(rt):
    for body in ({"data": 1}, {"broadcast": True, "event": "", "data": 1}, {"broadcast": True, "event": 5}, {"broadcast": True, "event": None}):
        r = rt.publish(body)
        assert r.status_code == 400, (body, r.status_code, r.text)
        _error(r)


@pytest.mark.parametrize("event", ["connect", "disconnect", "connect_error", "disconnecting",
                                   "newListener", "removeListener"])
def test_publish_reserved_event_is_400(rt, event):
    r = rt.publish({"broadcast": True, "event": event, "data": 1})
    assert r.status_code == 400, (event, r.status_code, r.text)
    _error(r)


def test_publish_unknown_namespace_is_400(rt):
    r = rt.publish({"namespace": "/nope", "broadcast": True, "event": "e"})
    assert r.status_code == 400, (r.status_code, r.text)
    assert "/nope" in _error(r)


def test_publish_unknown_field_is_400(rt):
    r = rt.publish({"broadcast": True, "event": "e", "room": ["r"]})
    assert r.status_code == 400, (r.status_code, r.text)
    assert "room" in _error(r)


def test_publish_bad_field_types_are_400(rt):
    for body in ({"event": "e", "rooms": "r1"}, {"event": "e", "rooms": [1]}, {"broadcast": True, "event": "e", "except": "x"},
                 {"broadcast": True, "event": "e", "namespace": 1}, {"event": "e", "rooms": [""]}, 5, "e", None):
        r = rt.publish(body)
        assert r.status_code == 400, (body, r.status_code, r.text)


def test_publish_batch_with_one_bad_event_is_400_and_publishes_nothing(rt):
    p = RawPolling(rt).handshake()
    p.connect_namespace()
    r = rt.publish([{"broadcast": True, "event": "ok1", "data": 1}, {"broadcast": True, "event": "connect"}])
    assert r.status_code == 400, (r.status_code, r.text)
    assert rt.publish_ok({"broadcast": True, "event": "after", "data": 0}) == 1
    assert p.get_packets() == ['42["after",0]']


def test_publish_empty_batch_is_400(rt):
    r = rt.publish([])
    assert r.status_code == 400, (r.status_code, r.text)


def test_publish_other_path_is_404(rt):
    for path in ("/", "/publish/", "/publishx", "/other"):
        r = rt.publish({"broadcast": True, "event": "e"}, path=path)
        assert r.status_code == 404, (path, r.status_code, r.text)


def test_publish_non_post_is_405(rt):
    for method in ("GET", "PUT", "DELETE", "PATCH"):
        r = rt.publish({"broadcast": True, "event": "e"}, method=method)
        assert r.status_code == 405, (method, r.status_code, r.text)


def test_publish_body_over_limit_is_413(rt):
    body = json.dumps({"broadcast": True, "event": "big", "data": "x" * (1 << 20)}).encode()
    assert len(body) > 1 << 20
    r = rt.publish(None, raw=body)
    assert r.status_code == 413, (r.status_code, r.text[:200])


def test_publish_body_just_under_limit_is_accepted(rt):
    body = json.dumps({"broadcast": True, "event": "big", "data": "x" * ((1 << 20) - 100)}).encode()
    assert len(body) <= 1 << 20
    r = rt.publish(None, raw=body)
    assert r.status_code == 202, (r.status_code, r.text[:200])


def test_publish_api_keeps_connection_alive(rt):
    s = requests.Session()
    url = rt.publish_url
    hdrs = {"Authorization": f"Bearer {rt.token}"}
    for i in range(20):
        r = s.post(url, json={"broadcast": True, "event": "e", "data": i}, headers=hdrs, timeout=5)
        assert r.status_code == 202
    r = s.post(url, json={"event": "connect"}, headers=hdrs, timeout=5)
    assert r.status_code == 400
    assert s.post(url, json={"broadcast": True, "event": "e"}, headers=hdrs, timeout=5).status_code == 202


def test_publish_not_served_on_main_listener(rt):
    r = requests.post(rt.url + "/publish", json={"broadcast": True, "event": "e"},
                      headers={"Authorization": f"Bearer {rt.token}"}, timeout=5)
    assert r.status_code != 202, (r.status_code, r.text)


def test_recipient_counts_three_clients_two_rooms(rt):
    """x in red; y in red and blue; z in blue: counts per room, union, except, batch, namespaces."""
    with connected(rt, transports=["websocket"]) as (x, lx), \
            connected(rt, transports=["polling"]) as (y, ly), \
            connected(rt, transports=["websocket"]) as (z, lz):
        for sio, rooms in ((x, ["red"]), (y, ["red", "blue"]), (z, ["blue"])):
            for room in rooms:
                assert sio.call("subscribe", room, timeout=5) == {"ok": True}
        assert rt.publish_ok({"rooms": ["red"], "event": "e"}) == 2
        assert rt.publish_ok({"rooms": ["blue"], "event": "e"}) == 2
        assert rt.publish_ok({"rooms": ["red", "blue"], "event": "e"}) == 3
        assert rt.publish_ok({"rooms": ["red"], "except": ["blue"], "event": "e"}) == 1
        assert rt.publish_ok({"except": ["red"], "broadcast": True, "event": "e"}) == 1
        assert rt.publish_ok({"except": ["red", "blue"], "broadcast": True, "event": "e"}) == 0
        assert rt.publish_ok({"broadcast": True, "event": "e"}) == 3
        assert rt.publish_ok({"rooms": ["green"], "event": "e"}) == 0
        assert rt.publish_ok({"namespace": "/custom", "broadcast": True, "event": "e"}) == 0
        assert rt.publish_ok({"rooms": [x.get_sid("/")], "event": "e"}) == 1
        assert rt.publish_ok([{"rooms": ["red"], "event": "e"}, {"rooms": ["blue"], "except": ["red"], "event": "e"},
                              {"broadcast": True, "event": "e"}]) == [2, 1, 3]
        fence(rt, [lx, ly, lz])
        # what each one actually received matches the counts
        assert (len(lx.of("e")), len(ly.of("e")), len(lz.of("e"))) == (7, 6, 6), \
            (len(lx.of("e")), len(ly.of("e")), len(lz.of("e")))
        assert y.call("unsubscribe", "red", timeout=5) == {"ok": True}
        assert rt.publish_ok({"rooms": ["red"], "event": "e"}) == 1


def test_publish_answers_expect_100_continue_at_once(rt, tmp_path):
    """A client that sends `Expect: 100-continue` (curl does before large bodies) waits up to a
    second for the interim answer before sending its body; the publish listener answers at once."""
    import subprocess
    import time

    body = tmp_path / "body.json"
    body.write_text(json.dumps({"broadcast": True, "event": "big", "data": "x" * 4000}))
    started = time.monotonic()
    result = subprocess.run(
        ["curl", "-sS", "-o", "/dev/null", "-w", "%{http_code}", "-X", "POST", "-H", "Content-Type: application/json",
         "-H", "Expect: 100-continue",
         "-H", f"Authorization: Bearer {rt.token}", "--data-binary", f"@{body}", rt.publish_url],
        capture_output=True, text=True, timeout=10)
    took = time.monotonic() - started
    assert result.stdout == "202", result.stderr
    assert took < 0.8, f"the publish took {took:.2f}s: the 100 Continue did not come"
