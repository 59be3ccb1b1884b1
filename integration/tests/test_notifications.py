"""OpenStack notifications from the message bus (`[notifications]`, `[[notify]]`, issue 15): a
private rabbitmq-server, the real `zenith` binary with `[realtime.auth]` in front of the Django
fixture, python-socketio clients of two projects, and notifications sent with oslo.messaging's
own Notifier (messagingv2), as Nova (versioned), Cinder and Glance send them."""
from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

import pika
import pytest
import requests

from harness.auth import ALLOWED_ORIGIN, login, project_of, sio_connect, start_auth
from harness.certificates import make_certificate
from harness.cluster import start_cluster_node, wait_for_peers
from harness.horizon import make_server, servers_watch, set_server, set_servers
from harness.metrics import metric, scrape
from harness.oslo_notifier import OsloNotifiers, nova_instance_payload
from harness.paths import ZENITH_BIN
from harness.processes import free_port
from harness.rabbitmq import RabbitMQ, transport_url_file
from harness.realtime import REALTIME_ROUTES, TOKEN, close, make_client, realtime_config, realtime_started
from harness.recovery import event, no_more_events, open_socket
from harness.stub_nova import STUB, StubNova

pytestmark = pytest.mark.usefixtures("zenith_survives")

INSTANCE_FIELDS = {
    "id": "nova_object.data.uuid", "state": "nova_object.data.state", "task_state": "nova_object.data.task_state",
    "power_state": "nova_object.data.power_state", "name": "nova_object.data.display_name",
}
RULES = [
    {"name": "instances", "exchange": "nova", "topic": "versioned_notifications", "events": ["instance.*"],
     "room": "project:{nova_object.data.tenant_id}", "fields": INSTANCE_FIELDS, "watch": "servers"},
    {"name": "volumes", "exchange": "cinder", "events": ["volume.*"], "room": "project:{tenant_id}",
     "fields": {"id": "volume_id", "status": "status"}},
    {"name": "images", "exchange": "glance", "events": ["image.*"], "room": "project:{owner}",
     "fields": {"id": "id", "status": "status"}},
]


@pytest.fixture(scope="module")
def oslo(broker):
    notifiers = OsloNotifiers(broker.url)
    # The services declare their exchanges when they first send; Zenith only checks them (passive
    # declares), as it must never create an exchange with guessed flags.
    for rule in RULES:
        notifiers.send(rule["exchange"], rule.get("topic", "notifications"), "service.start", {}, "setup")
    yield notifiers
    notifiers.close()


