#!/usr/bin/env python3
"""Backend requests per minute with N browser tabs on Horizon's instances page (issue #6, item 5).

Run by hand (as root, like the integration tests), not in CI:

    python3 bench/horizon/run.py                         # 1, 10, 50 tabs x 2 modes, 60 s each (~7 min)
    python3 bench/horizon/run.py --tabs 1 10 --seconds 30 --interval 2s
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
  (`--idle-interval`, 30 s): unchanged polls slow down to it, a tab that opens speeds them up.

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
from harness.horizon import SERVERS_API, make_server, row_update_path, set_servers  # noqa: E402
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


def run_horizon(apache: ApacheDashboard, cookie: str, server_id: str, tabs: int, seconds: float) -> None:
    stop = threading.Event()
    t0 = time.monotonic()
    end = t0 + seconds
    threads = [threading.Thread(target=horizon_tab, daemon=True,
                                args=(apache.url, cookie, row_update_path(server_id), t0 + random.uniform(0, SPREAD),
                                      end, stop))
               for _ in range(tabs)]
    for t in threads:
        t.start()
    time.sleep(max(0.0, end - time.monotonic()))
    stop.set()
    for t in threads:
        t.join(15)


def glue_tab(zenith_url: str, cookie: str, server_id: str, at: float, clients: list, errors: list) -> None:
    """One tab's zenith-horizon.js: connect with the cookie, watch, fetch the moving row once."""
    time.sleep(max(0.0, at - time.monotonic()))
    # suppress_origin: websocket-client would send an Origin of its own next to ours
    sio = socketio.Client(reconnection=False, websocket_extra_options={"suppress_origin": True})
    clients.append(sio)
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


def run_zenith(zenith_url: str, cookie: str, server_id: str, tabs: int, seconds: float) -> list[str]:
    clients: list = []
    errors: list[str] = []
    t0 = time.monotonic()
    threads = [threading.Thread(target=glue_tab, daemon=True,
                                args=(zenith_url, cookie, server_id, t0 + random.uniform(0, SPREAD), clients, errors))
               for _ in range(tabs)]
    for t in threads:
        t.start()
    time.sleep(max(0.0, t0 + seconds - time.monotonic()))
    for sio in clients:
        with contextlib.suppress(Exception):
            sio.disconnect()
    for t in threads:
        t.join(15)
    return errors


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


def zenith_config(apache: ApacheDashboard, port: int, interval: str, idle_interval: str | None = None) -> dict:
    return {
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tabs", type=int, nargs="+", default=[1, 10, 50])
    parser.add_argument("--seconds", type=float, default=60.0, help="window counted per cell")
    parser.add_argument("--interval", default="2s", help="the watcher's interval (zenith modes)")
    parser.add_argument("--idle-interval", default="30s", help="the watcher's idle_interval (zenith-idle mode)")
    args = parser.parse_args()

    apache = ApacheDashboard().start()
    zenith = zenith_idle = None
    try:
        building = make_server(PROJECT, "web-1", "BUILD", task_state="spawning", power_state=0)
        set_servers(apache, PROJECT, [building, make_server(PROJECT, "db-1", "ACTIVE")])
        me = login(apache.url, USER)
        port = free_port()
        zenith = start_zenith(zenith_config(apache, port, args.interval), ROUTES, port=port)
        idle_port = free_port()
        zenith_idle = start_zenith(zenith_config(apache, idle_port, args.interval, args.idle_interval), ROUTES,
                                   port=idle_port)

        results = []
        for tabs in args.tabs:
            for mode in ("horizon", "zenith", "zenith-idle"):
                time.sleep(1.0)  # let the previous cell's last requests land in the log
                mark = apache.log_mark()
                errors: list[str] = []
                if mode == "horizon":
                    run_horizon(apache, me.cookie, building["id"], tabs, args.seconds)
                else:
                    url = zenith.url if mode == "zenith" else zenith_idle.url
                    errors = run_zenith(url, me.cookie, building["id"], tabs, args.seconds)
                c = counts(apache.log_since(mark))
                results.append((tabs, mode, c, errors))
                print(f"{tabs:>3} tabs {mode:<8} {c} {'errors: ' + '; '.join(errors[:3]) if errors else ''}",
                      file=sys.stderr, flush=True)

        per_minute = 60.0 / args.seconds
        print(f"\nBackend requests per minute, one project, one row in transition; window {args.seconds:.0f} s "
              f"from the first tab's opening; watcher interval {args.interval}, "
              f"idle_interval {args.idle_interval} in the zenith-idle rows.\n")
        print("| tabs | mode | row updates | servers polls | auth probes | total / min | steady state / min |")
        print("|---:|---|---:|---:|---:|---:|---:|")
        for tabs, mode, c, errors in results:
            label = {"horizon": "Horizon polling (each tab)", "zenith": "Zenith watcher + glue",
                     "zenith-idle": f"Zenith, idle_interval {args.idle_interval}"}[mode]
            if mode == "horizon":
                aged = aged_horizon_rate(tabs)
            elif mode == "zenith-idle":
                aged = 60.0 / seconds_of(args.idle_interval)  # one poll per idle_interval, tabs or not
            else:
                aged = (c["servers"] + c["user_session"]) * per_minute
            note = f" ({len(errors)} tabs failed)" if errors else ""
            print(f"| {tabs} | {label}{note} | {c['row_update'] * per_minute:.0f} | {c['servers'] * per_minute:.0f} "
                  f"| {c['user_session'] * per_minute:.0f} | {c['total'] * per_minute:.0f} | {aged:.0f} |")
        return 0 if not any(errors for *_, errors in results) else 1
    finally:
        for z in (zenith, zenith_idle):
            if z is not None:
                z.stop()
        apache.cleanup()


if __name__ == "__main__":
    sys.exit(main())
