"""Helpers for the realtime (Engine.IO v4 / Socket.IO v5) integration tests.

- `start_realtime(zenith_factory, **realtime)`: zenith with a `realtime` route on /socket.io/ and the
  publish API on its own free port, with a bearer token file in its run directory.
- `Realtime.publish(...)`: POST /publish with the token.
- Raw Engine.IO over HTTP long-polling (`RawPolling`) and over WebSocket (`raw_ws`), for the checks
  that must see the protocol byte by byte.
- `EventLog`: collects what a python-socketio client receives, thread-safe, with waits.
"""
from __future__ import annotations

import contextlib
import json
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import requests
import socketio
import websocket

from harness.processes import free_port
from harness.zenith import ZenithProcess

SEP = "\x1e"  # Engine.IO v4 polling payload separator
TOKEN = "tok-" + uuid.uuid4().hex

REALTIME_ROUTES = """\
# host  path-prefix   action    target
*       /socket.io/   realtime
*       /             respond   200 not realtime
"""

STARTED: list = []  # every Realtime started by start_realtime, checked by conftest's `zenith_survives`


@dataclass
class Realtime:
    z: ZenithProcess
    publish_port: int
    token: str
    config: dict
    stopped_on_purpose: bool = False

    @property
    def url(self) -> str:
        return self.z.url

    @property
    def port(self) -> int:
        return self.z.port

    @property
    def publish_url(self) -> str:
        return f"http://127.0.0.1:{self.publish_port}/publish"

    def eio_url(self, **query) -> str:
        q = {"EIO": "4", "transport": "polling"}
        q.update({k: str(v) for k, v in query.items() if v is not None})
        return self.url + "/socket.io/?" + "&".join(f"{k}={v}" for k, v in q.items())

    def ws_url(self, **query) -> str:
        q = {"EIO": "4", "transport": "websocket"}
        q.update({k: str(v) for k, v in query.items() if v is not None})
        return f"ws://127.0.0.1:{self.port}/socket.io/?" + "&".join(f"{k}={v}" for k, v in q.items())

    def publish(self, body, *, token: str | None = "default", raw: bytes | None = None,
                method: str = "POST", path: str = "/publish", timeout: float = 10.0,
                headers: dict | None = None) -> requests.Response:
        hdrs = {"Content-Type": "application/json"}
        if token == "default":
            token = self.token
        if token is not None:
            hdrs["Authorization"] = f"Bearer {token}"
        hdrs.update(headers or {})
        data = raw if raw is not None else json.dumps(body).encode()
        return requests.request(method, f"http://127.0.0.1:{self.publish_port}{path}", data=data,
                                headers=hdrs, timeout=timeout)

    def publish_ok(self, body) -> object:
        r = self.publish(body)
        assert r.status_code == 202, f"publish {body!r} -> {r.status_code} {r.text}"
        return r.json()["recipients"]


def realtime_config(publish_port: int, realtime: dict | None = None, publish: dict | None = None,
                    log_level: str = "info") -> dict:
    rt = {"allow_missing_origin": True, "namespaces": ["/", "/custom"]}
    rt.update(realtime or {})
    pub = {"listen": f"127.0.0.1:{publish_port}", "token_file": "token"}
    pub.update(publish or {})
    return {"routes": "routes", "realtime": rt, "publish": pub, "log": {"level": log_level, "access": False}}


def start_realtime(factory, realtime: dict | None = None, publish: dict | None = None, *,
                   port: int | None = None, publish_port: int | None = None,
                   workdir: Path | None = None, token: str = TOKEN) -> Realtime:
    """Start zenith (via the zenith_factory fixture) serving realtime on /socket.io/."""
    publish_port = publish_port or free_port()
    workdir = workdir or Path(tempfile.mkdtemp(prefix="zenith-rt-"))
    (workdir / "token").write_text(token + "\n")
    cfg = realtime_config(publish_port, realtime, publish)
    z = factory(cfg, REALTIME_ROUTES, port=port, workdir=workdir)
    return realtime_started(z, publish_port, token, cfg)


def realtime_started(z: ZenithProcess, publish_port: int, token: str, cfg: dict) -> Realtime:
    """The Realtime of a zenith just started, once its publish listener (which may come up a
    moment after the main one) answers."""
    deadline = time.monotonic() + 10
    while True:
        try:
            requests.get(f"http://127.0.0.1:{publish_port}/", timeout=1)
            break
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise RuntimeError("publish API never listened\n" + z.stderr_text())
            time.sleep(0.05)
    rt = Realtime(z, publish_port, token, cfg)
    STARTED.append(rt)
    return rt