def wait_until(condition, timeout: float, step: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


class Bus:
    """A zenith consuming the broker, with its metrics listener."""

    def __init__(self, rt, metrics_port: int, broker: RabbitMQ) -> None:
        self.rt = rt
        self.metrics_port = metrics_port
        self.broker = broker

    def samples(self) -> dict:
        return scrape(self.metrics_port)

    def count(self, rule: str | None = None, **labels) -> float:
        """zenith_notifications_total, of `rule` (its `name` label) when given."""
        samples = {k: v for k, v in self.samples().items() if rule is None or f'name="{rule}"' in k}
        return metric(samples, "zenith_notifications_total", **labels)

    def consuming(self, exchange: str | None = None) -> bool:
        """Whether every exchange (or `exchange`) is consumed."""
        labels = {"exchange": exchange} if exchange else {}
        samples = self.samples()
        up = metric(samples, "zenith_notifications_consumer_up", **labels)
        return up > 0 and up == len([k for k in samples if k.startswith("zenith_notifications_consumer_up")
                                     and (exchange is None or f'exchange="{exchange}"' in k)])

    def readyz(self) -> requests.Response:
        return requests.get(f"http://127.0.0.1:{self.metrics_port}/readyz", timeout=5)


def bus_sections(broker, notifications: dict | None = None) -> dict:
    """`[notifications]` for `broker` (with `notifications` over the defaults) and RULES."""
    return {
        "notifications": {"transport_url_file": transport_url_file(broker.url), "prefetch": 10, "heartbeat": "5s",
                          **(notifications or {})},
        "notify": RULES,
    }


def start_bus(zenith_factory, apache, broker, notifications: dict | None = None, consuming: bool = True) -> Bus:
    """zenith consuming the broker with RULES (and `notifications` over the defaults), once it
    consumes every exchange (unless not `consuming`)."""
    metrics_port = free_port()
    extra = {"metrics": {"listen": f"127.0.0.1:{metrics_port}"}, **bus_sections(broker, notifications)}
    # The watcher's own pace is slow: in these tests only notifications make it poll.
    rt = start_auth(zenith_factory, apache, watches=[servers_watch(interval="30s")], extra=extra)
    started = Bus(rt, metrics_port, broker)
    assert not consuming or wait_until(started.consuming, 20), rt.z.stderr_text()[-3000:]
    return started


@pytest.fixture
def bus(zenith_factory, apache, broker, oslo):
    started = start_bus(zenith_factory, apache, broker)
    yield started
    assert broker.password not in started.rt.z.stderr_text() + started.rt.z.stdout_text(), "the broker's password was logged"


@pytest.fixture
def sockets(bus):
    """Connected clients of alice's and bob's projects."""
    clients = {user: sio_connect(bus.rt, login(bus.rt.url, user).cookie) for user in ("alice", "bob")}
    yield clients
    for sio, _ in clients.values():
        close(sio)


def test_a_nova_versioned_update_reaches_its_projects_sockets_only_with_the_listed_fields(bus, oslo, sockets):
    (_, alice), (_, bob) = sockets["alice"], sockets["bob"]
    payload = nova_instance_payload(project_of("alice"), state="active", task_state=None, power_state="running")
    oslo.send("nova", "versioned_notifications", "instance.update", payload, project_of("alice"),
              publisher_id="nova-compute:compute")
    assert alice.wait_event("notify:instances", timeout=5)
    (event,) = alice.of("notify:instances")
    data = payload["nova_object.data"]
    assert set(event) == {"event_type", "timestamp", "id", "state", "task_state", "power_state", "name"}
    assert event["event_type"] == "instance.update"
    assert event["timestamp"]  # oslo's utcnow
    assert (event["id"], event["state"], event["task_state"], event["power_state"], event["name"]) == (
        data["uuid"], "active", None, "running", "web-1")
    # bob's socket gets its own project's notifications, and heard nothing of alice's
    oslo.send("nova", "versioned_notifications", "instance.delete.end",
              nova_instance_payload(project_of("bob"), state="deleted"), project_of("bob"))
    assert bob.wait_event("notify:instances", timeout=5)
    assert [e["event_type"] for e in bob.of("notify:instances")] == ["instance.delete.end"]
    assert len(alice.of("notify:instances")) == 1
    assert wait_until(lambda: bus.count("instances", result="pushed") == 2, 2)


def test_unversioned_cinder_and_glance_notifications_are_pushed_and_unmatched_ones_acked(bus, oslo, sockets):
    _, alice = sockets["alice"]
    project = project_of("alice")
    oslo.send("cinder", "notifications", "volume.update.end",
              {"tenant_id": project, "volume_id": "v-1", "status": "available", "host": "cinder@lvm"}, project,
              publisher_id="volume.cinder@lvm")
    oslo.send("glance", "notifications", "image.update",
              {"owner": project, "id": "i-1", "status": "active", "location": "file:///secret"}, project,
              publisher_id="image.localhost")
    oslo.send("glance", "notifications", "task.run", {"owner": project}, project)  # no rule matches
    oslo.send("cinder", "notifications", "volume.update.end", {"volume_id": "v-2"}, project)  # no tenant_id: no room
    assert alice.wait_event("notify:images", timeout=5) and alice.wait_event("notify:volumes", timeout=5)
    volume, image = alice.of("notify:volumes")[0], alice.of("notify:images")[0]
    assert {k: volume[k] for k in ("event_type", "id", "status")} == {
        "event_type": "volume.update.end", "id": "v-1", "status": "available"}
    assert set(volume) == {"event_type", "timestamp", "id", "status"}  # the host stays out
    assert set(image) == {"event_type", "timestamp", "id", "status"} and image["status"] == "active"
    assert wait_until(lambda: bus.count(result="unmatched") == 1 and bus.count("volumes", result="no_room") == 1, 3)
    assert len(alice.of("notify:volumes")) == 1 and len(alice.of("notify:images")) == 1


def test_a_malformed_message_is_rejected_and_the_consumer_goes_on(bus, oslo, sockets, broker):
    _, alice = sockets["alice"]
    connection = pika.BlockingConnection(pika.URLParameters(
        f"amqp://{broker.user}:{broker.password}@127.0.0.1:{broker.port}/{broker.vhost}"))
    try:
        channel = connection.channel()
        channel.basic_publish("nova", "versioned_notifications.info", b"{not json")
        channel.basic_publish("nova", "versioned_notifications.error",
                              b'{"oslo.version": "2.0", "oslo.message": "{\\"payload\\": {}}"}')
    finally:
        connection.close()
    oslo.send("nova", "versioned_notifications", "instance.update", nova_instance_payload(project_of("alice")),
              project_of("alice"))
    assert alice.wait_event("notify:instances", timeout=5)
    assert wait_until(lambda: bus.count(result="malformed") == 2, 3)
    time.sleep(0.5)  # rejected without requeue: not delivered again
    assert bus.count(result="malformed") == 2
    log = bus.rt.z.stderr_text()
    assert "notification rejected" in log and "not JSON" in log and "no event_type" in log


def test_a_notification_makes_the_watcher_poll_its_scope_at_once(bus, oslo, apache):
    project = project_of("alice")
    server = make_server(project, "web-1", status="BUILD", task_state="spawning", power_state=0)
    set_servers(apache, project, [server])
    sio, log = sio_connect(bus.rt, login(bus.rt.url, "alice").cookie)
    try:
        assert sio.call("watch", "servers", timeout=10) == {"ok": True}
        set_server(apache, project, server["id"], status="ACTIVE", task_state=None, power_state=1)
        started = time.monotonic()
        oslo.send("nova", "versioned_notifications", "instance.update",
                  nova_instance_payload(project, server["id"], state="active"), project)
        assert log.wait_event("watch:servers", timeout=5), "the watcher (30 s interval) did not poll"
        took = time.monotonic() - started
        assert log.of("watch:servers")[0]["changed"][0]["new"]["status"] == "ACTIVE"
        assert took < 2, f"the poll came {took:.2f}s after the notification"
    finally:
        close(sio)
        set_servers(apache, project, [])


def test_a_broker_restart_is_reported_and_consumption_resumes_exchange_by_exchange(bus, oslo, sockets, broker):
    _, alice = sockets["alice"]
    broker.control("stop_app")
    try:
        assert wait_until(lambda: not bus.consuming("nova"), 10)
        ready = bus.readyz()
        # The node stays ready: proxying and watchers work without the bus (docs/notifications.md).
        assert ready.status_code == 200 and "notifications: message bus unreachable for exchange" in ready.text, ready.text
    finally:
        broker.control("start_app")
    payload = nova_instance_payload(project_of("alice"), name="after-restart")
    # oslo's exchanges are transient: each exists again once its service sends. Only Nova sends
    # here; Cinder's and Glance's quiet exchanges must not hold Nova's notifications up.
    assert wait_until(lambda: oslo.send("nova", "versioned_notifications", "instance.update", payload,
                                        project_of("alice")) or alice.count("notify:instances") > 0, 40, step=0.5), (
        bus.rt.z.stderr_text()[-3000:])
    assert alice.of("notify:instances")[0]["name"] == "after-restart"
    assert bus.consuming("nova") and not bus.consuming("cinder")
    note = bus.readyz().text
    assert "cinder" in note and "glance" in note and "nova" not in note, note
    for rule in RULES:  # the exchanges back for whatever runs next on this broker
        oslo.send(rule["exchange"], rule.get("topic", "notifications"), "service.start", {}, "setup")


def test_notifications_come_over_tls_verified_with_ca_file(zenith_factory, apache, broker, oslo):
    tls = start_bus(zenith_factory, apache, broker, {"transport_url_file": transport_url_file(broker.tls_url),
                                                      "ca_file": str(broker.certificate)})
    sio, log = sio_connect(tls.rt, login(tls.rt.url, "alice").cookie)
    try:
        oslo.send("nova", "versioned_notifications", "instance.update",
                  nova_instance_payload(project_of("alice"), name="over-tls"), project_of("alice"))
        assert log.wait_event("notify:instances", timeout=5)
        assert log.of("notify:instances")[0]["name"] == "over-tls"
        assert "broker=zenith:***@127.0.0.1:%d" % broker.tls_port in tls.rt.z.stderr_text()
    finally:
        close(sio)


def test_a_broker_whose_certificate_the_ca_file_does_not_sign_is_refused(zenith_factory, apache, broker, tmp_path):
    other_ca, _ = make_certificate(tmp_path, "other")
    tls = start_bus(zenith_factory, apache, broker, {"transport_url_file": transport_url_file(broker.tls_url),
                                                      "ca_file": str(other_ca)}, consuming=False)
    log = tls.rt.z.wait_stderr("AMQP connection down", timeout=10)
    assert "AMQP connection down" in log and "exchange=nova" in log, log[-2000:]
    assert not tls.consuming("nova")
    ready = tls.readyz()
    assert ready.status_code == 200 and "unreachable for exchange" in ready.text, ready.text


@pytest.mark.skipif(not STUB.exists(), reason="../shared/horizon/ (the stub Nova) is not beside the repository")
def test_the_stub_novas_own_notifications_reach_the_sockets_of_its_project(zenith_factory, broker, oslo):
    """What Horizon's stub Nova publishes with oslo.messaging when a server changes, read by an
    anonymous engine whose sockets subscribed to the stub's project rooms."""
    nova = StubNova(broker.url)
    publish_port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="zenith-stub-"))
    (workdir / "token").write_text(TOKEN + "\n")
    cfg = realtime_config(publish_port, {"namespaces": ["/"]})
    cfg["notifications"] = {"transport_url_file": transport_url_file(broker.url)}
    cfg["notify"] = [{k: v for k, v in RULES[0].items() if k != "watch"}]  # no watchers without auth
    rt = realtime_started(zenith_factory(cfg, REALTIME_ROUTES, workdir=workdir), publish_port, TOKEN, cfg)
    clients = []
    try:
        state = nova.state()
        projects = {name: p["id"] for name, p in state["projects"].items()}
        building = next(s for s in state["servers"] if s["status"] == "BUILD")
        assert building["tenant_id"] == projects["demo"]
        for project in ("demo", "alt"):
            sio, log = make_client()
            sio.connect(rt.url, transports=["websocket"], wait_timeout=5)
            assert sio.call("subscribe", "project:" + projects[project], timeout=5) == {"ok": True}
            clients.append((sio, log))
        (_, demo), (_, alt) = clients
        assert rt.z.wait_stderr("AMQP consuming", timeout=10)
        nova.change_server(building["id"], status="ACTIVE", task_state=None)
        assert demo.wait_event("notify:instances", timeout=5), nova.log.read_text()[-2000:]
        (event,) = demo.of("notify:instances")
        assert event["event_type"] == "instance.update"
        assert (event["id"], event["state"], event["task_state"], event["power_state"], event["name"]) == (
            building["id"], "active", None, "running", building["name"])
        time.sleep(0.3)
        assert alt.of("notify:instances") == []
    finally:
        for sio, _ in clients:
            close(sio)
        nova.stop()


