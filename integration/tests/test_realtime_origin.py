"""Origin rules for browsers that leave Origin out of same-origin requests."""
import requests

from harness.realtime import start_realtime

HANDSHAKE = "/socket.io/?EIO=4&transport=polling"


def handshake(rt, headers):
    return requests.get(f"http://127.0.0.1:{rt.port}{HANDSHAKE}", headers=headers, timeout=5)


def test_same_origin_browser_handshake_without_origin_is_allowed(zenith_factory):
    rt = start_realtime(zenith_factory, {"allowed_origins": ["http://dash.example"], "allow_missing_origin": False})
    r = handshake(rt, {"Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200 and r.text.startswith('0{"sid":'), r.text


def test_cross_site_request_without_origin_is_refused(zenith_factory):
    rt = start_realtime(zenith_factory, {"allowed_origins": ["http://dash.example"], "allow_missing_origin": False})
    for fetch_site in ("cross-site", "same-site", "none"):
        r = handshake(rt, {"Sec-Fetch-Site": fetch_site})
        assert r.status_code == 403, (fetch_site, r.status_code)
    assert handshake(rt, {}).status_code == 403


def test_later_polls_without_origin_use_the_session_granted_at_the_handshake(zenith_factory):
    rt = start_realtime(zenith_factory, {"allowed_origins": ["http://dash.example"], "allow_missing_origin": False})
    base = f"http://127.0.0.1:{rt.port}/socket.io/?EIO=4&transport=polling"
    opened = requests.get(base, headers={"Origin": "http://dash.example"}, timeout=5)
    sid = opened.text.split('"sid":"')[1].split('"')[0]
    assert requests.post(f"{base}&sid={sid}", data="40", timeout=5).text == "ok"
    foreign = requests.post(f"{base}&sid={sid}", data="40", headers={"Origin": "http://evil.example"}, timeout=5)
    assert foreign.status_code == 403
