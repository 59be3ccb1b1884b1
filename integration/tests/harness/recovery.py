"""Raw Socket.IO clients that speak connection state recovery as a browser's client does: they
send a browser's User-Agent (offsets go to browsers only), keep the CONNECT answer's pid, and
read the offsets broadcasts carry."""
from __future__ import annotations

import json

import pytest
import websocket

from harness.realtime import Realtime, raw_ws, ws_recv_text

# Offsets go to browsers only (other clients would hand them to their handlers): these raw
# clients say they are one, as the official client and zenith.js in a browser do.
BROWSER = "User-Agent: Mozilla/5.0 (X11; Linux x86_64) zenith-tests"


def open_socket(rt: Realtime, auth: dict | None = None, *, cookie: str | None = None, origin: str | None = None):
    """A WebSocket-only session with a Socket.IO CONNECT (with `auth`), sending `cookie` and
    `origin` when given; (ws, CONNECT answer)."""
    header = [BROWSER] + ([f"Cookie: {cookie}"] if cookie else [])
    ws = raw_ws(rt, header=header, **({"origin": origin} if origin else {}))
    assert ws_recv_text(ws).startswith("0{")
    ws.send("40" + (json.dumps(auth) if auth else ""))
    answer = ws_recv_text(ws)
    assert answer.startswith("40{"), answer
    return ws, json.loads(answer[2:])


def subscribe(ws, room: str) -> None:
    ws.send(f'421["subscribe","{room}"]')
    assert ws_recv_text(ws) == '431[{"ok":true}]'


def event(ws) -> list:
    text = ws_recv_text(ws)
    while text == "2":  # a ping
        ws.send("3")
        text = ws_recv_text(ws)
    assert text.startswith("42["), text
    return json.loads(text[2:])


def no_more_events(ws, within: float = 0.5) -> None:
    """Nothing but pings comes within `within` seconds."""
    ws.settimeout(within)
    with pytest.raises(websocket.WebSocketTimeoutException):
        while True:
            text = ws.recv()
            if text == "2":
                ws.send("3")
                continue
            raise AssertionError(f"unexpected: {text}")
