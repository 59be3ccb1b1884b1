"""One client address may hold at most max_sessions_per_ip realtime sessions."""
import requests
import websocket

from harness.realtime import start_realtime


def test_sessions_beyond_the_per_ip_limit_are_refused_until_one_closes(zenith_factory):
    rt = start_realtime(zenith_factory, {"max_sessions_per_ip": 3})
    base = f"http://127.0.0.1:{rt.port}/socket.io/?EIO=4&transport=polling"
    sids = []
    for _ in range(3):
        r = requests.get(base, timeout=5)
        assert r.status_code == 200
        sids.append(r.text.split('"sid":"')[1].split('"')[0])
    refused = requests.get(base, timeout=5)
    assert refused.status_code == 429
    assert refused.json() == {"code": 4, "message": "Too many sessions"}
    ws = websocket.create_connection(f"ws://127.0.0.1:{rt.port}/socket.io/?EIO=4&transport=websocket", timeout=5)
    try:
        # over the limit, the WebSocket is closed without an open packet
        assert ws.recv() == ""
    except (websocket.WebSocketConnectionClosedException, ConnectionResetError):
        pass
    finally:
        ws.close()
    assert requests.post(f"{base}&sid={sids[0]}", data="1", timeout=5).text == "ok"  # client close
    assert requests.get(base, timeout=5).status_code == 200
