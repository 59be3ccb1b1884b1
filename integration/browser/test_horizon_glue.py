"""zenith-horizon.js on its own: the glue in the fixture's Horizon-like instances page (Chromium,
logged in through zenith), with the socket replaced by a fake that the test drives.

A script installed before any page script (CDP Page.addScriptToEvaluateOnNewDocument) catches
zenith.js' `window.zenith` and makes `zenith.connect` return a `FakeSocket` (window.__fake): the
test decides when it connects, what the `watch` acknowledgement says and which `watch:servers`
events arrive, so each behaviour of the glue is checked without a watcher on the server. zenith
injects the glue into the page (`inject=`), the row updates go to the real fixture under Apache,
and Apache's access log shows every row fetch,
whether Horizon's (horizon-like.js) or the glue's. The end-to-end tests with the real watcher
and injection are in test_horizon_rows.py.
"""
from __future__ import annotations

import json
import time

import pytest
import requests

from horizon_env import (GLUE, INSTANCES_PAGE, footer, free_port, glue_stats, log_in, open_instances, row_updates,
                         rows, start_zenith, wait_until)
from harness.horizon import add_server, make_server, remove_server, set_server, set_servers

FAKE_SOCKET = """
(() => {
  class FakeSocket {
    constructor(opts) { this.opts = opts; this.connected = false; this.id = null; this.handlers = {}; this.emitted = []; this.acks = []; }
    on(name, fn) { (this.handlers[name] = this.handlers[name] || []).push(fn); return this; }
    emit(name, ...args) {
      if (typeof args[args.length - 1] === "function") this.acks.push(args.pop());
      this.emitted.push([name].concat(args));
      return this;
    }
    fire(name, ...args) { for (const fn of this.handlers[name] || []) fn(...args); }
    up() { this.connected = true; this.id = "fake-" + Math.random().toString(36).slice(2); this.fire("connect"); }
    down() { this.connected = false; this.id = null; this.fire("disconnect", "transport close"); }
    ack(value) { this.acks.shift()(value); }
  }
  let client;
  Object.defineProperty(window, "zenith", {
    configurable: true,
    get() { return client; },
    set(value) { client = Object.assign({}, value, { connect: opts => (window.__fake = new FakeSocket(opts)) }); },
  });
})();
"""

ROUTES = """\
*       /socket.io/    realtime
*       /dashboard/    proxy     dashboard   inject={src}
"""


@pytest.fixture
def zenith(apache, request):
    """zenith injecting the glue; parametrized indirectly, the value is the script's query."""
    query = getattr(request, "param", "")
    port = free_port()
    z = start_zenith({"upstream": {"dashboard": {"servers": [f"127.0.0.1:{apache.port}"]}},
                      "listen": {"http": [f"127.0.0.1:{port}"]}},
                     ROUTES.format(src=GLUE + ("?" + query if query else "")), port=port)
    yield z
    z.stop()


@pytest.fixture
def servers(apache):
    """alice: web-1 building, db-1 active, vm-3 rebooting (two rows that Horizon polls)."""
    web = make_server("proj-a", "web-1", "BUILD", task_state="spawning", power_state=0)
    db = make_server("proj-a", "db-1", "ACTIVE")
    vm = make_server("proj-a", "vm-3", "REBOOT", task_state="rebooting")
    set_servers(apache, "proj-a", [web, db, vm])
    return {"web": web, "db": db, "vm": vm}


class GluePage:
    """The instances page with the glue and a fake socket, in a browser logged in as alice."""

    def __init__(self, driver, zenith, apache):
        self.driver, self.zenith, self.apache = driver, zenith, apache
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": FAKE_SOCKET})
        log_in(driver, zenith.url, "alice")
        self.mark = 0

    def open(self) -> float:
        self.mark = self.apache.log_mark()
        open_instances(self.driver, self.zenith.url)
        return time.monotonic()

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def fake(self, call: str):
        return self.js("return window.__fake." + call)

    def go_live(self) -> None:
        wait_until(self.driver, lambda: self.js("return !!window.__fake"), 5, "zenith.connect")
        self.fake("up()")
        assert self.fake("emitted") == [["watch", "servers"]]
        self.fake("ack({ok: true})")
        assert glue_stats(self.driver)["live"] is True

    def changes(self, added=(), changed=(), removed=(), times: int = 1) -> None:
        """`times` events with this diff, delivered in one go (as one WebSocket frame's worth)."""
        diff = {"watch": "servers", "scope": "project:proj-a",
                "added": [{"key": k, "fields": {}} for k in added],
                "changed": [{"key": k, "old": {}, "new": {}} for k in changed],
                "removed": list(removed)}
        self.js(f"for (let i = 0; i < {times}; i++) window.__fake.fire('watch:servers', {json.dumps(diff)});")

    def row_updates(self) -> list[str]:
        return row_updates(self.apache, self.mark)

    def row_updates_of(self, server: dict) -> list[str]:
        return [line for line in self.row_updates() if server["id"] in line]


