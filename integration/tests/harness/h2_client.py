"""A raw HTTP/2 client over TLS (the `h2` package): sends any frame, header and setting, including
the ones a well-behaved client never would, and collects what the server answers per stream.
Request bodies larger than the server's windows go with `send_bodies` (as flow control allows);
`receive(acknowledge_data=False)` holds the client's windows shut and `acknowledge(stream)`
reopens one stream's; `finish_after_goaway=True` lets streams finish after a graceful GOAWAY."""
from __future__ import annotations

import socket
import ssl
import time

import h2.config
import h2.connection
import h2.events
import h2.settings


class H2Connection:
    def __init__(self, port: int, settings: dict | None = None, timeout: float = 5.0,
                 finish_after_goaway: bool = False) -> None:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        context.set_alpn_protocols(["h2"])
        raw = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock = context.wrap_socket(raw, server_hostname="localhost")
        assert self.sock.selected_alpn_protocol() == "h2", "the server did not negotiate h2"
        config = h2.config.H2Configuration(client_side=True, validate_outbound_headers=False,
                                           normalize_outbound_headers=False, validate_inbound_headers=False)
        self.conn = h2.connection.H2Connection(config=config)
        self.finish_after_goaway = finish_after_goaway
        if finish_after_goaway:
            # The h2 package closes the whole connection on any GOAWAY, but the streams up to its
            # last stream id may still finish (RFC 9113 §6.8): stay open for their frames.
            machine = self.conn.state_machine
            open_state = h2.connection.ConnectionState.CLIENT_OPEN
            machine._transitions = {**machine._transitions,
                                    (open_state, h2.connection.ConnectionInputs.RECV_GOAWAY): (None, open_state)}
        self.conn.initiate_connection()
        if settings:
            self.conn.update_settings(settings)
        self.flush()
        self.status: dict[int, int] = {}
        self.bodies: dict[int, bytes] = {}
        self.ended: set[int] = set()
        self.reset: dict[int, int] = {}  # stream id -> error code
        self.goaway: int | None = None
        self.goaway_last_stream: int | None = None
        self.unacknowledged: dict[int, int] = {}  # stream id -> DATA bytes received, window not given back
        self.closed = False

    def flush(self) -> None:
        data = self.conn.data_to_send()
        if data:
            self.sock.sendall(data)

    def request(self, method: str, path: str, headers: list[tuple[str, str]] | None = None,
                body: bytes | None = None, end_stream: bool = True, flush: bool = True) -> int:
        """Opens a stream; with `flush=False` its frames wait for the next flush (a burst of streams
        in one write)."""
        stream = self.conn.get_next_available_stream_id()
        fields = [(":method", method), (":scheme", "https"), (":authority", "localhost"), (":path", path)]
        fields += headers or []
        self.conn.send_headers(stream, fields, end_stream=end_stream and body is None)
        if body is not None:
            self.conn.send_data(stream, body, end_stream=end_stream)
        if flush:
            self.flush()
        return stream

    def receive(self, timeout: float = 0.5, acknowledge_data: bool = True) -> bool:
        """Reads what arrives within `timeout`; False once the server closed the connection."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except (socket.timeout, TimeoutError):
            return True
        except (ConnectionError, ssl.SSLError, OSError):
            self.closed = True
            return False
        if not data:
            self.closed = True
            return False
        for event in self.conn.receive_data(data):
            if isinstance(event, h2.events.ResponseReceived):
                self.status[event.stream_id] = int(dict(event.headers)[b":status"])
            elif isinstance(event, h2.events.DataReceived):
                self.bodies[event.stream_id] = self.bodies.get(event.stream_id, b"") + event.data
                if acknowledge_data:
                    self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                else:
                    self.unacknowledged[event.stream_id] = (self.unacknowledged.get(event.stream_id, 0)
                                                            + event.flow_controlled_length)
            elif isinstance(event, h2.events.StreamEnded):
                self.ended.add(event.stream_id)
            elif isinstance(event, h2.events.StreamReset):
                self.reset[event.stream_id] = int(event.error_code)
            elif isinstance(event, h2.events.ConnectionTerminated):
                self.goaway = int(event.error_code)
                self.goaway_last_stream = event.last_stream_id
        try:
            self.flush()
        except OSError:
            self.closed = True
            return False
        return True

    def acknowledge(self, stream: int) -> None:
        """Gives back the window of the DATA `stream` received while `receive` did not acknowledge."""
        size = self.unacknowledged.pop(stream, 0)
        if size:
            self.conn.acknowledge_received_data(size, stream)
            self.flush()

    def send_bodies(self, bodies: dict[int, bytes], end_stream: bool = True, timeout: float = 30.0) -> None:
        """Sends each stream's body (round robin, in frames of the server's maximum size) only as
        the server's stream and connection windows allow, reading its WINDOW_UPDATEs whenever every
        window is shut; ends the streams with their last byte when `end_stream`. A stream the server
        resets gets nothing more."""
        pending = {stream: memoryview(body) for stream, body in bodies.items()}
        deadline = time.monotonic() + timeout
        while pending:
            assert time.monotonic() < deadline, f"the server's windows stayed shut; unsent: " \
                                                f"{ {stream: len(rest) for stream, rest in pending.items()} }"
            assert not self.closed, "the server closed the connection during the request bodies"
            progress = False
            for stream, rest in list(pending.items()):
                if stream in self.reset:
                    del pending[stream]
                    continue
                size = min(len(rest), self.conn.local_flow_control_window(stream), self.conn.max_outbound_frame_size)
                if size == 0 and rest:
                    continue
                last = size == len(rest)
                self.conn.send_data(stream, rest[:size].tobytes(), end_stream=end_stream and last)
                if last:
                    del pending[stream]
                else:
                    pending[stream] = rest[size:]
                progress = True
            if progress:
                self.sock.settimeout(max(0.1, deadline - time.monotonic()))
                self.flush()
            else:
                self.receive(0.2)

    def wait_for(self, stream: int, timeout: float = 5.0) -> None:
        """Until `stream` ended or was reset, or the connection closed (or got a GOAWAY, unless
        `finish_after_goaway`)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if stream in self.ended or stream in self.reset or (self.goaway is not None and not self.finish_after_goaway):
                return
            if not self.receive(0.2):
                return

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
