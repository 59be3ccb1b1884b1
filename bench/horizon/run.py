#!/usr/bin/env python3
"""Backend requests per minute with N browser tabs on Horizon's instances page (issue #6, item 5).

Run by hand (as root, like the integration tests), not in CI:

    python3 bench/horizon/run.py                         # 1, 10, 50 tabs x 2 modes, 60 s each (~7 min)
    python3 bench/horizon/run.py --tabs 1 10 --seconds 30 --interval 2s
    python3 bench/horizon/run.py --tabs 10 50 --projects 10 --latency 0
    python3 bench/horizon/run.py --modes zenith-notify --tabs 1 --latency 200
    ZENITH_BIN=.build-release/release/zenith python3 bench/horizon/run.py

The backend is the test dashboard (integration/fixtures/dashboard, Django under Apache mod_wsgi) with one
project holding one server that stays in transition (BUILD) for the whole run, the case in which
Horizon polls. Every request that reaches the backend is a line in Apache's access log, which is
what is counted, by kind: Horizon's row updates (`action=row_update`), the watcher's servers polls
(`api/nova/servers/`) and the realtime auth probes (`api/keystone/user-session/`).

The tabs are simulated in Python, not run in a browser (integration/browser/test_horizon_rows.py shows
the browser doing the same):

- horizon: each tab is a Horizon-style poller straight against Apache, with one session cookie for
  all tabs (one user): the row's `data-update-url` with `X-Requested-With`, first at once, then
  after 2.5 s x decay with the decay growing by one per poll up to 30 s, as
  horizon.datatables.update does for a row that stays in transition (horizon.tables.js);
- zenith: each tab is a python-socketio client that connects to zenith with the same cookie and
  emits `watch` for the `servers` watcher (`[[watch]]`, `--interval`), then fetches the row once
  through zenith as the glue (zenith-horizon.js) does when the watch becomes live. No row changes
  during the run, so no further row fetches follow;
- zenith-idle: the same against a second zenith whose watcher has `idle_interval`
  (`--idle-interval`, 30 s): unchanged polls slow down to it, a tab that opens speeds them up;
- zenith-notify (issue 15): a third zenith whose watcher is slow on its own (`--notify-interval`
  30 s, `--notify-idle-interval` 5 m) and is made to poll a project at once by Nova's
  `instance.update` (`[notifications]`, `[[notify]] watch = "servers"`), sent with oslo.messaging's
  own Notifier to a private rabbitmq-server (integration/tests/harness: rabbitmq.py, oslo_notifier.py).

`--projects` spreads the tabs round-robin over that many projects (one session each: alice switched
to the project, as Horizon's project switcher does), each with its own server in BUILD and one
ACTIVE server. With `--change-every S` (default 20 s; 0: none) each project's ACTIVE server toggles
ACTIVE/SHUTOFF every S seconds (projects staggered), in every mode, the way Nova would change it out
of band; in the zenith-notify mode each toggle is also announced by the notification. Horizon's own
polling does not look at ACTIVE or SHUTOFF rows, so it neither pays for nor shows these changes;
the zenith tabs fetch the row of a changed server once each, as the glue does.

`--latency N` (default 100; 0 skips) then times N changes with one tab watching through the
zenith-notify instance: from the moment the notification is sent (right after the server was
changed) to the tab receiving `watch:servers`, and to the tab's row fetch answered, which is when
the glue swaps the row in a browser (p50/p99 printed).

Tabs open spread over the first 2.5 s; the window counted is `--seconds` from the first tab's
opening, so it includes each tab's first requests. With the horizon mode, a page younger than
2.75 minutes polls faster than an old one: the table also shows the rate of pages that have
reached the 30 s cap (2 per minute and tab), computed from the same schedule; for zenith the steady
state is the servers polls and auth probes, without the tabs' one-off row fetches, and for
zenith-idle one servers poll per idle_interval.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import tempfile
import random
import sys
import threading
import time
from pathlib import Path

import requests
import socketio

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "integration" / "tests"))
from harness.auth import AJAX, auth_section, login  # noqa: E402
from harness.dashboard import ApacheDashboard  # noqa: E402
from harness.horizon import SERVERS_API, make_server, row_update_path, set_server, set_servers  # noqa: E402
from harness.oslo_notifier import nova_instance_payload  # noqa: E402
from harness.processes import free_port  # noqa: E402
from harness.zenith import start_zenith  # noqa: E402

USER = "alice"
PROJECT = "proj-a"
ORIGIN = "http://bench.example"
ROUTES = """\
*       /socket.io/    realtime
*       /dashboard/    proxy     dashboard
"""
HORIZON_INTERVAL = 2.5  # HORIZON_CONFIG["ajax_poll_interval"], seconds
HORIZON_CAP = 30.0      # horizon.tables.js: "Limit the interval to 30 secs"
SPREAD = 2.5            # tabs open over this many seconds


def horizon_tab(base: str, cookie: str, url: str, start: float, end: float, stop: threading.Event) -> None:
    """One tab's horizon.datatables.update for a row that stays in transition."""
    http = requests.Session()
    headers = {**AJAX, "Cookie": cookie}
    decay = 0
    when = start
    while not stop.wait(max(0.0, when - time.monotonic())) and when < end:
        http.get(base + url, headers=headers, timeout=10)
        decay += 1
        when += min(HORIZON_INTERVAL * decay, HORIZON_CAP)
    http.close()