def test_zenith_check_reports_a_bad_transport_url_on_its_line_without_the_password(tmp_path):
    (tmp_path / "routes").write_text("* / proxy 127.0.0.1:9\n")
    (tmp_path / "transport_url").write_text("rabbit://zenith:hunter2@broker:70000/\n")
    (tmp_path / "transport_url").chmod(0o600)
    (tmp_path / "zenith.toml").write_text(
        '[listen]\nhttp = ["127.0.0.1:1"]\n[notifications]\ntransport_url_file = "transport_url"\n'
        '[[notify]]\nname = "instances"\nexchange = "nova"\nevents = ["instance.*"]\nroom = "project:{tenant_id"\n')
    done = subprocess.run([ZENITH_BIN, "check", "--config", str(tmp_path / "zenith.toml")],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    assert f"{tmp_path}/zenith.toml:4: error: transport_url_file" in done.stderr
    assert "the port is not a number" in done.stderr
    assert f"{tmp_path}/zenith.toml:9: error: room 'project:{{tenant_id' has a '{{' without '}}'" in done.stderr
    assert "hunter2" not in done.stderr + done.stdout


def test_in_a_cluster_with_recovery_a_notification_reaches_a_socket_once_and_is_replayed_on_another_node(
        zenith_factory, apache, broker, oslo, redis):
    # Every node consumes its own copy of each notification; with recovery the first copy offered
    # goes into the cluster's stream (so it has an offset) and the others are dropped.
    nodes = [start_cluster_node(zenith_factory, redis, f"n{i}", realtime={"recovery": "2m"}, apache=apache,
                                watches=[servers_watch(interval="30s")], extra=bus_sections(broker))
             for i in range(2)]
    wait_for_peers(nodes)
    buses = [Bus(node, int(node.config["metrics"]["listen"].rsplit(":", 1)[1]), broker) for node in nodes]
    assert all(wait_until(b.consuming, 20) for b in buses)
    alice = login(nodes[0].url, "alice")
    ws, answer = open_socket(nodes[0], cookie=alice.cookie, origin=ALLOWED_ORIGIN)

    def send(state: str) -> None:
        oslo.send("nova", "versioned_notifications", "instance.update",
                  nova_instance_payload(project_of("alice"), state=state), project_of("alice"))

    send("building")
    name, data, offset = event(ws)
    assert (name, data["state"]) == ("notify:instances", "building") and "-" in offset, "a stream id"
    no_more_events(ws)  # once, though both nodes consumed it
    assert wait_until(lambda: sum(b.count("instances", result="pushed") for b in buses) == 2, 5)
    ws.sock.close()
    send("active")
    time.sleep(0.5)
    again, recovered = open_socket(nodes[1], {"pid": answer["pid"], "offset": offset}, cookie=alice.cookie,
                                   origin=ALLOWED_ORIGIN)
    assert recovered == {"sid": answer["sid"], "pid": answer["pid"]}
    name, data, _ = event(again)
    assert (name, data["state"]) == ("notify:instances", "active"), "missed while away: replayed on the other node"
    no_more_events(again)
    again.close()
