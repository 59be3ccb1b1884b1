"""Acknowledgements asked for by the server (conformance mode's `ack-me`), answered or timed out."""
import time

import pytest
import socketio
import websocket


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_client_answers_a_server_ack_request(conformance, transport):
    sio = socketio.Client(reconnection=False)
    received = []
    sio.on("ack-request", lambda *args: ["pong"] + list(args))
    sio.on("ack-received", lambda *args: received.append(args))
    sio.connect(f"http://127.0.0.1:{conformance}", transports=[transport], wait_timeout=5)
    try:
        sio.emit("ack-me", {"n": 1})
        deadline = time.monotonic() + 5
        while not received and time.monotonic() < deadline:
            time.sleep(0.02)
        # python-socketio acknowledges with the handler's return value (a list → one argument).
        assert received == [(["pong", {"n": 1}],)]
    finally:
        sio.disconnect()


def test_server_ack_request_times_out_when_the_client_stays_silent(conformance):
    ws = websocket.create_connection(f"ws://127.0.0.1:{conformance}/socket.io/?EIO=4&transport=websocket", timeout=5)
    try:
        assert ws.recv().startswith("0{")
        ws.send("40")
        frames = []
        started = None
        while True:
            frame = ws.recv()
            if frame == "2":
                ws.send("3")
                continue
            frames.append(frame)
            if frame.startswith("40"):
                ws.send('42["ack-me","silent"]')
            elif frame.startswith("42") and '"ack-request"' in frame:
                # 42<id>["ack-request","silent"]: an ack id is present; do not answer it.
                assert frame[2].isdigit(), frame
                started = time.monotonic()
            elif '"ack-timed-out"' in frame:
                break
        assert started is not None
        assert 1.5 < time.monotonic() - started < 4
    finally:
        ws.close()