def run_horizon(apache: ApacheDashboard, projects: list["Project"], tabs: int, seconds: float) -> None:
    stop = threading.Event()
    t0 = time.monotonic()
    end = t0 + seconds
    threads = [threading.Thread(target=horizon_tab, daemon=True,
                                args=(apache.url, projects[i % len(projects)].cookie,
                                      row_update_path(projects[i % len(projects)].building),
                                      t0 + random.uniform(0, SPREAD), end, stop))
               for i in range(tabs)]
    for t in threads:
        t.start()
    time.sleep(max(0.0, end - time.monotonic()))
    stop.set()
    for t in threads:
        t.join(15)


def glue_tab(zenith_url: str, cookie: str, server_id: str, at: float, clients: list, errors: list,
             rows: set[str] | None = None, seen: list | None = None) -> None:
    """One tab's zenith-horizon.js: connect with the cookie, watch, fetch the moving row once, and
    the row of each changed server among `rows` once per change (appending (key, event time,
    row time) to `seen`)."""
    time.sleep(max(0.0, at - time.monotonic()))
    # suppress_origin: websocket-client would send an Origin of its own next to ours
    sio = socketio.Client(reconnection=False, websocket_extra_options={"suppress_origin": True})
    clients.append(sio)
    http = requests.Session()

    @sio.on("watch:servers")
    def changes(diff):
        got = time.monotonic()
        for change in (diff or {}).get("changed", []):
            key = str(change.get("key"))
            if rows is not None and key in rows:
                http.get(zenith_url + row_update_path(key), headers={**AJAX, "Cookie": cookie}, timeout=10)
                if seen is not None:
                    seen.append((key, got, time.monotonic()))

    try:
        sio.connect(zenith_url, headers={"Cookie": cookie, "Origin": ORIGIN}, transports=["websocket"],
                    wait_timeout=10)
        ack = sio.call("watch", "servers", timeout=15)
        if not (isinstance(ack, dict) and ack.get("ok")):
            errors.append(f"watch answered {ack!r}")
            return
        requests.get(zenith_url + row_update_path(server_id), headers={**AJAX, "Cookie": cookie}, timeout=10)
    except Exception as e:  # counted and reported: a tab that did not get live
        errors.append(f"{type(e).__name__}: {e}")


def run_zenith(zenith_url: str, projects: list["Project"], tabs: int, seconds: float) -> list[str]:
    clients: list = []
    errors: list[str] = []
    t0 = time.monotonic()
    threads = []
    for i in range(tabs):
        p = projects[i % len(projects)]
        threads.append(threading.Thread(target=glue_tab, daemon=True, args=(
            zenith_url, p.cookie, p.building, t0 + random.uniform(0, SPREAD), clients, errors, {p.building, p.toggled})))
    for t in threads:
        t.start()
    time.sleep(max(0.0, t0 + seconds - time.monotonic()))
    for sio in clients:
        with contextlib.suppress(Exception):
            sio.disconnect()
    for t in threads:
        t.join(15)
    return errors


