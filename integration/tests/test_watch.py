"""Shared polling watchers (`[[watch]]`, issue #6): one poll per scope and interval, whatever the
number of sockets, and the changes pushed to the scope's sockets that asked.

Zenith runs with `[realtime.auth]` in front of the Django fixture under Apache mod_wsgi, whose
Horizon-like `GET /dashboard/api/nova/servers/` lists the servers of the session's project from
`servers.json` (harness.horizon changes them as Nova would). python-socketio clients log in,
connect with their session cookie and emit `watch` with the watcher's name. Polls are counted in
Apache's access log.
"""
from __future__ import annotations

import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest

from harness.auth import login, project_of, sio_connect, start_auth
from harness.horizon import SERVERS_API, make_server, servers_path, servers_watch, set_server, set_servers
from harness.horizon import SERVERS_WATCH_INTERVAL as INTERVAL
from harness.metrics import metric, scrape
from harness.paths import ZENITH_BIN
from harness.processes import free_port
from harness.realtime import close
from harness.toml_writer import to_toml

pytestmark = pytest.mark.usefixtures("zenith_survives")


@pytest.fixture
def rt(zenith_factory, apache):
    return start_auth(zenith_factory, apache, watches=[servers_watch()],
                      realtime={"max_concurrent_polls": 4})


@pytest.fixture
def projects(apache):
    """alice's project with one server in transition, bob's with one active server."""
    building = make_server(project_of("alice"), "web-1", status="BUILD", task_state="spawning", power_state=0)
    active = make_server(project_of("bob"), "db-1")
    set_servers(apache, project_of("alice"), [building])
    set_servers(apache, project_of("bob"), [active])
    yield {"alice": building, "bob": active}
    set_servers(apache, project_of("alice"), [])
    set_servers(apache, project_of("bob"), [])


class Watching:
    """A logged-in python-socketio client that asked for a watch; collects its events."""

    def __init__(self, rt, user: str, watch: str = "servers", session=None) -> None:
        self.login = session or login(rt.url, user)
        self.sio, self.log = sio_connect(rt, self.login.cookie)
        self.events: list[dict] = []
        self.states: list[dict] = []
        self.changed = threading.Condition()
        self.sio.on(f"watch:{watch}", self._event)
        self.sio.on(f"watch:{watch}:state", self._state)
        self.ack = self.sio.call("watch", watch, timeout=10)

    def _event(self, data) -> None:
        with self.changed:
            self.events.append(data)
            self.changed.notify_all()

    def _state(self, data) -> None:
        with self.changed:
            self.states.append(data)
            self.changed.notify_all()

    def wait_for(self, predicate, timeout: float) -> bool:
        with self.changed:
            return self.changed.wait_for(predicate, timeout)

    def close(self) -> None:
        close(self.sio)


def polls_since(apache, mark: int) -> int:
    return sum(1 for line in apache.log_since(mark) if f'GET "{SERVERS_API}"' in line)


def test_a_status_change_reaches_the_watching_socket_with_old_and_new_values(rt, apache, projects):
    alice = Watching(rt, "alice")
    try:
        assert alice.ack == {"ok": True}
        server = projects["alice"]
        started = time.monotonic()
        set_server(apache, project_of("alice"), server["id"], status="ACTIVE", task_state=None, power_state=1)
        assert alice.wait_for(lambda: alice.events, timeout=3), "no watch:servers event"
        took = time.monotonic() - started
        assert alice.events[0] == {
            "watch": "servers", "scope": "project:" + project_of("alice"), "added": [], "removed": [],
            "changed": [{
                "key": server["id"],
                "old": {"status": "BUILD", "OS-EXT-STS:task_state": "spawning", "OS-EXT-STS:power_state": 0},
                "new": {"status": "ACTIVE", "OS-EXT-STS:task_state": None, "OS-EXT-STS:power_state": 1},
            }],
        }
        assert took < 1.5, f"the change took {took:.2f}s with a {INTERVAL}s interval"
    finally:
        alice.close()


