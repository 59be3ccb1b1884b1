"""The Horizon-like instances of the dashboard fixture, as tests set them (issue #6).

The fixture (integration/fixtures/dashboard/testapp/instances.py) reads `<apache run dir>/servers.json`,
`{"<project_id>": [server, ...]}`, on every request; these helpers change it the way Nova would
change servers out of band. Every write replaces the file atomically (a temporary file, then
os.replace) with mode 0644, so that mod_wsgi's processes, which run as www-data, never read half
a file. Server objects look like Nova's through Horizon's REST API; `task_state` and
`power_state` stand for `OS-EXT-STS:task_state` and `OS-EXT-STS:power_state` in the keyword
arguments.
"""
from __future__ import annotations

import contextlib
import json
import os
import tempfile
import uuid
from pathlib import Path

SERVERS_API = "/dashboard/api/nova/servers/"
SERVERS_WATCH_INTERVAL = 0.5  # seconds, of `servers_watch()`
INSTANCES_PAGE = "/dashboard/project/instances/"

# keyword-argument names for Nova's extended-status fields
_ALIASES = {"task_state": "OS-EXT-STS:task_state", "power_state": "OS-EXT-STS:power_state"}


def servers_path(apache) -> Path:
    return Path(apache.run_dir) / "servers.json"


def row_update_path(server_id: str) -> str:
    """The data-update-url of a server's row (Horizon's `row_update` action)."""
    return f"{INSTANCES_PAGE}?action=row_update&table=instances&obj_id={server_id}"


def _fields(fields: dict) -> dict:
    return {_ALIASES.get(k, k): v for k, v in fields.items()}


def make_server(project_id: str, name: str, status: str = "ACTIVE", server_id: str | None = None,
                **fields) -> dict:
    """A Nova-like server; `task_state` defaults to None, `power_state` to 1 (running)."""
    server = {
        "id": server_id or str(uuid.uuid4()),
        "name": name,
        "status": status,
        "OS-EXT-STS:task_state": None,
        "OS-EXT-STS:power_state": 1,
        "tenant_id": project_id,
    }
    server.update(_fields(fields))
    return server


def read_servers(apache) -> dict:
    try:
        return json.loads(servers_path(apache).read_text())
    except FileNotFoundError:
        return {}


def _write(apache, everything: dict) -> None:
    target = servers_path(apache)
    fd, tmp = tempfile.mkstemp(prefix=".servers-", suffix=".json", dir=target.parent)
    try:
        with os.fdopen(fd, "w") as f:
            json.dump(everything, f)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def set_servers(apache, project_id: str, servers: list[dict]) -> None:
    """Replace the project's servers (other projects keep theirs)."""
    everything = read_servers(apache)
    everything[project_id] = list(servers)
    _write(apache, everything)


def add_server(apache, project_id: str, server: dict) -> dict:
    everything = read_servers(apache)
    everything.setdefault(project_id, []).append(server)
    _write(apache, everything)
    return server


def set_server(apache, project_id: str, server_id: str, **fields) -> dict:
    """Change fields of one server, e.g. set_server(apache, "proj-a", sid, status="ACTIVE", task_state=None)."""
    everything = read_servers(apache)
    for server in everything.get(project_id, []):
        if server["id"] == server_id:
            server.update(_fields(fields))
            _write(apache, everything)
            return server
    raise KeyError(f"no server {server_id} in {project_id}")


def remove_server(apache, project_id: str, server_id: str) -> None:
    everything = read_servers(apache)
    servers = everything.get(project_id, [])
    kept = [s for s in servers if s["id"] != server_id]
    if len(kept) == len(servers):
        raise KeyError(f"no server {server_id} in {project_id}")
    everything[project_id] = kept
    _write(apache, everything)


def servers_watch(**overrides) -> dict:
    """A `[[watch]]` entry for the servers API: each project's servers polled every
    SERVERS_WATCH_INTERVAL, status and task/power state pushed to the room `project:<id>`."""
    watch = {
        "name": "servers",
        "upstream": "dashboard",
        "path": SERVERS_API,
        "headers": {"X-Requested-With": "XMLHttpRequest"},
        "items": "items",
        "key": "id",
        "fields": ["status", "OS-EXT-STS:task_state", "OS-EXT-STS:power_state"],
        "interval": f"{int(SERVERS_WATCH_INTERVAL * 1000)}ms",
        "room": "project:{project_id}",
    }
    watch.update(overrides)
    return watch