# ---------------------------------------------------------------------------------------------
# raw Engine.IO long-polling


def decode_payload(text: str) -> list[str]:
    return text.split(SEP) if text else []


class RawPolling:
    """One Engine.IO session driven by hand over HTTP long-polling."""

    def __init__(self, rt: Realtime, headers: dict | None = None) -> None:
        self.rt = rt
        self.headers = headers or {}
        self.http = requests.Session()
        self.sid: str | None = None
        self.open: dict | None = None
        self.handshake_response: requests.Response | None = None

    def handshake(self) -> "RawPolling":
        r = self.http.get(self.rt.eio_url(), headers=self.headers, timeout=5)
        self.handshake_response = r
        assert r.status_code == 200, f"handshake -> {r.status_code} {r.text!r}"
        assert r.text.startswith("0{"), r.text
        self.open = json.loads(r.text[1:])
        self.sid = self.open["sid"]
        return self

    def get(self, timeout: float = 5.0) -> requests.Response:
        return requests.get(self.rt.eio_url(sid=self.sid), headers=self.headers, timeout=timeout)

    def post(self, *packets: str, body: bytes | None = None, timeout: float = 5.0) -> requests.Response:
        data = body if body is not None else SEP.join(packets).encode()
        return requests.post(self.rt.eio_url(sid=self.sid), data=data,
                             headers={"Content-Type": "text/plain;charset=UTF-8", **self.headers},
                             timeout=timeout)

    def get_packets(self, timeout: float = 5.0) -> list[str]:
        r = self.get(timeout)
        assert r.status_code == 200, f"GET sid={self.sid} -> {r.status_code} {r.text!r}"
        return decode_payload(r.text)

    def connect_namespace(self, nsp: str = "/") -> dict:
        """Send a Socket.IO CONNECT and return the CONNECT answer's data."""
        prefix = "" if nsp == "/" else nsp + ","
        r = self.post("40" + prefix)
        assert r.status_code == 200 and r.text == "ok", (r.status_code, r.text)
        packets = self.get_packets()
        expect = "40" + prefix
        for p in packets:
            if p.startswith(expect):
                return json.loads(p[len(expect):])
        raise AssertionError(f"no CONNECT answer in {packets!r}")

    def wait_gone(self, timeout: float) -> tuple[bool, list]:
        """GET until the server answers 400 code 1 (session gone). Returns (gone?, what was seen)."""
        seen = []
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False, seen
            try:
                r = self.get(timeout=left)
            except requests.RequestException as e:
                seen.append(("exception", repr(e)))
                return False, seen
            seen.append((r.status_code, r.text[:200]))
            if r.status_code == 400:
                with contextlib.suppress(ValueError):
                    if r.json().get("code") == 1:
                        return True, seen
                return False, seen
            if r.status_code != 200:
                return False, seen


def session_unknown(r: requests.Response) -> bool:
    if r.status_code != 400:
        return False
    try:
        return r.json() == {"code": 1, "message": "Session ID unknown"}
    except ValueError:
        return False


# ---------------------------------------------------------------------------------------------
# raw Engine.IO over WebSocket


def raw_ws(rt: Realtime, sid: str | None = None, timeout: float = 5.0, **kw) -> websocket.WebSocket:
    # skip_utf8_validation: websocket-client validates UTF-8 in pure python, far slower than zenith
    ws = websocket.WebSocket(skip_utf8_validation=True, **{k: v for k, v in kw.items() if k in ("sockopt",)})
    ws.settimeout(timeout)
    kw = {k: v for k, v in kw.items() if k not in ("sockopt",)}
    if "origin" not in kw:
        kw.setdefault("suppress_origin", True)  # websocket-client sends an Origin unless told not to
    ws.connect(rt.ws_url(sid=sid), **kw)
    return ws


def ws_recv_text(ws: websocket.WebSocket) -> str:
    op, data = ws.recv_data()
    assert op == websocket.ABNF.OPCODE_TEXT, f"expected a text frame, got opcode {op}: {data[:100]!r}"
    return data.decode()


