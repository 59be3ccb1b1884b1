"""WebSocket upgrades on proxy routes are tunnelled to the backend (websocket-client ↔ websockets)."""
import json
import os
import time
import uuid

import websocket

from harness.raw_http import Conn, build_request, http_request


def connect(zenith, path="/ws/echo", **kw):
    return websocket.create_connection(f"ws://127.0.0.1:{zenith.port}{path}", timeout=10, **kw)


def test_text_and_binary_echo(zenith):
    ws = connect(zenith)
    try:
        ws.send("hello zenith")
        assert ws.recv() == "hello zenith"
        ws.send_binary(b"\x00\x01\xfe\xff" * 10)
        opcode, data = ws.recv_data()
        assert opcode == websocket.ABNF.OPCODE_BINARY and data == b"\x00\x01\xfe\xff" * 10
        ws.send("ünïcødé ✓")
        assert ws.recv() == "ünïcødé ✓"
    finally:
        ws.close()


def test_one_mib_messages(zenith):
    ws = connect(zenith)
    try:
        blob = os.urandom(1 << 20)
        ws.send_binary(blob)
        opcode, data = ws.recv_data()
        assert data == blob
        text = "x" * (1 << 20)
        ws.send(text)
        assert ws.recv() == text
    finally:
        ws.close()


def test_many_small_messages_in_order(zenith):
    ws = connect(zenith)
    try:
        for i in range(200):
            ws.send(f"msg-{i}")
        assert [ws.recv() for _ in range(200)] == [f"msg-{i}" for i in range(200)]
    finally:
        ws.close()


def test_upgrade_request_headers_reach_backend(zenith):
    ws = connect(zenith, "/ws/echo?hdr=1", header=["X-Custom: yes"], cookie="sessionid=abc")
    try:
        ws.send("headers")
        info = json.loads(ws.recv())
    finally:
        ws.close()
    headers = {k.lower(): v for k, v in info["headers"]}
    assert info["path"] == "/ws/echo?hdr=1"
    assert headers["upgrade"].lower() == "websocket"
    assert "upgrade" in headers["connection"].lower()
    assert headers["x-custom"] == "yes"
    assert headers["cookie"] == "sessionid=abc"
    assert headers["host"] == f"127.0.0.1:{zenith.port}"
    assert headers["x-forwarded-for"] == "127.0.0.1"
    assert "sec-websocket-key" in headers and headers["sec-websocket-version"] == "13"


def test_server_initiated_close_propagated(zenith):
    ws = connect(zenith)
    try:
        ws.send("close-me")
        opcode, data = ws.recv_data(control_frame=True)
        assert opcode == websocket.ABNF.OPCODE_CLOSE
        code = int.from_bytes(data[:2], "big")
        assert code == 4000 and data[2:] == b"bye"
    finally:
        ws.close()


def test_client_close_propagated(zenith):
    conn_id = uuid.uuid4().hex
    ws = connect(zenith, f"/ws/echo?id={conn_id}")
    ws.send("ping?")
    assert ws.recv() == "ping?"
    ws.close(status=4001, reason=b"client-bye")
    probe = connect(zenith)
    try:
        deadline = time.monotonic() + 3
        info = None
        while time.monotonic() < deadline:
            probe.send(f"close-info:{conn_id}")
            info = json.loads(probe.recv())
            if info:
                break
            time.sleep(0.05)
        assert info == {"code": 4001, "reason": "client-bye"}
    finally:
        probe.close()


def test_tcp_drop_by_client_does_not_hurt(zenith):
    for _ in range(5):
        ws = connect(zenith)
        ws.send("x")
        ws.sock.close()  # no close frame
    ws = connect(zenith)
    try:
        ws.send("still fine")
        assert ws.recv() == "still fine"
    finally:
        ws.close()


def _upgrade_request(path, host="dash.example"):
    return build_request("GET", path, [
        ("Upgrade", "websocket"), ("Connection", "Upgrade"),
        ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="), ("Sec-WebSocket-Version", "13"),
    ], host=host)


def test_non_101_answer_relayed_as_normal_response(zenith):
    with Conn(zenith.port) as c:
        c.send(_upgrade_request("/ws/reject"))
        r = c.read_response()
    assert r.status == 403
    assert r.body == b"rejected by backend\n"
    assert r.header("X-Backend-Reject") == "yes"


def test_upgrade_to_dashboard_answered_normally(zenith):
    """Apache/mod_wsgi ignores the Upgrade: the 200 comes back as plain HTTP, connection still usable."""
    with Conn(zenith.port) as c:
        c.send(_upgrade_request("/dashboard/echo?ws=1"))
        r = c.read_response()
        assert r.status == 200
        assert r.json()["args"] == {"ws": ["1"]}
        if not c.is_closed(0.3):
            c.send(build_request("GET", "/dashboard/echo?after=upgrade"))
            assert c.read_response().json()["args"] == {"after": ["upgrade"]}


def test_websocket_and_http_side_by_side(zenith):
    ws = connect(zenith)
    try:
        ws.send("a")
        assert http_request(zenith.port, "GET", "/dashboard/whoami").status == 200
        assert ws.recv() == "a"
    finally:
        ws.close()
