"""Live Horizon instance rows end to end (issue #6): headless Chromium, logged in to the Django
fixture through zenith, on the fixture's Horizon-like instances page.

zenith (horizon_env.start_horizon_zenith) authenticates sockets with the session cookie, polls
`/dashboard/api/nova/servers/` every 500 ms per project with a `[[watch]]`, and injects
`/socket.io/zenith-horizon.js` into the dashboard's pages. The tests change servers.json as Nova
would change servers, and count in Apache's access log what reaches the dashboard: Horizon's row
polls (`action=row_update`) and the watcher's servers polls.
"""
from __future__ import annotations

import json
import os
import signal
import time

import pytest

from horizon_env import (ROUTES, ROUTES_REALTIME_DOWN, footer, glue_stats, log_in, open_instances, row_updates,
                         rows, servers_polls, start_horizon_zenith, wait_live, wait_until, zenith_config)
from harness.certificates import make_certificate
from harness.horizon import add_server, make_server, remove_server, set_server, set_servers
from harness.processes import free_port, wait_for_port
from harness.zenith import start_zenith

NOTICE = "return (document.getElementById('zenith-new-items') || {}).textContent || null"


@pytest.fixture
def servers(apache):
    """alice: web-1 building (a row Horizon would poll) and db-1 active; bob: bob-vm active."""
    web = make_server("proj-a", "web-1", "BUILD", task_state="spawning", power_state=0)
    db = make_server("proj-a", "db-1", "ACTIVE")
    bob_vm = make_server("proj-b", "bob-vm", "ACTIVE")
    set_servers(apache, "proj-a", [web, db])
    set_servers(apache, "proj-b", [bob_vm])
    yield {"web": web, "db": db, "bob_vm": bob_vm}
    set_servers(apache, "proj-a", [])
    set_servers(apache, "proj-b", [])


@pytest.fixture
def zenith(apache):
    z = start_horizon_zenith(apache)
    yield z
    z.stop()


@pytest.fixture
def tls_zenith(apache, tmp_path):
    """`zenith` with an https listener too (a fresh self-signed certificate), as in production."""
    cert, key = make_certificate(tmp_path)
    port, https_port = free_port(), free_port()
    config = zenith_config(apache, port)
    config["listen"]["https"] = [f"127.0.0.1:{https_port}"]
    config["tls"] = {"certificate": str(cert), "key": str(key)}
    config["realtime"]["allowed_origins"].append(f"https://127.0.0.1:{https_port}")
    z = start_zenith(config, ROUTES, port=port)
    wait_for_port(https_port, 10, z.proc, "zenith https")  # bound just after the http listener
    z.https_url = f"https://127.0.0.1:{https_port}"
    yield z
    z.stop()


def open_page(driver, zenith, user: str = "alice", live: bool = True):
    log_in(driver, zenith.url, user)
    open_instances(driver, zenith.url)
    if live:
        wait_live(driver)
    return driver


def updates_of(apache, mark: int, server: dict) -> list[str]:
    return [line for line in row_updates(apache, mark) if server["id"] in line]


def test_status_change_reaches_the_row_within_a_second(browsers, zenith, apache, servers):
    page = open_page(browsers(), zenith)
    web = servers["web"]
    assert rows(page)[web["id"]]["cls"] == "ajax-update warning"

    set_server(apache, "proj-a", web["id"], status="ACTIVE", task_state=None, power_state=1)
    changed = time.monotonic()
    wait_until(page, lambda: rows(page)[web["id"]]["cls"] == "ajax-update status_up", 1.0,
               "the row's new class", poll=0.02)
    assert time.monotonic() - changed < 1.0
    assert rows(page)[web["id"]]["status"] == "Active"


def test_no_periodic_row_polls_from_the_browser_while_live(browsers, zenith, apache, servers):
    loaded = apache.log_mark()
    page = open_page(browsers(), zenith)
    time.sleep(1.0)  # the glue's one fetch of the moving row
    mark = apache.log_mark()
    time.sleep(6.0)  # Horizon alone would poll at 0, 2.5 and 7.5 s
    assert row_updates(apache, mark) == []
    assert len(updates_of(apache, loaded, servers["web"])) == 1, "only the one fetch once live"
    assert rows(page)[servers["web"]["id"]]["cls"] == "ajax-update warning", "still in transition"
    assert glue_stats(page)["held"] >= 1


@pytest.mark.parametrize("without", ["watch", "socket"])
def test_horizon_polls_as_usual_without_the_watch(browsers, apache, servers, without):
    """Controls: zenith without the watcher (a `watch` is answered "unknown watch") or with no
    realtime socket at all: either way Horizon polls at once, and again one interval later."""
    z = (start_horizon_zenith(apache, watch=False) if without == "watch"
         else start_horizon_zenith(apache, routes=ROUTES_REALTIME_DOWN))
    try:
        mark = apache.log_mark()
        page = open_page(browsers(), z, live=False)
        wait_until(page, lambda: len(updates_of(apache, mark, servers["web"])) >= 2, 5,
                   "two of Horizon's own polls (at once, then 2.5 s later)")
        assert updates_of(apache, mark, servers["db"]) == []
        assert glue_stats(page)["live"] is False
    finally:
        z.stop()


