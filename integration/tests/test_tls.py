"""TLS termination with HTTP/2 by ALPN: curl --http2, python-socketio over https, HTTP/1.1 over
TLS, certificate checks at `zenith check` time and certificates reloaded on SIGHUP."""
import json
import os
import signal
import socket
import ssl
import subprocess
import time

import pytest
import requests
import socketio

from harness.certificates import make_certificate
from harness.paths import ZENITH_BIN
from harness.processes import free_port, wait_for_port
from harness.zenith import base_config

ROUTES = "*  /socket.io/  realtime\n*  /  proxy  dashboard\n"


def start_tls_zenith(apache, zenith_factory, tmp_path, limits: dict | None = None):
    """zenith with an http and an https listener (a fresh self-signed certificate)."""
    cert, key = make_certificate(tmp_path)
    https_port, http_port = free_port(), free_port()
    cfg = base_config(apache)
    cfg["listen"] = {"http": [f"127.0.0.1:{http_port}"], "https": [f"127.0.0.1:{https_port}"]}
    cfg["tls"] = {"certificate": str(cert), "key": str(key)}
    cfg["realtime"] = {"allow_missing_origin": True}
    cfg["limits"] = {**cfg.get("limits", {}), **(limits or {})}
    z = zenith_factory(cfg, ROUTES, port=http_port)
    wait_for_port(https_port, 10, z.proc, "zenith https")  # bound just after the http listener
    z.https_port = https_port
    z.https_url = f"https://127.0.0.1:{https_port}"
    z.cert = cert
    return z


@pytest.fixture
def tls_zenith(apache, zenith_factory, tmp_path):
    return start_tls_zenith(apache, zenith_factory, tmp_path)


def curl(*args):
    return subprocess.run(["curl", "-sS", "--max-time", "10", *args], capture_output=True, text=True, check=True)


def test_http2_is_negotiated_and_proxied(tls_zenith):
    out = curl("--http2", "-k", "-o", "/dev/null", "-w", "%{http_version} %{http_code}", tls_zenith.https_url + "/dashboard/echo")
    assert out.stdout == "2 200"


def test_http2_request_body_reaches_the_backend(tls_zenith):
    body = tls_zenith.workdir / "body.txt"
    body.write_text("x" * 300_000)
    out = curl("--http2", "-k", "-X", "POST", "--data-binary", f"@{body}", "-H", "Content-Type: text/plain",
               tls_zenith.https_url + "/dashboard/echo")
    echo = json.loads(out.stdout)
    assert echo["body_length"] == 300_000
    assert echo["headers"].get("X-Forwarded-Proto") == "https"


def test_http11_over_tls_still_works(tls_zenith):
    r = requests.get(tls_zenith.https_url + "/dashboard/echo", verify=str(tls_zenith.cert), timeout=5)
    assert r.status_code == 200 and r.raw.version == 11


def test_tls_below_1_2_is_refused(tls_zenith):
    old = subprocess.run(["curl", "-sk", "--tlsv1.1", "--tls-max", "1.1", "-o", "/dev/null", tls_zenith.https_url],
                         capture_output=True, text=True)
    assert old.returncode != 0, "a TLS 1.1 handshake succeeded"
    modern = subprocess.run(["curl", "-sk", "--tlsv1.2", "--tls-max", "1.2", "-o", "/dev/null", "-w", "%{http_code}",
                             tls_zenith.https_url + "/dashboard/echo"], capture_output=True, text=True)
    assert modern.stdout == "200"


def test_only_forward_secret_aead_ciphers_with_tls_1_2(tls_zenith):
    port = tls_zenith.https_url.rsplit(":", 1)[1]
    def handshake(cipher):
        return subprocess.run(["openssl", "s_client", "-connect", f"127.0.0.1:{port}", "-tls1_2", "-cipher", cipher],
                              input="", capture_output=True, text=True, timeout=10)
    assert "Cipher is ECDHE-RSA-AES128-GCM-SHA256" in handshake("ECDHE-RSA-AES128-GCM-SHA256").stdout
    for weak in ("AES128-SHA", "ECDHE-RSA-AES128-SHA", "AES128-GCM-SHA256"):
        assert "Cipher is (NONE)" in handshake(weak).stdout or handshake(weak).returncode != 0, weak