def test_added_and_removed_servers_are_reported_and_unwatched_fields_are_not(rt, apache, projects):
    alice = Watching(rt, "alice")
    try:
        old = projects["alice"]
        set_server(apache, project_of("alice"), old["id"], name="renamed")  # not a watched field
        time.sleep(3 * INTERVAL)
        assert alice.events == []
        new = make_server(project_of("alice"), "web-2", status="BUILD")
        set_servers(apache, project_of("alice"), [new])
        assert alice.wait_for(lambda: alice.events, timeout=3)
        event = alice.events[0]
        assert event["removed"] == [old["id"]]
        assert [a["key"] for a in event["added"]] == [new["id"]]
        assert event["added"][0]["fields"]["status"] == "BUILD"
        assert event["changed"] == []
    finally:
        alice.close()


def test_many_sockets_of_one_project_share_one_poll_per_interval(rt, apache, projects):
    sockets = [Watching(rt, "alice")]
    try:
        for _ in range(5):  # other tabs of the same session, and another login of the same project
            sockets.append(Watching(rt, "alice", session=sockets[0].login))
        sockets.append(Watching(rt, "alice"))
        assert all(s.ack == {"ok": True} for s in sockets)
        mark = apache.log_mark()
        time.sleep(10 * INTERVAL)
        polls = polls_since(apache, mark)
        assert 7 <= polls <= 12, f"{polls} polls of the servers API in {10 * INTERVAL}s for 7 sockets"
        set_server(apache, project_of("alice"), projects["alice"]["id"], status="ERROR", task_state=None)
        for s in sockets:
            assert s.wait_for(lambda s=s: s.events, timeout=3), "a socket of the project missed the change"
    finally:
        for s in sockets:
            s.close()


def test_a_user_of_another_project_hears_nothing_of_it_and_has_its_own_poller(rt, apache, projects):
    alice = Watching(rt, "alice")
    bob = Watching(rt, "bob")
    try:
        assert bob.ack == {"ok": True}
        set_server(apache, project_of("alice"), projects["alice"]["id"], status="ACTIVE", task_state=None)
        assert alice.wait_for(lambda: alice.events, timeout=3)
        time.sleep(2 * INTERVAL)
        assert bob.events == []
        set_server(apache, project_of("bob"), projects["bob"]["id"], status="SHUTOFF", power_state=4)
        assert bob.wait_for(lambda: bob.events, timeout=3)
        assert bob.events[0]["scope"] == "project:" + project_of("bob")
        assert [c["key"] for c in bob.events[0]["changed"]] == [projects["bob"]["id"]]
        assert all(e["scope"] == "project:" + project_of("alice") for e in alice.events)
    finally:
        alice.close()
        bob.close()


def test_with_idle_interval_polls_slow_down_while_nothing_changes_and_speed_up_again(
        zenith_factory, apache, projects):
    rt = start_auth(zenith_factory, apache,
                    watches=[servers_watch(interval="200ms", idle_interval="1s")])
    first = Watching(rt, "alice")
    try:
        time.sleep(3.0)  # unchanged polls at 0.2, 0.6, 1.2, 2.0 s, then one a second
        mark = apache.log_mark()
        time.sleep(3.0)
        slow = polls_since(apache, mark)
        assert 2 <= slow <= 4, f"{slow} polls in 3 s at the idle pace of 1/s (15 without idle_interval)"
        mark = apache.log_mark()
        second = Watching(rt, "alice")  # a page just loaded: the pace quickens
        time.sleep(0.5)
        assert polls_since(apache, mark) >= 1, "no poll within 0.5 s of a new watching socket"
        set_server(apache, project_of("alice"), projects["alice"]["id"], status="ACTIVE", task_state=None)
        assert second.wait_for(lambda: second.events, timeout=1.5), "the change was not seen at the quick pace"
        second.close()
    finally:
        first.close()