@pytest.fixture
def page(browsers, zenith, apache, servers):
    return GluePage(browsers(), zenith, apache)


def test_horizons_first_poll_waits_for_the_socket_at_most_5_s(page):
    loaded = page.open()
    time.sleep(1.5)
    assert page.row_updates() == [], "Horizon's first poll is held while the socket is not live"
    assert glue_stats(page.driver)["held"] == 1
    wait_until(page.driver, lambda: page.row_updates(), 7, "Horizon's own first poll")
    assert time.monotonic() - loaded > 4.0


def test_live_glue_fetches_moving_rows_once_and_horizon_stays_quiet(page, servers):
    page.open()
    page.go_live()
    wait_until(page.driver, lambda: len(page.row_updates()) >= 2, 2, "the one-off fetch of the two moving rows")
    time.sleep(6)  # Horizon would have polled at 0, 2.5 and 7.5 s
    assert len(page.row_updates_of(servers["web"])) == 1 and len(page.row_updates_of(servers["vm"])) == 1
    assert page.row_updates_of(servers["db"]) == [], "a stable row is not fetched"
    assert len(page.row_updates()) == 2
    assert glue_stats(page.driver)["held"] >= 1


def test_changed_object_row_is_fetched_once_and_swapped_like_horizon(page, apache, servers):
    page.open()
    page.go_live()
    web, db = servers["web"], servers["db"]
    page.js("document.querySelector('tr[data-object-id=\"%s\"] .table-row-multi-select').checked = true" % web["id"])
    wait_until(page.driver, lambda: len(page.row_updates()) == 2, 2, "the one-off fetches")

    set_server(apache, "proj-a", web["id"], status="ACTIVE", task_state=None, power_state=1)
    set_server(apache, "proj-a", db["id"], status="REBOOT", task_state="rebooting")
    page.changes(changed=[web["id"], db["id"], "not-on-this-page"])
    wait_until(page.driver, lambda: rows(page.driver)[web["id"]]["status"] == "Active"
               and rows(page.driver)[db["id"]]["status"] == "Reboot", 2, "the swapped rows")
    now = rows(page.driver)
    assert now[web["id"]] == {"cls": "ajax-update status_up", "status": "Active", "checked": True, "bar": False}
    assert now[db["id"]] == {"cls": "ajax-update warning", "status": "Reboot", "checked": False, "bar": True}
    assert len(page.row_updates_of(web)) == 2 and len(page.row_updates_of(db)) == 1
    assert len(page.row_updates()) == 4, "nothing fetched for an object without a row"


def test_changes_of_one_row_coalesce(page, servers):
    page.open()
    page.go_live()
    web = servers["web"]
    wait_until(page.driver, lambda: len(page.row_updates()) == 2, 2, "the one-off fetches")
    page.changes(changed=[web["id"]], times=5)
    time.sleep(1.0)
    # one fetch in flight when the events came, then one more for the changes that came meanwhile
    assert len(page.row_updates_of(web)) == 1 + 2
    assert glue_stats(page.driver)["fetches"] == 4


def test_removed_object_loses_its_row_and_footer_count(page, servers):
    page.open()
    page.go_live()
    assert footer(page.driver) == "Displaying 3 items"
    page.changes(removed=[servers["db"]["id"]])
    assert servers["db"]["id"] not in rows(page.driver)
    assert footer(page.driver) == "Displaying 2 items"


def test_row_answering_404_is_removed(page, apache, servers):
    page.open()
    page.go_live()
    remove_server(apache, "proj-a", servers["vm"]["id"])
    page.changes(changed=[servers["vm"]["id"]])
    wait_until(page.driver, lambda: servers["vm"]["id"] not in rows(page.driver), 2, "the row's removal")
    assert footer(page.driver) == "Displaying 2 items"


def test_added_objects_show_one_notice_with_a_count(page, apache, servers):
    page.open()
    page.go_live()
    notice = "return (document.getElementById('zenith-new-items') || {}).textContent || null"
    assert page.js(notice) is None
    page.changes(added=[servers["web"]["id"]])  # already on the page: no notice
    assert page.js(notice) is None
    new = add_server(apache, "proj-a", make_server("proj-a", "new-1", "BUILD"))
    page.changes(added=[new["id"]])
    assert page.js(notice) == "\u00d7New instances (1) \u2014 refresh"
    page.changes(added=["other", new["id"]])
    assert "New instances (2)" in page.js(notice)
    page.changes(removed=["other"])
    assert "New instances (1)" in page.js(notice)
    assert page.js("return document.getElementById('zenith-new-items').nextElementSibling.className") == "table_wrapper"

    page.js("document.querySelector('#zenith-new-items .zenith-new-items-refresh').click()")
    wait_until(page.driver, lambda: new["id"] in rows(page.driver), 5, "the page reloaded with the new row")
    assert page.js(notice) is None


