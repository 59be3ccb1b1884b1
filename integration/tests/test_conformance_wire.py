"""Wire details of `zenith conformance` that the official engine.io-protocol / socket.io-protocol
test suites check and Zenith once got wrong (settings: pingInterval 300 ms, pingTimeout 200 ms)."""
import json
import threading
import time

import pytest
import requests
import websocket


def _open_polling(port: int, path: str) -> str:
    r = requests.get(f"http://127.0.0.1:{port}{path}?EIO=4&transport=polling", timeout=5)
    assert r.status_code == 200 and r.text.startswith("0{"), (r.status_code, r.text)
    return json.loads(r.text[1:])["sid"]


@pytest.mark.parametrize("path", ["/engine.io/", "/socket.io/"])
def test_client_close_packet_ends_the_pending_poll_with_a_noop(conformance, path):
    """A `1` POSTed by the client ends its pending GET with a noop (`6`), not a close packet."""
    sid = _open_polling(conformance, path)
    url = f"http://127.0.0.1:{conformance}{path}?EIO=4&transport=polling&sid={sid}"
    result = {}
    poll = threading.Thread(target=lambda: result.update(r=requests.get(url, timeout=5)))
    poll.start()
    time.sleep(0.05)  # the GET is pending (the first ping is due only after 300 ms)
    r = requests.post(url, data="1", timeout=5)
    assert r.status_code == 200 and r.text == "ok", (r.status_code, r.text)
    poll.join(5)
    assert result["r"].status_code == 200 and result["r"].text == "6", (result["r"].status_code, result["r"].text)
    assert requests.get(url, timeout=5).status_code == 400


def test_poll_during_upgrade_is_answered_at_once_with_a_noop(conformance):
    """After the probe is answered, a GET with nothing queued gets `6` at once (not the next ping)."""
    sid = _open_polling(conformance, "/engine.io/")
    url = f"http://127.0.0.1:{conformance}/engine.io/?EIO=4&transport=polling&sid={sid}"
    ws = websocket.create_connection(
        f"ws://127.0.0.1:{conformance}/engine.io/?EIO=4&transport=websocket&sid={sid}", timeout=5)
    try:
        started = time.monotonic()
        ws.send("2probe")
        assert ws.recv() == "3probe"
        r = requests.get(url, timeout=5)
        assert r.status_code == 200 and r.text == "6", (r.status_code, r.text)
        assert time.monotonic() - started < 0.25  # well before the 300 ms ping
        ws.send("5")
        ws.send("4hello")
        frame = ws.recv()
        while frame == "2":  # a ping may come first on a slow machine
            ws.send("3")
            frame = ws.recv()
        assert frame == "4hello"
        assert requests.get(url, timeout=5).status_code == 400  # polling is over for this sid
    finally:
        ws.close()