def test_sockets_that_did_not_ask_hear_nothing_and_cause_no_polls(rt, apache, projects):
    alice = login(rt.url, "alice")
    sio, log = sio_connect(rt, alice.cookie)
    try:
        mark = apache.log_mark()
        time.sleep(4 * INTERVAL)
        assert polls_since(apache, mark) == 0
        set_server(apache, project_of("alice"), projects["alice"]["id"], status="ACTIVE", task_state=None)
        time.sleep(3 * INTERVAL)
        assert log.of("watch:servers") == []
    finally:
        close(sio)


def test_polling_stops_when_the_last_watching_socket_leaves(rt, apache, projects):
    first, second = Watching(rt, "alice"), Watching(rt, "alice")
    first.close()
    mark = apache.log_mark()
    time.sleep(4 * INTERVAL)
    assert polls_since(apache, mark) >= 2, "the remaining socket is still watched"
    assert second.sio.call("unwatch", "servers", timeout=5) == {"ok": True}
    time.sleep(2 * INTERVAL)  # a poll in flight may still end
    mark = apache.log_mark()
    time.sleep(4 * INTERVAL)
    assert polls_since(apache, mark) == 0
    second.close()


def test_the_watcher_switches_to_another_session_when_the_one_it_uses_ends(rt, apache, projects):
    first = Watching(rt, "alice")  # the earliest member: its session polls
    second = Watching(rt, "alice")
    try:
        first.login.logout()
        # the auth cache may still vouch for the ended session; the endpoint's 401 rules it out
        set_server(apache, project_of("alice"), projects["alice"]["id"], status="ACTIVE", task_state=None)
        assert second.wait_for(lambda: second.events, timeout=4), "no change event after the poller's logout"
        assert second.events[0]["changed"][0]["new"]["status"] == "ACTIVE"
        assert second.states == []
    finally:
        first.close()
        second.close()


def test_a_session_switched_to_another_project_between_polls_never_polls_the_old_scope(rt, apache, projects):
    """Issue 12 item 5: the poller's session moves to bob's project (Horizon's project switcher)
    while the auth cache still vouches for alice's (cache_ttl 30 s); the next poll must not use
    it, or bob's servers would reach the sockets watching alice's project."""
    poller = Watching(rt, "alice")  # the earliest member: its session polls
    observer = Watching(rt, "alice")
    try:
        assert poller.ack == {"ok": True} and observer.ack == {"ok": True}
        poller.login.switch_project(project_of("bob"))
        time.sleep(4 * INTERVAL)  # several polls: each one with the session of its time
        bob_server = projects["bob"]["id"]
        leaked = [e for e in observer.events + poller.events if bob_server in str(e)]
        assert leaked == [], leaked
        assert observer.events == [], observer.events  # alice's servers did not change either
        # the scope is still polled, with the observer's session: alice's changes still arrive
        set_server(apache, project_of("alice"), projects["alice"]["id"], status="ACTIVE", task_state=None)
        assert observer.wait_for(lambda: observer.events, timeout=4), "no change event after the switch"
        assert [c["new"]["status"] for c in observer.events[0]["changed"]] == ["ACTIVE"]
        assert bob_server not in str(observer.events)
    finally:
        poller.close()
        observer.close()


def test_a_watching_socket_whose_session_moves_to_another_project_watches_the_new_one(zenith_factory, apache, projects):
    """Issue 12 item 5: after revalidation finds the session in bob's project, the socket's watch
    follows it: it hears bob's project's changes and nothing more of alice's."""
    rt = start_auth(zenith_factory, apache, watches=[servers_watch()], auth={"revalidate": "1s", "cache_ttl": "250ms"})
    alice = Watching(rt, "alice")
    try:
        assert alice.ack == {"ok": True}
        alice.login.switch_project(project_of("bob"))
        time.sleep(2.5)  # a revalidation (1 s) moves the watch; the new scope's first poll is its baseline
        set_server(apache, project_of("alice"), projects["alice"]["id"], status="ACTIVE", task_state=None)
        set_server(apache, project_of("bob"), projects["bob"]["id"], status="SHUTOFF", power_state=4)
        assert alice.wait_for(lambda: alice.events, timeout=4), "no change event from the new project"
        time.sleep(3 * INTERVAL)
        assert [e["scope"] for e in alice.events] == [f"project:{project_of('bob')}"], alice.events
        assert alice.events[0]["changed"][0]["new"]["status"] == "SHUTOFF"
        assert projects["alice"]["id"] not in str(alice.events)
    finally:
        alice.close()


