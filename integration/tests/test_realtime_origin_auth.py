"""Which Origins may open realtime sessions with `[realtime.auth]` (issue 12, item 4: cross-site
WebSocket hijacking). With auth and no `allowed_origins`, only the dashboard's own origin (the
request's scheme and Host) is allowed; a list adds to it; `"*"` must be written out, and then
`zenith check` warns. Without auth (development, demo) any origin is still accepted."""
from __future__ import annotations

import subprocess

import pytest
import requests
import socketio
import websocket

from harness.auth import login, sio_connect, sio_headers, start_auth, user_id
from harness.paths import ZENITH_BIN
from harness.realtime import close, raw_ws, start_realtime

pytestmark = pytest.mark.usefixtures("zenith_survives")

EVIL = "https://evil.example"


def own_origin(rt) -> str:
    return f"http://127.0.0.1:{rt.port}"


def assert_refused(rt, cookie: str, origin: str) -> None:
    """Polling handshake, raw WebSocket upgrade and python-socketio over both transports all refused."""
    r = requests.get(rt.eio_url(), headers=sio_headers(cookie, origin), timeout=5)
    assert r.status_code == 403, (origin, r.status_code, r.text)
    with pytest.raises(websocket.WebSocketBadStatusException) as e:
        raw_ws(rt, origin=origin, header=[f"Cookie: {cookie}"])
    assert e.value.status_code == 403, e.value
    for transports in (["polling"], ["websocket"]):
        with pytest.raises(socketio.exceptions.ConnectionError):
            sio_connect(rt, cookie, origin=origin, transports=transports)


def assert_hears_own_events(rt, cookie: str, origin: str, user: str) -> None:
    for transports in (["polling"], ["websocket"]):
        sio, log = sio_connect(rt, cookie, origin=origin, transports=transports)
        try:
            assert rt.publish_ok({"rooms": [f"user:{user_id(user)}"], "event": "mine", "data": 1}) == 1
            assert log.wait_event("mine"), log.items
        finally:
            close(sio)


def test_with_auth_and_no_list_a_foreign_origin_gets_no_socket_and_no_events(zenith_factory, apache):
    rt = start_auth(zenith_factory, apache, realtime={"allowed_origins": None})
    alice = login(rt.url, "alice")
    assert_refused(rt, alice.cookie, EVIL)
    assert_refused(rt, alice.cookie, "http://evil.example")
    # the Host of another site, or the right host on another port, is not the dashboard's origin
    assert_refused(rt, alice.cookie, f"http://localhost:{rt.port}")
    assert_refused(rt, alice.cookie, f"http://127.0.0.1:{rt.port + 1}")
    assert_refused(rt, alice.cookie, "null")
    assert rt.publish_ok({"rooms": [f"user:{user_id('alice')}"], "event": "leak", "data": 1}) == 0


def test_with_auth_and_no_list_the_dashboards_own_origin_is_allowed(zenith_factory, apache):
    rt = start_auth(zenith_factory, apache, realtime={"allowed_origins": None})
    alice = login(rt.url, "alice")
    assert_hears_own_events(rt, alice.cookie, own_origin(rt), "alice")


def test_with_auth_a_list_adds_to_the_own_origin(zenith_factory, apache):
    rt = start_auth(zenith_factory, apache, realtime={"allowed_origins": ["http://dash.example"]})
    alice = login(rt.url, "alice")
    assert_hears_own_events(rt, alice.cookie, own_origin(rt), "alice")
    assert_hears_own_events(rt, alice.cookie, "http://dash.example", "alice")
    assert_refused(rt, alice.cookie, EVIL)


def test_star_must_be_written_to_allow_any_origin_and_check_warns(zenith_factory, apache):
    rt = start_auth(zenith_factory, apache, realtime={"allowed_origins": ["*"]})
    alice = login(rt.url, "alice")
    assert_hears_own_events(rt, alice.cookie, EVIL, "alice")
    res = subprocess.run([ZENITH_BIN, "check", "--config", str(rt.z.config_path)],
                         capture_output=True, text=True, timeout=20)
    assert res.returncode == 0, res.stderr
    assert 'warning: allowed_origins "*" lets any web site open realtime sessions' in res.stderr, res.stderr
    assert "configuration is valid" in res.stdout


def test_check_is_silent_about_origins_without_star(zenith_factory, apache):
    rt = start_auth(zenith_factory, apache, realtime={"allowed_origins": None})
    res = subprocess.run([ZENITH_BIN, "check", "--config", str(rt.z.config_path)],
                         capture_output=True, text=True, timeout=20)
    assert res.returncode == 0, res.stderr
    assert "allowed_origins" not in res.stderr, res.stderr


def test_without_auth_and_no_list_any_origin_is_still_accepted(zenith_factory):
    rt = start_realtime(zenith_factory)
    r = requests.get(rt.eio_url(), headers={"Origin": EVIL}, timeout=5)
    assert r.status_code == 200 and r.text.startswith('0{"sid":'), (r.status_code, r.text)
    ws = raw_ws(rt, origin=EVIL)
    ws.close()


def test_own_origin_has_the_scheme_of_the_listener(zenith_factory, apache, tmp_path):
    """Over TLS the dashboard's origin is https://host, over plain HTTP http://host: a page served
    over plain HTTP (a MITM's, say) cannot open a socket on the TLS listener, nor the reverse."""
    import urllib3

    from harness.certificates import make_certificate
    from harness.processes import free_port, wait_for_port

    urllib3.disable_warnings()
    cert, key = make_certificate(tmp_path)
    https_port = free_port()
    rt = start_auth(zenith_factory, apache, realtime={"allowed_origins": None},
                    extra={"listen": {"https": [f"127.0.0.1:{https_port}"]},
                           "tls": {"certificate": str(cert), "key": str(key)}})
    wait_for_port(https_port, 10, rt.z.proc, "zenith https")
    cookie = login(rt.url, "alice").cookie

    def handshake(scheme: str, port: int, origin: str) -> int:
        url = f"{scheme}://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling"
        return requests.get(url, headers=sio_headers(cookie, origin), timeout=5, verify=False).status_code

    assert handshake("https", https_port, f"https://127.0.0.1:{https_port}") == 200
    assert handshake("https", https_port, f"http://127.0.0.1:{https_port}") == 403
    assert handshake("http", rt.port, f"http://127.0.0.1:{rt.port}") == 200
    assert handshake("http", rt.port, f"https://127.0.0.1:{rt.port}") == 403