def test_twenty_tabs_of_one_project_make_one_servers_poll_per_interval(browsers, zenith, apache, servers):
    browser = open_page(browsers(), zenith)
    tabs = [browser.current_window_handle]
    for _ in range(19):
        browser.switch_to.new_window("tab")
        open_instances(browser, zenith.url)
        tabs.append(browser.current_window_handle)
    for tab in tabs:
        browser.switch_to.window(tab)
        wait_live(browser)

    mark = apache.log_mark()
    time.sleep(5.0)
    polls = servers_polls(apache, mark)
    # 500 ms interval: 10 polls in 5 s for the project, where 20 pollers would make 200
    assert 7 <= len(polls) <= 13, polls
    assert row_updates(apache, mark) == []

    web = servers["web"]
    set_server(apache, "proj-a", web["id"], status="ACTIVE", task_state=None, power_state=1)
    for tab in tabs:
        browser.switch_to.window(tab)
        wait_until(browser, lambda: rows(browser)[web["id"]]["status"] == "Active", 3, "the change in every tab")


def test_other_project_sees_nothing_of_the_change(browsers, zenith, apache, servers):
    alice = open_page(browsers(), zenith, "alice")
    bob = open_page(browsers(), zenith, "bob")
    bob.execute_script("window.__seen = []; zenithHorizon.socket.on('watch:servers', d => window.__seen.push(d));")
    bob_rows = rows(bob)
    assert list(bob_rows) == [servers["bob_vm"]["id"]]

    web, db = servers["web"], servers["db"]
    set_server(apache, "proj-a", web["id"], status="ACTIVE", task_state=None, power_state=1)
    remove_server(apache, "proj-a", db["id"])
    add_server(apache, "proj-a", make_server("proj-a", "new-1", "BUILD"))
    wait_until(alice, lambda: alice.execute_script(NOTICE) is not None and db["id"] not in rows(alice),
               2, "alice's page following the changes")
    time.sleep(1.0)
    assert bob.execute_script("return window.__seen") == []
    assert rows(bob) == bob_rows and bob.execute_script(NOTICE) is None
    assert glue_stats(bob)["fetches"] == 0
    assert all(s["id"] not in json.dumps(bob.execute_script("return document.body.innerHTML")) for s in (web, db))


def test_removed_server_loses_its_row_and_added_server_shows_a_notice(browsers, zenith, apache, servers):
    page = open_page(browsers(), zenith)
    assert footer(page) == "Displaying 2 items"
    remove_server(apache, "proj-a", servers["db"]["id"])
    wait_until(page, lambda: servers["db"]["id"] not in rows(page), 1.5, "the removed row gone")
    assert footer(page) == "Displaying 1 item"

    new = add_server(apache, "proj-a", make_server("proj-a", "new-1", "BUILD", task_state="scheduling"))
    wait_until(page, lambda: page.execute_script(NOTICE) is not None, 1.5, "the new-instances notice")
    assert "New instances (1)" in page.execute_script(NOTICE)
    assert new["id"] not in rows(page), "the page itself is not changed"


def kill(z) -> None:
    """SIGKILL: the sockets drop at once, without a goodbye."""
    os.killpg(z.proc.pid, signal.SIGKILL)
    z.proc.wait(10)


def test_horizon_polls_again_when_the_socket_is_gone(browsers, zenith, apache, servers):
    page = open_page(browsers(), zenith)
    time.sleep(1.0)
    kill(zenith)
    wait_until(page, lambda: glue_stats(page)["live"] is False, 2, "the glue noticing the drop")
    # back on the same port at once, but with no realtime: the dashboard works, the socket cannot return
    z = start_horizon_zenith(apache, port=zenith.port, routes=ROUTES_REALTIME_DOWN)
    try:
        mark = apache.log_mark()
        wait_until(page, lambda: len(updates_of(apache, mark, servers["web"])) >= 2, 9, "Horizon's polling again")
        web = servers["web"]
        set_server(apache, "proj-a", web["id"], status="ACTIVE", task_state=None, power_state=1)
        wait_until(page, lambda: rows(page)[web["id"]]["status"] == "Active", 10, "Horizon's poll updating the row")
    finally:
        z.stop()


def test_socket_comes_back_and_watches_again_after_a_restart(browsers, zenith, apache, servers):
    page = open_page(browsers(), zenith)
    kill(zenith)
    wait_until(page, lambda: glue_stats(page)["live"] is False, 2, "the glue noticing the drop")
    z = start_horizon_zenith(apache, port=zenith.port, routes=ROUTES)
    try:
        wait_live(page, 10)
        web = servers["web"]
        set_server(apache, "proj-a", web["id"], status="ACTIVE", task_state=None, power_state=1)
        wait_until(page, lambda: rows(page)[web["id"]]["status"] == "Active", 1.5, "the change over the new socket")
    finally:
        z.stop()


def test_live_rows_over_tls_and_http2(browsers, tls_zenith, apache, servers):
    """As browsers meet Zenith in production: the login form, the instances page, its scripts
    and the glue come over HTTP/2 (ALPN on Zenith's TLS listener), the glue's socket goes live,
    and a status change reaches the row within a second."""
    page = browsers("--ignore-certificate-errors")
    log_in(page, tls_zenith.https_url, "alice")
    open_instances(page, tls_zenith.https_url)
    protocols = page.execute_script(
        "return performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'))"
        ".map(e => [e.name, e.nextHopProtocol])")
    assert protocols and all(protocol == "h2" for _, protocol in protocols), protocols
    assert any("/socket.io/" in name for name, _ in protocols), protocols
    wait_live(page)
    web = servers["web"]
    set_server(apache, "proj-a", web["id"], status="ACTIVE", task_state=None, power_state=1)
    wait_until(page, lambda: rows(page)[web["id"]]["cls"] == "ajax-update status_up", 1.0,
               "the row's new class", poll=0.02)