def test_failing_polls_are_reported_as_down_then_up_again(rt, apache, projects):
    alice = Watching(rt, "alice")
    try:
        text = servers_path(apache).read_text()
        servers_path(apache).write_text("{not json")  # the fixture answers 500
        assert alice.wait_for(lambda: {"ok": False} in alice.states, timeout=6), alice.states
        servers_path(apache).write_text(text)
        # backoff after 3+ failures: up to 8 intervals
        assert alice.wait_for(lambda: alice.states[-1:] == [{"ok": True}], timeout=10), alice.states
        log = rt.z.stderr_text()
        assert "watcher poll failed" in log and "watcher polls again" in log
    finally:
        alice.close()


def test_unknown_watches_and_bad_requests_are_refused(rt, apache, projects):
    alice = Watching(rt, "alice", watch="volumes")
    try:
        assert alice.ack == {"ok": False, "error": "unknown watch"}
        assert alice.sio.call("watch", 42, timeout=5) == {"ok": False, "error": "unknown watch"}
        assert alice.sio.call("unwatch", "servers", timeout=5) == {"ok": False, "error": "not watching"}
    finally:
        alice.close()


def test_without_watchers_a_watch_is_answered_at_once(zenith_factory, apache, projects):
    rt = start_auth(zenith_factory, apache)
    alice = Watching(rt, "alice")
    try:
        assert alice.ack == {"ok": False, "error": "unknown watch"}
    finally:
        alice.close()


def test_a_watch_whose_endpoint_fails_from_the_start_answers_unavailable(zenith_factory, apache, projects):
    rt = start_auth(zenith_factory, apache, watches=[servers_watch(path="/dashboard/status/500")])
    alice = Watching(rt, "alice")
    try:
        assert alice.ack == {"ok": False, "error": "unavailable"}
        assert alice.wait_for(lambda: {"ok": False} in alice.states, timeout=3)
    finally:
        alice.close()


def test_watch_config_errors_are_reported_by_check(apache):
    workdir = Path(tempfile.mkdtemp(prefix="zenith-watch-check-"))
    (workdir / "routes").write_text("* / proxy dashboard\n")
    (workdir / "zenith.toml").write_text(to_toml({
        "routes": "routes",
        "listen": {"http": ["127.0.0.1:1"]},
        "upstream": {"dashboard": {"servers": [f"127.0.0.1:{apache.port}"]}},
        "watch": [servers_watch(upstream="nova")],
    }))
    res = subprocess.run([ZENITH_BIN, "check", "--config", str(workdir / "zenith.toml")],
                         capture_output=True, text=True, timeout=20)
    assert res.returncode == 2
    assert "unknown upstream 'nova' in [[watch]] #1" in res.stdout + res.stderr
    assert "[[watch]] needs [realtime.auth]" in res.stdout + res.stderr


def test_watch_metrics_count_polls_and_scopes(zenith_factory, apache, projects):
    metrics_port = free_port()
    rt = start_auth(zenith_factory, apache, watches=[servers_watch()],
                    extra={"metrics": {"listen": f"127.0.0.1:{metrics_port}"}})
    alice = Watching(rt, "alice")
    try:
        time.sleep(3 * INTERVAL)
        samples = scrape(metrics_port)
        assert metric(samples, "zenith_watch_scopes", watch="servers") == 1
        assert metric(samples, "zenith_watch_polls_total", watch="servers", result="ok") >= 2
        assert metric(samples, "zenith_watch_poll_seconds_count", watch="servers") >= 2
    finally:
        alice.close()
    deadline = time.monotonic() + 5
    while metric(scrape(metrics_port), "zenith_watch_scopes", watch="servers") != 0:
        assert time.monotonic() < deadline, "the scope is still counted after its last socket left"
        time.sleep(0.1)