class Project:
    """One project of the run: a session of alice switched to it, a server in BUILD for the whole
    run, and an ACTIVE server that the changes toggle."""

    def __init__(self, apache: ApacheDashboard, index: int) -> None:
        self.id = f"proj-bench-{index}"
        building = make_server(self.id, f"web-{index}", "BUILD", task_state="spawning", power_state=0)
        toggled = make_server(self.id, f"db-{index}", "ACTIVE")
        set_servers(apache, self.id, [building, toggled])
        self.building, self.toggled, self.status = building["id"], toggled["id"], "ACTIVE"
        me = login(apache.url, USER)
        switched = me.http.get(apache.url + "/dashboard/_session", params={"project_id": self.id}, timeout=10).json()
        assert switched["project_id"] == self.id, switched
        self.cookie = f"sessionid={me.http.cookies['sessionid']}"

    def toggle(self, apache: ApacheDashboard, notifiers=None) -> None:
        """The ACTIVE server shut off or started again, as Nova does it out of band; announced when
        `notifiers` is given."""
        self.status = "SHUTOFF" if self.status == "ACTIVE" else "ACTIVE"
        set_server(apache, self.id, self.toggled, status=self.status, power_state=1 if self.status == "ACTIVE" else 4)
        if notifiers is not None:
            notifiers.send("nova", "versioned_notifications", "instance.update",
                           nova_instance_payload(self.id, self.toggled, state=self.status.lower().replace("shutoff", "stopped"),
                                                 power_state="running" if self.status == "ACTIVE" else "shutdown"),
                           self.id, publisher_id="nova-compute:bench")


def run_changes(apache: ApacheDashboard, projects: list[Project], every: float, seconds: float, notifiers,
                stop: threading.Event) -> None:
    """Each project's toggle every `every` seconds, projects staggered, from SPREAD s on."""
    t0 = time.monotonic()
    plan = sorted((t0 + SPREAD + every * (i / len(projects) + k), i)
                  for k in range(int(seconds / every) + 1) for i in range(len(projects)))
    for when, i in plan:
        if when >= t0 + seconds or stop.wait(max(0.0, when - time.monotonic())):
            return
        projects[i].toggle(apache, notifiers)


def counts(lines: list[str]) -> dict:
    return {
        "row_update": sum("action=row_update" in line for line in lines),
        "servers": sum(f'"{SERVERS_API}"' in line for line in lines),
        "user_session": sum('"/dashboard/api/keystone/user-session/"' in line for line in lines),
        "total": len(lines),
    }


def aged_horizon_rate(tabs: int) -> float:
    """Requests per minute once every page has polled long enough to reach the 30 s cap."""
    return tabs * 60.0 / HORIZON_CAP


def seconds_of(duration: str) -> float:
    """`30s`, `500ms`, `2m` as seconds."""
    for unit, factor in (("ms", 0.001), ("s", 1.0), ("m", 60.0)):
        if duration.endswith(unit) and duration[: -len(unit)].replace(".", "", 1).isdigit():
            return float(duration[: -len(unit)]) * factor
    raise ValueError(f"not a duration: {duration}")