def test_notice_can_be_dismissed(page):
    page.open()
    page.go_live()
    page.changes(added=["a", "b"])
    page.js("document.querySelector('#zenith-new-items button.close').click()")
    assert page.js("return document.getElementById('zenith-new-items')") is None
    page.changes(added=["c"])
    assert "New instances (1)" in page.js("return document.getElementById('zenith-new-items').textContent")


def test_dropped_socket_gives_polling_back_to_horizon_one_interval_later(page):
    page.open()
    page.go_live()
    wait_until(page.driver, lambda: len(page.row_updates()) == 2, 2, "the one-off fetches")
    time.sleep(0.5)
    page.fake("down()")
    dropped = time.monotonic()
    assert glue_stats(page.driver)["live"] is False
    time.sleep(1.5)
    assert len(page.row_updates()) == 2, "a socket back within one interval would have saved the polls"
    wait_until(page.driver, lambda: len(page.row_updates()) >= 4, 3, "Horizon's polls")
    assert 2.0 < time.monotonic() - dropped < 4.0
    wait_until(page.driver, lambda: len(page.row_updates()) >= 6, 8, "Horizon polling on")

    # reconnected: the watch is asked for again, and Horizon's polling stops at its next turn
    page.fake("emitted.splice(0)")
    page.fake("up()")
    assert page.fake("emitted") == [["watch", "servers"]]
    page.fake("ack({ok: true})")
    time.sleep(0.5)  # the one-off fetches of the moving rows
    settled = len(page.row_updates())
    time.sleep(8)
    assert len(page.row_updates()) == settled


def test_socket_back_within_one_interval_saves_horizons_polls(page):
    page.open()
    page.go_live()
    wait_until(page.driver, lambda: len(page.row_updates()) == 2, 2, "the one-off fetches")
    page.fake("down()")
    time.sleep(1.0)
    page.fake("up()")
    page.fake("ack({ok: true})")
    time.sleep(0.5)
    assert len(page.row_updates()) == 4, "only the glue's own fetch after the reconnect"
    time.sleep(4)
    assert len(page.row_updates()) == 4


def test_failing_watcher_gives_polling_back_to_horizon(page):
    page.open()
    page.go_live()
    wait_until(page.driver, lambda: len(page.row_updates()) == 2, 2, "the one-off fetches")
    page.fake("fire('watch:servers:state', {ok: false})")
    assert glue_stats(page.driver)["live"] is False
    wait_until(page.driver, lambda: len(page.row_updates()) >= 4, 4, "Horizon's polls")
    page.fake("fire('watch:servers:state', {ok: true})")
    assert glue_stats(page.driver)["live"] is True


def test_refused_watch_lets_horizon_poll_at_once(page):
    loaded = page.open()
    wait_until(page.driver, lambda: page.js("return !!window.__fake"), 5, "zenith.connect")
    page.fake("up()")
    page.fake("ack({ok: false, error: 'unknown watch'})")
    wait_until(page.driver, lambda: len(page.row_updates()) >= 2, 2, "Horizon's first poll")
    assert time.monotonic() - loaded < 3.0
    assert glue_stats(page.driver)["error"] == "unknown watch"


@pytest.mark.parametrize("zenith", ["table=volumes"], indirect=True)
def test_page_without_the_table_opens_no_socket(page, servers):
    page.open()
    time.sleep(0.5)
    assert page.js("return window.__fake === undefined")
    assert page.js("return 'value' in Object.getOwnPropertyDescriptor(horizon.datatables, 'update')"), \
        "Horizon's update is left as it is"
    wait_until(page.driver, lambda: len(page.row_updates()) >= 2, 2, "Horizon's own polling")


@pytest.mark.parametrize("zenith", ["watch=volumes&table=instances"], indirect=True)
def test_script_parameters_and_realtime_path_come_from_its_src(page):
    page.open()
    wait_until(page.driver, lambda: page.js("return !!window.__fake"), 5, "zenith.connect")
    assert page.fake("opts.path") == "/socket.io/"
    assert page.fake("opts.url") == page.zenith.url
    page.fake("up()")
    assert page.fake("emitted") == [["watch", "volumes"]]
    assert page.js("return zenithHorizon.watch + ' ' + zenithHorizon.table") == "volumes instances"
    assert INSTANCES_PAGE in page.driver.current_url


def test_glue_is_served_after_the_client_in_one_file(zenith):
    client = requests.get(zenith.url + "/socket.io/zenith.js", timeout=5)
    r = requests.get(zenith.url + "/socket.io/zenith-horizon.js?watch=servers", timeout=5)
    assert r.status_code == 200 and r.headers["Content-Type"] == "text/javascript; charset=utf-8"
    assert r.text.startswith(client.text + "\n")
    assert r.text.index("/*! zenith-horizon.js") > len(client.text)
    assert r.headers["ETag"] != client.headers["ETag"]
    again = requests.get(zenith.url + "/socket.io/zenith-horizon.js", headers={"If-None-Match": r.headers["ETag"]},
                         timeout=5)
    assert again.status_code == 304