def ws_open_socketio(rt: Realtime, nsp: str = "/", timeout: float = 5.0, **kw) -> tuple[websocket.WebSocket, dict]:
    """WebSocket-only Engine.IO session plus Socket.IO CONNECT; returns (ws, open packet)."""
    ws = raw_ws(rt, timeout=timeout, **kw)
    first = ws_recv_text(ws)
    assert first.startswith("0{"), first
    opened = json.loads(first[1:])
    prefix = "" if nsp == "/" else nsp + ","
    ws.send("40" + prefix)
    ans = ws_recv_text(ws)
    assert ans.startswith("40" + prefix + "{"), ans
    return ws, opened


def ws_closed(ws: websocket.WebSocket, timeout: float) -> tuple[bool, list]:
    """Read until the connection is closed (True) or `timeout` passes with it open (False)."""
    seen = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return False, seen
        ws.settimeout(left)
        try:
            op, data = ws.recv_data(control_frame=True)
        except websocket.WebSocketTimeoutException:
            return False, seen
        except (websocket.WebSocketConnectionClosedException, ConnectionError, OSError) as e:
            seen.append(("closed", repr(e)))
            return True, seen
        if op == websocket.ABNF.OPCODE_CLOSE:
            code = int.from_bytes(data[:2], "big") if len(data) >= 2 else None
            seen.append(("close-frame", code, data[2:].decode(errors="replace")))
            return True, seen
        seen.append((op, data[:80]))
        if op == websocket.ABNF.OPCODE_TEXT and data == b"2":  # answer pings: only a close counts
            with contextlib.suppress(Exception):
                ws.send("3")


# ---------------------------------------------------------------------------------------------
# python-socketio clients


class EventLog:
    """Thread-safe record of (event, namespace, data) a client received."""

    def __init__(self) -> None:
        self.items: list[tuple[str, str, object]] = []
        self.cond = threading.Condition()

    def add(self, event: str, nsp: str, data) -> None:
        with self.cond:
            self.items.append((event, nsp, data))
            self.cond.notify_all()

    def of(self, event: str, nsp: str | None = None) -> list:
        with self.cond:
            return [d for e, n, d in self.items if e == event and (nsp is None or n == nsp)]

    def count(self, event: str) -> int:
        return len(self.of(event))

    def wait(self, pred, timeout: float = 5.0) -> bool:
        with self.cond:
            return self.cond.wait_for(pred, timeout)

    def wait_event(self, event: str, n: int = 1, timeout: float = 5.0) -> bool:
        return self.wait(lambda: len([1 for e, _, _ in self.items if e == event]) >= n, timeout)


def make_client(log: EventLog | None = None, namespaces=("/",), **kw) -> tuple[socketio.Client, EventLog]:
    """A python-socketio client whose every event (and connect/disconnect) lands in `log`."""
    log = log or EventLog()
    kw.setdefault("reconnection", False)
    sio = socketio.Client(**kw)
    for nsp in namespaces:
        sio.on("*", (lambda n: lambda event, *args: log.add(event, n, args[0] if len(args) == 1 else list(args)))(nsp),
               namespace=nsp)
        sio.on("connect", (lambda n: lambda: log.add("connect", n, None))(nsp), namespace=nsp)
        sio.on("disconnect", (lambda n: lambda *a: log.add("disconnect", n, a))(nsp), namespace=nsp)
        sio.on("connect_error", (lambda n: lambda data=None: log.add("connect_error", n, data))(nsp), namespace=nsp)
    return sio, log


@contextlib.contextmanager
def connected(rt: Realtime, transports=None, namespaces=("/",), **kw):
    sio, log = make_client(namespaces=namespaces, **kw)
    sio.connect(rt.url, transports=transports, namespaces=list(namespaces), wait_timeout=5)
    try:
        yield sio, log
    finally:
        close(sio)


def close(sio: socketio.Client) -> None:
    """Disconnect and shut a python-socketio client down, whatever state it is in."""
    with contextlib.suppress(Exception):
        sio.disconnect()
    with contextlib.suppress(Exception):
        sio.shutdown()


def fence(rt: Realtime, logs: list[EventLog], nsp: str = "/") -> None:
    """Publish a marker to every socket of the namespace and wait until each log has it.

    Each socket's packets are delivered in order, so after the fence any earlier event that was
    going to reach a client has reached it.
    """
    mark = uuid.uuid4().hex
    rt.publish_ok({"namespace": nsp, "broadcast": True, "event": "fence", "data": mark})
    for log in logs:
        assert log.wait(lambda: mark in [d for e, _, d in log.items if e == "fence"], 5), \
            f"fence {mark} never arrived; got {log.items[-5:]!r}"