def zenith_config(apache: ApacheDashboard, port: int, interval: str, idle_interval: str | None = None,
                  url_file: str | None = None) -> dict:
    config = {
        "routes": "routes",
        "listen": {"http": [f"127.0.0.1:{port}"]},
        "upstream": {"dashboard": {"servers": [f"127.0.0.1:{apache.port}"], "connect_timeout": "1s",
                                   "response_timeout": "10s"}},
        "realtime": {"allowed_origins": [ORIGIN], "max_sessions_per_ip": 10000, "auth": auth_section()},
        "log": {"level": "info", "access": False},
        "watch": [{
            "name": "servers", "upstream": "dashboard", "path": SERVERS_API,
            "headers": dict(AJAX), "items": "items", "key": "id",
            "fields": ["status", "OS-EXT-STS:task_state", "OS-EXT-STS:power_state"],
            "interval": interval, "room": "project:{project_id}",
            **({"idle_interval": idle_interval} if idle_interval else {}),
        }],
    }
    if url_file:
        config["notifications"] = {"transport_url_file": url_file}
        config["notify"] = [{
            "name": "instances", "exchange": "nova", "topic": "versioned_notifications", "events": ["instance.*"],
            "room": "project:{nova_object.data.tenant_id}", "fields": {"id": "nova_object.data.uuid"},
            "watch": "servers",
        }]
    return config


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def measure_latency(apache: ApacheDashboard, zenith_url: str, project: Project, changes: int, notifiers) -> dict:
    """One tab watching project's servers through zenith-notify; `changes` toggles, each announced,
    one at a time: notification sent -> event at the tab -> the tab's row fetch answered."""
    clients: list = []
    errors: list[str] = []
    seen: list = []
    tab = threading.Thread(target=glue_tab, daemon=True, args=(
        zenith_url, project.cookie, project.building, time.monotonic(), clients, errors,
        {project.toggled}, seen))
    tab.start()
    tab.join(30)
    time.sleep(2.0)  # the watch's first poll and the tab's one row fetch
    to_event: list[float] = []
    to_row: list[float] = []
    for _ in range(changes):
        seen.clear()
        project.toggle(apache)
        sent = time.monotonic()
        notifiers.send("nova", "versioned_notifications", "instance.update",
                       nova_instance_payload(project.id, project.toggled, state="active"), project.id,
                       publisher_id="nova-compute:bench")
        deadline = sent + 10
        while not seen and time.monotonic() < deadline:
            time.sleep(0.002)
        if not seen:
            errors.append("a change not seen within 10 s")
            continue
        _, event_at, row_at = seen[0]
        to_event.append(event_at - sent)
        to_row.append(row_at - sent)
        time.sleep(0.3 + random.uniform(0, 0.2))  # after the coalescing window: one change per poll
    for sio in clients:
        with contextlib.suppress(Exception):
            sio.disconnect()
    return {"event": to_event, "row": to_row, "errors": errors}