@pytest.mark.parametrize("transport", ["polling", "websocket"])
def test_python_socketio_over_https(tls_zenith, transport):
    session = requests.Session()
    session.verify = str(tls_zenith.cert)
    session.trust_env = False  # else REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE would replace `verify`
    sio = socketio.Client(reconnection=False, http_session=session)
    sio.connect(tls_zenith.https_url, transports=[transport], wait_timeout=5)
    try:
        assert sio.call("subscribe", "tls-room", timeout=15) == {"ok": True}
        assert sio.transport() == transport
    finally:
        sio.disconnect()


def test_unusable_certificate_is_a_config_error(tmp_path):
    cert, key = make_certificate(tmp_path)
    (tmp_path / "routes").write_text("*  /  respond 200 ok\n")
    (tmp_path / "zenith.toml").write_text(
        f'[listen]\nhttps = ["127.0.0.1:{free_port()}"]\n[tls]\ncertificate = "{key}"\nkey = "{cert}"\n')
    result = subprocess.run([ZENITH_BIN, "check", "--config", str(tmp_path / "zenith.toml")],
                            capture_output=True, text=True, timeout=30)
    assert result.returncode == 2
    assert f"{key}: error: cannot read the certificate chain" in result.stderr


def test_certificate_is_replaced_on_reload(tls_zenith, tmp_path):
    def served_cn():
        pem = ssl.get_server_certificate(("127.0.0.1", int(tls_zenith.https_url.rsplit(":", 1)[1])))
        out = subprocess.run(["openssl", "x509", "-noout", "-subject"], input=pem, capture_output=True, text=True)
        return out.stdout.strip()

    assert "localhost" in served_cn()
    new_cert, new_key = make_certificate(tmp_path, "new", cn="renewed.example")
    os.replace(new_cert, tls_zenith.cert)
    os.replace(new_key, str(tls_zenith.cert).replace(".pem", "-key.pem"))
    os.kill(tls_zenith.pid, signal.SIGHUP)
    tls_zenith.wait_stderr("reloaded")
    deadline = time.monotonic() + 5
    while "renewed.example" not in served_cn() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert "renewed.example" in served_cn()


def test_a_client_that_never_completes_the_tls_handshake_is_closed(apache, zenith_factory, tmp_path):
    z = start_tls_zenith(apache, zenith_factory, tmp_path, limits={"header_timeout": "1s"})
    with socket.create_connection(("127.0.0.1", z.https_port), timeout=5) as silent:
        started = time.monotonic()
        assert silent.recv(1) == b"", "zenith sent something to a client that never said hello"
        took = time.monotonic() - started
    assert 0.5 < took < 4, f"closed after {took:.1f}s with a 1s header timeout"


def test_an_http2_connection_is_drained_after_the_keepalive_timeout_without_streams(apache, zenith_factory, tmp_path):
    from harness.h2_client import H2Connection

    z = start_tls_zenith(apache, zenith_factory, tmp_path, limits={"keepalive_timeout": "2s"})
    with H2Connection(z.https_port) as h2c:
        # A stream open longer than the keep-alive timeout keeps the connection.
        slow = h2c.request("GET", "/dashboard/slow?seconds=3")
        h2c.wait_for(slow, timeout=6)
        assert h2c.status.get(slow) == 200 and h2c.goaway is None, "a connection with an open stream was drained"
        idle_since = time.monotonic()
        # Read as raw frames from here: the h2 package refuses the PING that follows a GOAWAY.
        assert goaway_received(h2c.sock, within=8), "an idle HTTP/2 connection got no GOAWAY"
        idle_for = time.monotonic() - idle_since
    assert 1.5 < idle_for < 4, f"drained after {idle_for:.1f}s with a 2s keep-alive timeout"


def goaway_received(sock, within: float) -> bool:
    """Reads HTTP/2 frames until the server sends a GOAWAY (True) or `within` seconds pass."""
    data = b""
    deadline = time.monotonic() + within
    sock.settimeout(0.2)
    while time.monotonic() < deadline:
        try:
            chunk = sock.recv(65536)
        except (socket.timeout, TimeoutError):
            continue
        if not chunk:
            return False
        data += chunk
        while len(data) >= 9 and len(data) >= 9 + int.from_bytes(data[:3], "big"):
            if data[3] == 0x7:
                return True
            data = data[9 + int.from_bytes(data[:3], "big"):]
    return False
