"""Raw HTTP/1.1 over sockets, for what ordinary clients refuse to produce (smuggling attempts,
pipelining, Expect, a chosen source address) and to see exactly what comes back."""
from __future__ import annotations

import contextlib
import json
import socket
from dataclasses import dataclass, field


@dataclass
class RawResponse:
    status: int
    reason: str
    version: str
    headers: list[tuple[str, str]]
    body: bytes
    head_bytes: bytes = b""
    chunked: bool = False
    extra: dict = field(default_factory=dict)

    def header(self, name: str, default: str | None = None) -> str | None:
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return default

    def header_all(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def has_header(self, name: str) -> bool:
        return any(k.lower() == name.lower() for k, _ in self.headers)

    def json(self):
        return json.loads(self.body)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


class Conn:
    """A client socket with a read buffer, for hand-written HTTP/1.1 exchanges."""

    def __init__(self, port: int, source: str | None = None, timeout: float = 10.0,
                 host: str = "127.0.0.1") -> None:
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        if source:
            self.sock.bind((source, 0))
        self.sock.connect((host, port))
        self.buf = b""

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _fill(self) -> bool:
        data = self.sock.recv(1 << 20)
        if not data:
            return False
        self.buf += data
        return True

    def read_until(self, sep: bytes, limit: int = 1 << 20) -> bytes:
        while sep not in self.buf:
            if len(self.buf) > limit:
                raise ValueError("no separator within limit")
            if not self._fill():
                raise ConnectionError(f"closed while waiting for {sep!r}; have {self.buf[:200]!r}")
        i = self.buf.index(sep) + len(sep)
        out, self.buf = self.buf[:i], self.buf[i:]
        return out

    def read_exact(self, n: int) -> bytes:
        while len(self.buf) < n:
            if not self._fill():
                raise ConnectionError(f"closed with {len(self.buf)} of {n} bytes")
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def read_to_close(self) -> bytes:
        while self._fill():
            pass
        out, self.buf = self.buf, b""
        return out

    def read_response(self, method: str = "GET", body_sink=None) -> RawResponse:
        """Read one response (skipping nothing: a 1xx is returned as such)."""
        head = self.read_until(b"\r\n\r\n")
        lines = head[:-4].split(b"\r\n")
        version, _, rest = lines[0].decode("latin-1").partition(" ")
        code, _, reason = rest.partition(" ")
        headers = []
        for line in lines[1:]:
            k, _, v = line.decode("latin-1").partition(":")
            headers.append((k.strip(), v.strip()))
        resp = RawResponse(int(code), reason, version, headers, b"", head)
        status = resp.status
        if method == "HEAD" or status < 200 or status in (204, 304):
            return resp
        te = (resp.header("Transfer-Encoding") or "").lower()
        parts = []

        def take(data: bytes) -> None:
            if body_sink is not None:
                body_sink(data)
            else:
                parts.append(data)

        if "chunked" in te:
            resp.chunked = True
            while True:
                size_line = self.read_until(b"\r\n")
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    while self.read_until(b"\r\n") != b"\r\n":  # trailers
                        pass
                    break
                remaining = size
                while remaining:
                    piece = self.read_exact(min(remaining, 1 << 20))
                    remaining -= len(piece)
                    take(piece)
                self.read_exact(2)
        elif resp.header("Content-Length") is not None:
            remaining = int(resp.header("Content-Length"))
            while remaining:
                if not self.buf and not self._fill():
                    raise ConnectionError("closed before end of body")
                piece, self.buf = self.buf[:remaining], self.buf[remaining:]
                remaining -= len(piece)
                take(piece)
        else:
            take(self.read_to_close())
        resp.body = b"".join(parts)
        return resp

    def is_closed(self, timeout: float = 3.0) -> bool:
        """True when the peer has closed (EOF or reset) within `timeout`, with no more data sent."""
        if self.buf:
            return False
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except (ConnectionResetError, BrokenPipeError):
            return True
        except socket.timeout:
            return False
        if data:
            self.buf += data
            return False
        return True

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def build_request(method: str, path: str, headers: list[tuple[str, str]] | dict | None = None,
                  body: bytes = b"", host: str = "dash.example", version: str = "HTTP/1.1",
                  add_length: bool = True) -> bytes:
    hdrs = list(headers.items()) if isinstance(headers, dict) else list(headers or [])
    names = {k.lower() for k, _ in hdrs}
    if host is not None and "host" not in names:
        hdrs.insert(0, ("Host", host))
    if add_length and body and "content-length" not in names and "transfer-encoding" not in names:
        hdrs.append(("Content-Length", str(len(body))))
    out = f"{method} {path} {version}\r\n".encode("latin-1")
    for k, v in hdrs:
        out += f"{k}: {v}\r\n".encode("latin-1")
    return out + b"\r\n" + body


def http_request(port: int, method: str, path: str, headers=None, body: bytes = b"",
                 source: str | None = None, timeout: float = 10.0, **kw) -> RawResponse:
    with Conn(port, source=source, timeout=timeout) as c:
        c.send(build_request(method, path, headers, body, **kw))
        return c.read_response(method)


def raw_exchange(port: int, data: bytes, timeout: float = 5.0) -> tuple[RawResponse | None, bool, bytes]:
    """Send raw bytes, read one response, then report whether the server closed the connection.

    Returns (response or None if the server sent nothing parseable, closed?, raw bytes seen).
    """
    with Conn(port, timeout=timeout) as c:
        try:
            c.send(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            resp = c.read_response()
        except (ConnectionError, ValueError, socket.timeout, OSError):
            return None, True, c.buf
        closed = c.is_closed(3.0)
        return resp, closed, resp.head_bytes


def chunked(data: bytes, size: int = 1000) -> bytes:
    out = b""
    for i in range(0, len(data), size):
        piece = data[i:i + size]
        out += b"%x\r\n" % len(piece) + piece + b"\r\n"
    return out + b"0\r\n\r\n"