MODES = ("horizon", "zenith", "zenith-idle", "zenith-notify")
LABELS = {"horizon": "Horizon polling (each tab)", "zenith": "Zenith watcher + glue",
          "zenith-idle": "Zenith, idle_interval", "zenith-notify": "Zenith, notifications"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tabs", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--projects", type=int, nargs="+", default=[1], help="tabs spread over this many projects")
    parser.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    parser.add_argument("--seconds", type=float, default=60.0, help="window counted per cell")
    parser.add_argument("--interval", default="2s", help="the watcher's interval (zenith modes)")
    parser.add_argument("--idle-interval", default="30s", help="the watcher's idle_interval (zenith-idle mode)")
    parser.add_argument("--notify-interval", default="30s", help="the watcher's interval (zenith-notify mode)")
    parser.add_argument("--notify-idle-interval", default="5m", help="its idle_interval (zenith-notify mode)")
    parser.add_argument("--change-every", type=float, default=20.0,
                        help="seconds between two changes of each project's ACTIVE server (0: none)")
    parser.add_argument("--latency", type=int, default=100, help="changes timed with zenith-notify (0: none)")
    args = parser.parse_args()

    apache = ApacheDashboard().start()
    started: list = []
    broker = notifiers = url_file = None
    try:
        projects = [Project(apache, i) for i in range(max(args.projects))]
        zeniths = {}

        def start(mode: str, **kw) -> None:
            port = free_port()
            zeniths[mode] = start_zenith(zenith_config(apache, port, **kw), ROUTES, port=port)
            started.append(zeniths[mode])

        if "zenith" in args.modes:
            start("zenith", interval=args.interval)
        if "zenith-idle" in args.modes:
            start("zenith-idle", interval=args.interval, idle_interval=args.idle_interval)
        if "zenith-notify" in args.modes or args.latency:
            from harness.oslo_notifier import OsloNotifiers  # oslo (and eventlet) only for this mode
            from harness.rabbitmq import RabbitMQ
            broker = RabbitMQ().start()
            notifiers = OsloNotifiers(broker.url)
            notifiers.send("nova", "versioned_notifications", "service.start", {}, "setup")  # Nova's exchange
            fd, url_file = tempfile.mkstemp(prefix="zenith-bench-transport-url-")
            os.write(fd, (broker.url + "\n").encode())
            os.close(fd)
            start("zenith-notify", interval=args.notify_interval, idle_interval=args.notify_idle_interval,
                  url_file=url_file)
            zeniths["zenith-notify"].wait_stderr("AMQP consuming", timeout=20)

        results = []
        for n_projects in args.projects:
            for tabs in args.tabs:
                for mode in args.modes:
                    time.sleep(1.0)  # let the previous cell's last requests land in the log
                    mark = apache.log_mark()
                    errors: list[str] = []
                    stop = threading.Event()
                    changer = None
                    if args.change_every > 0:
                        changer = threading.Thread(target=run_changes, daemon=True, args=(
                            apache, projects[:n_projects], args.change_every, args.seconds,
                            notifiers if mode == "zenith-notify" else None, stop))
                        changer.start()
                    if mode == "horizon":
                        run_horizon(apache, projects[:n_projects], tabs, args.seconds)
                    else:
                        errors = run_zenith(zeniths[mode].url, projects[:n_projects], tabs, args.seconds)
                    stop.set()
                    if changer:
                        changer.join(15)
                    c = counts(apache.log_since(mark))
                    results.append((n_projects, tabs, mode, c, errors))
                    print(f"{n_projects:>2} projects {tabs:>3} tabs {mode:<13} {c} "
                          f"{'errors: ' + '; '.join(errors[:3]) if errors else ''}", file=sys.stderr, flush=True)

        per_minute = 60.0 / args.seconds
        if results:
            print(f"\nBackend requests per minute; window {args.seconds:.0f} s from the first tab's opening; one row in "
                  f"transition per project; changes every {args.change_every:g} s per project; watcher interval "
                  f"{args.interval}, idle_interval {args.idle_interval} (zenith-idle), {args.notify_interval}/"
                  f"{args.notify_idle_interval} with notifications (zenith-notify).\n")
            print("| projects | tabs | mode | row updates | servers polls | auth probes | total / min |")
            print("|---:|---:|---|---:|---:|---:|---:|")
            for n_projects, tabs, mode, c, errors in results:
                note = f" ({len(errors)} tabs failed)" if errors else ""
                print(f"| {n_projects} | {tabs} | {LABELS[mode]}{note} | {c['row_update'] * per_minute:.0f} "
                      f"| {c['servers'] * per_minute:.0f} | {c['user_session'] * per_minute:.0f} "
                      f"| {c['total'] * per_minute:.0f} |")
        failed = any(errors for *_, errors in results)
        if args.latency:
            time.sleep(2.0)
            lat = measure_latency(apache, zeniths["zenith-notify"].url, projects[0], args.latency, notifiers)
            for what in ("event", "row"):
                ms = [v * 1000 for v in lat[what]]
                if ms:
                    print(f"notification -> {what}: n={len(ms)} p50 {percentile(ms, 0.5):.0f} ms, "
                          f"p99 {percentile(ms, 0.99):.0f} ms, max {max(ms):.0f} ms, "
                          f"mean {statistics.mean(ms):.0f} ms")
            if lat["errors"]:
                print(f"latency errors: {lat['errors'][:3]} ({len(lat['errors'])})")
                failed = True
        return 1 if failed else 0
    finally:
        for z in started:
            z.stop()
        if notifiers is not None:
            notifiers.close()
        if broker is not None:
            broker.stop()
        if url_file:
            os.unlink(url_file)
        apache.cleanup()


if __name__ == "__main__":
    sys.exit(main())
