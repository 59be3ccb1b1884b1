"""A raw HTTP/1.1 backend that records, per connection, the requests it read and when the
connection was closed by its peer (Zenith): for the tests that prove which backend connections
Zenith reuses and which it drops.

It reads request bodies by Content-Length or chunked framing (so a body is never taken for a
request) and answers by path:
  /ok            200, 2 bytes
  /slow?s=N      waits N seconds, then 200
  /big?n=N       200 with N bytes (default 8 MiB), written as fast as the socket takes them
  /never         reads the request and never answers
"""
from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit


@dataclass
class BackendConnection:
    number: int
    requests: list[str] = field(default_factory=list)  # request targets, in order
    trailers: list[bytes] = field(default_factory=list)  # trailer field lines of chunked bodies
    closed_at: float | None = None  # monotonic time the peer closed (or reset) the connection


class RecordingBackend:
    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(256)
        self.port = self.sock.getsockname()[1]
        self.connections: list[BackendConnection] = []
        self.lock = threading.Lock()
        self.stopping = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with self.lock:
                record = BackendConnection(len(self.connections) + 1)
                self.connections.append(record)
            threading.Thread(target=self._serve, args=(conn, record), daemon=True).start()

    def connection_of(self, target_part: str) -> BackendConnection:
        """The connection that carried the request whose target contains `target_part`."""
        with self.lock:
            found = [c for c in self.connections if any(target_part in r for r in c.requests)]
        assert found, f"no backend connection carried {target_part!r}"
        return found[-1]

    def wait_closed(self, record: BackendConnection, timeout: float = 5.0) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if record.closed_at is not None:
                return True
            time.sleep(0.02)
        return False

    def _serve(self, conn: socket.socket, record: BackendConnection) -> None:
        reader = _Reader(conn)
        try:
            while True:
                head = reader.until(b"\r\n\r\n")
                if head is None:
                    break
                lines = head.decode("latin-1").split("\r\n")
                target = lines[0].split(" ")[1]
                headers = {}
                for line in lines[1:]:
                    name, _, value = line.partition(":")
                    headers[name.strip().lower()] = value.strip()
                record.requests.append(target)
                if not self._read_body(reader, headers, record):
                    break
                if not self._answer(conn, target):
                    break
        except OSError:
            pass
        finally:
            record.closed_at = time.monotonic()
            conn.close()

    @staticmethod
    def _read_body(reader: "_Reader", headers: dict, record: BackendConnection) -> bool:
        if headers.get("transfer-encoding", "").lower() == "chunked":
            while True:
                size_line = reader.until(b"\r\n")
                if size_line is None:
                    return False
                size = int(size_line.split(b";")[0], 16)
                if size == 0:
                    while (line := reader.until(b"\r\n")) != b"":
                        if line is None:
                            return False
                        record.trailers.append(line)
                    return True
                if reader.exactly(size + 2) is None:
                    return False
        length = int(headers.get("content-length", "0"))
        return length == 0 or reader.exactly(length) is not None

    @staticmethod
    def _answer(conn: socket.socket, target: str) -> bool:
        parts = urlsplit(target)
        query = parse_qs(parts.query)
        name = parts.path.rstrip("/").split("/")[-1]
        if name == "never":
            while conn.recv(65536):
                pass
            return False
        if name == "slow":
            time.sleep(float(query.get("s", ["1"])[0]))
        if name == "big":
            size = int(query.get("n", [str(8 << 20)])[0])
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                         b"Content-Length: %d\r\n\r\n" % size)
            chunk = b"x" * 65536
            left = size
            while left > 0:
                piece = chunk[:min(left, len(chunk))]
                conn.sendall(piece)
                left -= len(piece)
            return True
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
        return True

    def stop(self) -> None:
        self.stopping = True
        self.sock.close()


class _Reader:
    """Buffered reads from a socket: up to a separator, or an exact count; None at EOF."""

    def __init__(self, conn: socket.socket) -> None:
        self.conn = conn
        self.buf = b""

    def _fill(self) -> bool:
        data = self.conn.recv(65536)
        if not data:
            return False
        self.buf += data
        return True

    def until(self, sep: bytes) -> bytes | None:
        while sep not in self.buf:
            if not self._fill():
                return None
        out, _, self.buf = self.buf.partition(sep)
        return out

    def exactly(self, n: int) -> bytes | None:
        while len(self.buf) < n:
            if not self._fill():
                return None
        out, self.buf = self.buf[:n], self.buf[n:]
        return out
