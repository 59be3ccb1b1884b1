"""zenith.js against `zenith conformance` (the official suites' reference-server behaviour): auth
object, namespaces, events with JSON and binary arguments both ways, acks with binary, fast
heartbeats (a ping every 300 ms; the timeout is 1 s, not the suites' 200 ms: a 1 MB POST through
a debug build on a loaded CI machine can hold a pong longer), big polling payloads split by maxPayload, on
each transport set. `zenith conformance` serves no page and no script, so the test opens one of its
error answers (a JSON document of its origin) and runs in it the zenith.js that `zenith demo` serves."""
from __future__ import annotations

import os
import signal
import subprocess
import time

import urllib.request

import pytest

from harness.paths import ZENITH_BIN
from harness.processes import free_port

SCENARIO = r"""
const [transports, done] = [arguments[0], arguments[arguments.length - 1]];
const out = { events: [] };
const hex = b => Array.from(new Uint8Array(b)).join(",");
const timer = setTimeout(() => done(Object.assign(out, { error: "timeout" })), 12000);
const finish = socket => { clearTimeout(timer); out.transport = socket.transport; socket.close(); done(out); };
const socket = zenith.connect({ transports, auth: { token: "t-1" } });
socket.on("connect_error", e => out.events.push("connect_error " + e.message));
socket.on("disconnect", r => out.events.push("disconnect " + r));
socket.on("auth", a => { out.auth = a; });
socket.on("connect", async () => {
  out.id = socket.id;
  const back = new Promise(r => socket.once("message-back", (...args) => r(args)));
  socket.emit("message", 1, "two", { three: [3], bytes: new Uint8Array([1, 2, 3]) });
  const args = await back;
  out.echo = [args[0], args[1], args[2].three, hex(args[2].bytes)];
  out.ack = await new Promise(r => socket.emit("message-with-ack", "x", new Uint8Array([4, 5]).buffer, (...a) => r([a[0], hex(a[1])])));
  const big = "z".repeat(200000), got = [];
  const all = new Promise(r => socket.on("message-back", s => { got.push(s.length); if (got.length === 8) r(); }));
  for (let i = 0; i < 8; i++) socket.emit("message", big);  // 1.6 MB queued: more than one maxPayload
  await all;
  out.big = got;
  await new Promise(r => setTimeout(r, 1500));  // about 5 ping cycles: a client that did not pong is gone by now
  out.connectedAfterPings = socket.connected;
  const custom = zenith.connect({ transports, namespace: "/custom", auth: { who: "custom" } });
  custom.on("auth", a => { out.customAuth = a; custom.close(); finish(socket); });
});
"""


@pytest.fixture(scope="module")
def conformance():
    port = free_port()
    proc = subprocess.Popen([ZENITH_BIN, "conformance", "--port", str(port), "--ping-timeout-ms", "1000"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 15
        line = b""
        while b"http://" not in line and time.monotonic() < deadline and proc.poll() is None:
            line = proc.stdout.readline()
        assert b"http://" in line, f"zenith conformance did not start: {line!r}"
        yield f"http://127.0.0.1:{port}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)


@pytest.mark.parametrize("transports", [["polling", "websocket"], ["polling"], ["websocket"]],
                         ids=["upgrade", "polling", "websocket"])
def test_protocol_round_trips(page, demo, conformance, transports):
    with urllib.request.urlopen(demo.url + "socket.io/zenith.js", timeout=5) as response:
        assert response.headers["content-type"].startswith("text/javascript")
        script = response.read().decode()
    # an error answer of the engine ("Transport unknown"), as a document of the server's origin
    page.get(conformance + "/socket.io/?document")
    page.execute_script("const s = document.createElement('script'); s.textContent = arguments[0];"
                        "document.head.appendChild(s);", script)
    assert page.execute_script("return typeof zenith.connect") == "function"
    out = page.execute_async_script(SCENARIO, transports)
    assert "error" not in out, out
    assert out["auth"] == {"token": "t-1"}
    assert out["echo"] == [1, "two", [3], "1,2,3"]
    assert out["ack"] == ["x", "4,5"]
    assert out["big"] == [200000] * 8
    assert out["connectedAfterPings"] is True
    assert out["customAuth"] == {"who": "custom"}
    assert out["events"] == ["disconnect io client disconnect"], out["events"]  # only our own close()
    assert out["transport"] == ("polling" if transports == ["polling"] else "websocket")


def test_refused_namespace_is_a_connect_error_without_retry(page, demo, conformance):
    with urllib.request.urlopen(demo.url + "socket.io/zenith.js", timeout=5) as response:
        script = response.read().decode()
    page.get(conformance + "/socket.io/?document")
    page.execute_script("const s = document.createElement('script'); s.textContent = arguments[0];"
                        "document.head.appendChild(s);", script)
    out = page.execute_async_script("""
        const done = arguments[arguments.length - 1], errors = [];
        const socket = zenith.connect({ namespace: "/nope" });
        socket.on("connect", () => errors.push("connected?"));
        socket.on("connect_error", e => errors.push(e.message));
        setTimeout(() => done({ errors, connected: socket.connected }), 2500);  // no retry meanwhile
    """)
    assert out["connected"] is False
    assert len(out["errors"]) == 1 and out["errors"][0] != "connected?", out
