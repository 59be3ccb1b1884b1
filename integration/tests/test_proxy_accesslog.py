"""Access log on zenith's stderr: method, path, status per request; no credentials in it."""
import uuid

from harness.raw_http import http_request

SECRETS = {
    "token": "tok-" + uuid.uuid4().hex,
    "password": "pw-" + uuid.uuid4().hex,
    "secret": "sec-" + uuid.uuid4().hex,
    "key": "key-" + uuid.uuid4().hex,
}


def _line_with(text: str, needle: str) -> str:
    lines = [line for line in text.splitlines() if needle in line]
    assert len(lines) == 1, f"expected one access-log line with {needle}, got {lines}\n--- stderr tail\n{text[-3000:]}"
    return lines[0]


def test_access_line_has_method_path_status(zenith):
    tag = uuid.uuid4().hex
    assert http_request(zenith.port, "GET", f"/dashboard/echo/{tag}").status == 200
    line = _line_with(zenith.wait_stderr(tag), tag)
    assert "GET" in line and f"/dashboard/echo/{tag}" in line and " 200" in line


def test_access_line_for_post_404_and_local_answers(zenith):
    tag = uuid.uuid4().hex
    assert http_request(zenith.port, "POST", f"/dashboard/missing/{tag}", body=b"abc").status == 404
    line = _line_with(zenith.wait_stderr(tag), tag)
    assert "POST" in line and " 404" in line
    tag2 = uuid.uuid4().hex
    assert http_request(zenith.port, "GET", f"/static/{tag2}.css").status == 404
    line = _line_with(zenith.wait_stderr(tag2), tag2)
    assert "GET" in line and " 404" in line


def test_access_line_for_rejected_request(zenith):
    tag = uuid.uuid4().hex
    r = http_request(zenith.port, "GET", f"/dashboard/echo/{tag}", [("X-Big", "a" * 70_000)])
    assert r.status == 431
    text = zenith.wait_stderr(tag, 1.0)
    assert "a" * 1000 not in text, "the oversized header must not be dumped into the log"


def test_credentials_never_logged(zenith):
    tag = uuid.uuid4().hex
    cookie_value = "cookie-" + uuid.uuid4().hex
    auth_value = "auth-" + uuid.uuid4().hex
    query = "&".join(f"{k}={v}" for k, v in SECRETS.items())
    r = http_request(zenith.port, "GET", f"/dashboard/echo/{tag}?visible=1&{query}", [
        ("Cookie", f"sessionid={cookie_value}; csrftoken={cookie_value}x"),
        ("Authorization", f"Bearer {auth_value}"),
        ("X-Auth-Token", f"{auth_value}y"),
    ])
    assert r.status == 200
    assert r.json()["args"]["token"] == [SECRETS["token"]]  # the backend did get them
    text = zenith.wait_stderr(tag)
    line = _line_with(text, tag)
    assert "GET" in line and " 200" in line
    for needle in (cookie_value, auth_value, *SECRETS.values()):
        assert needle not in text, f"{needle[:12]}… leaked into zenith's log: {line}"


def test_secret_query_masked_on_error_paths(apache, zenith):
    tag = uuid.uuid4().hex
    secret = "pw-" + uuid.uuid4().hex
    http_request(zenith.port, "GET", f"/dashboard/status/500?t={tag}&password={secret}")
    http_request(zenith.port, "GET", f"/static/{tag}.js?token={secret}")
    text = zenith.wait_stderr(tag)
    assert tag in text
    assert secret not in text


def test_engineio_session_id_is_masked(apache, zenith_factory):
    """A sid is a bearer credential: whoever reads it off the log could poll the session's events."""
    from harness.auth import login, sio_connect, start_auth
    from harness.realtime import close

    rt = start_auth(zenith_factory, apache)
    sio, _ = sio_connect(rt, login(rt.url, "alice").cookie, transports=["polling"])
    try:
        sid = sio.eio.sid
        assert sio.call("subscribe", "project:proj-a:masking", timeout=5) == {"ok": True}
    finally:
        close(sio)
    text = rt.z.wait_stderr("sid=***")
    assert "sid=***" in text
    assert sid not in text, "the Engine.IO sid was written to the log"


def test_json_format_is_one_object_per_line_with_the_access_fields(apache, zenith_factory):
    import json

    from harness.zenith import base_config

    config = base_config(apache)
    config["log"] = {"format": "json"}
    z = zenith_factory(config, "*  /  proxy  dashboard\n")
    marker = uuid.uuid4().hex
    assert http_request(z.port, "GET", f"/dashboard/echo/{marker}?token={SECRETS['token']}").status == 200
    text = z.wait_stderr(marker)
    entries = [json.loads(line) for line in text.splitlines() if line.strip()]
    assert entries[0]["message"] == "starting" and "version" in entries[0] and "config" in entries[0]
    assert any(e["message"] == "upstream" and e["name"] == "dashboard" for e in entries)
    (access,) = [e for e in entries if e["label"] == "zenith.access" and marker in e["target"]]
    assert set(access) == {"time", "level", "label", "message", "client", "method", "target", "protocol", "status",
                           "bytes", "rt", "urt", "route", "aborted"}, access
    assert (access["method"], access["protocol"], access["status"], access["aborted"]) == ("GET", "HTTP/1.1", 200, False)
    assert isinstance(access["bytes"], int) and isinstance(access["rt"], float) and isinstance(access["urt"], float)
    assert SECRETS["token"] not in text and "token=***" in access["target"]


def test_journal_format_carries_the_priority_journald_reads(apache, zenith_factory):
    from harness.zenith import base_config

    config = base_config(apache)
    config["log"] = {"format": "journal"}
    z = zenith_factory(config, "*  /  proxy  dashboard\n")
    http_request(z.port, "GET", "/nowhere/at/all")
    text = z.wait_stderr("/nowhere/at/all")
    lines = [line for line in text.splitlines() if line]
    assert lines[0].startswith("<6>zenith: starting"), lines[:3]
    assert all(line[0] == "<" and line[2] == ">" for line in lines), lines
