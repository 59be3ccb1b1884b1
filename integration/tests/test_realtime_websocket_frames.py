"""WebSocket framing on the realtime path (RFC 6455 §5): fragmented messages are joined, frames
that break the protocol get a close frame with the right code. Zenith reads frames, joins
fragments and answers protocol errors in its own Engine.IO transport handler."""
from __future__ import annotations

import struct

import pytest
import websocket

from harness.realtime import start_realtime, ws_open_socketio, ws_recv_text

pytestmark = pytest.mark.usefixtures("zenith_survives")


def _close_code(ws: websocket.WebSocket) -> int | None:
    """The code of the close frame the server sends next (None if the connection just ends)."""
    while True:
        try:
            op, data = ws.recv_data(control_frame=True)
        except (websocket.WebSocketConnectionClosedException, ConnectionError):
            return None
        if op == websocket.ABNF.OPCODE_CLOSE:
            return struct.unpack("!H", data[:2])[0] if len(data) >= 2 else None


def test_a_message_in_fragments_is_one_packet(rt):
    ws, _ = ws_open_socketio(rt)
    try:
        message = '421["subscribe","fragments"]'
        ws.send_frame(websocket.ABNF(0, 0, 0, 0, websocket.ABNF.OPCODE_TEXT, 1, message[:5].encode()))
        ws.send_frame(websocket.ABNF(0, 0, 0, 0, websocket.ABNF.OPCODE_CONT, 1, message[5:12].encode()))
        ws.ping(b"between fragments")  # a control frame may come between fragments
        ws.send_frame(websocket.ABNF(1, 0, 0, 0, websocket.ABNF.OPCODE_CONT, 1, message[12:].encode()))
        assert ws_recv_text(ws) == '431[{"ok":true}]'
    finally:
        ws.close()


def test_a_continuation_without_a_message_closes_the_connection(rt):
    ws, _ = ws_open_socketio(rt)
    try:
        ws.send_frame(websocket.ABNF(1, 0, 0, 0, websocket.ABNF.OPCODE_CONT, 1, b"orphan"))
        assert _close_code(ws) is None
    finally:
        ws.close()


def test_a_ping_above_125_bytes_gets_close_1002(rt):
    ws, _ = ws_open_socketio(rt)
    try:
        ws.send_frame(websocket.ABNF(1, 0, 0, 0, websocket.ABNF.OPCODE_PING, 1, b"x" * 126))
        assert _close_code(ws) == 1002
    finally:
        ws.close()


def test_a_frame_above_max_payload_gets_close_1009(zenith_factory):
    rt = start_realtime(zenith_factory, {"max_payload": 1024, "allow_missing_origin": True})
    ws, opened = ws_open_socketio(rt)
    try:
        assert opened["maxPayload"] == 1024
        # Only the header of a 1,025-byte text frame: the server refuses it on its length alone
        # (and has read everything, so its close is a FIN that cannot overtake the close frame).
        ws.sock.sendall(bytes([0x81, 0x80 | 126]) + struct.pack("!H", 1025) + b"mask")
        assert _close_code(ws) == 1009
    finally:
        ws.close()
