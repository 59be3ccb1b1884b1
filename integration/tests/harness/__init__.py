"""What the integration tests run and talk to; every module is one concern, imported by name
(`from harness.raw_http import Conn`). Everything runs on 127.0.0.1 with free ports, in temporary
directories, and is always stopped.

Processes
- `zenith`: the binary under test (`start_zenith(config, routes)`, `base_config(apache)`).
- `dashboard`: the Django fixture under Apache mod_wsgi (`ApacheDashboard`), its access log.
- `ws_echo` (with its server script `ws_echo_server.py`): a WebSocket echo backend.
- `recording_backend`: a raw HTTP/1.1 backend that records its connections.
- `processes`: free ports, waiting for a listener, stopping process groups.

Configuration and files
- `paths`: the repository, the fixture, the zenith binary (`ZENITH_BIN`).
- `toml_writer`: `to_toml(dict)`, the subset of TOML zenith's config uses.
- `certificates`: self-signed certificates for TLS listeners.

Clients and checks
- `raw_http`: hand-written HTTP/1.1 over sockets (`Conn`, `http_request`, `raw_exchange`).
- `h2_client`: a raw HTTP/2 client over TLS.
- `compare`: the same request directly to Apache and through zenith.
- `payloads`: the fixture's deterministic download pattern, sha256.
- `metrics`: zenith's metrics listener (`scrape`, `metric`).
- `memory`: resident memory of a process, `PeakRss`.

Realtime
- `realtime`: zenith with the realtime engine and publish API, raw Engine.IO, Socket.IO clients.
- `auth`: logins on the fixture and zenith with `[realtime.auth]`.
- `horizon`: the fixture's Horizon-like instances (servers.json).
"""
