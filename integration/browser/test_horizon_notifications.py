"""Live Horizon rows driven by OpenStack's notifications (issue 15): headless Chromium on the
fixture's Horizon-like instances page through zenith, whose `servers` watcher polls at a slow
pace of its own (30 s) and is made to poll a project at once by Nova's `instance.update`,
sent with oslo.messaging's own Notifier to a private rabbitmq-server (integration/tests/harness:
rabbitmq.py, oslo_notifier.py). Apache's access log shows what reaches the dashboard."""
from __future__ import annotations

import time

import pytest

from horizon_env import (ROUTES, log_in, open_instances, row_updates, rows, servers_polls, wait_live, wait_until,
                         zenith_config)
from harness.horizon import make_server, servers_watch, set_server, set_servers
from harness.oslo_notifier import OsloNotifiers, nova_instance_payload
from harness.processes import free_port
from harness.rabbitmq import transport_url_file
from harness.zenith import start_zenith


@pytest.fixture(scope="module")
def oslo(broker):
    notifiers = OsloNotifiers(broker.url)
    notifiers.send("nova", "versioned_notifications", "service.start", {}, "setup")  # Nova declares its exchange
    yield notifiers
    notifiers.close()


@pytest.fixture
def servers(apache):
    web = make_server("proj-a", "web-1", "BUILD", task_state="spawning", power_state=0)
    set_servers(apache, "proj-a", [web])
    yield {"web": web}
    set_servers(apache, "proj-a", [])


@pytest.fixture
def zenith(apache, broker, oslo):
    url_file = transport_url_file(broker.url)
    port = free_port()
    config = zenith_config(apache, port)
    config["watch"] = [servers_watch(interval="30s")]
    config["notifications"] = {"transport_url_file": url_file}
    config["notify"] = [{
        "name": "instances", "exchange": "nova", "topic": "versioned_notifications", "events": ["instance.*"],
        "room": "project:{nova_object.data.tenant_id}", "fields": {"id": "nova_object.data.uuid"}, "watch": "servers",
    }]
    z = start_zenith(config, ROUTES, port=port)
    assert "AMQP consuming" in z.wait_stderr("AMQP consuming", timeout=15), z.stderr_text()[-2000:]
    yield z
    z.stop()


def test_a_notification_changes_the_row_within_a_second_and_the_dashboard_is_polled_only_then(
        browsers, zenith, apache, servers, oslo):
    page = browsers()
    log_in(page, zenith.url, "alice")
    open_instances(page, zenith.url)
    wait_live(page)
    web = servers["web"]
    time.sleep(1.0)  # the glue's one fetch of the moving row, and the watcher's first poll
    quiet = apache.log_mark()
    time.sleep(2.5)  # Horizon alone would poll the row now; the watcher's own pace is 30 s
    assert row_updates(apache, quiet) == [] and servers_polls(apache, quiet) == []

    set_server(apache, "proj-a", web["id"], status="ACTIVE", task_state=None, power_state=1)
    changed = time.monotonic()
    oslo.send("nova", "versioned_notifications", "instance.update",
              nova_instance_payload("proj-a", web["id"], state="active"), "proj-a")
    wait_until(page, lambda: rows(page)[web["id"]]["cls"] == "ajax-update status_up", 1.0,
               "the row's new class", poll=0.02)
    took = time.monotonic() - changed
    assert took < 1.0
    assert rows(page)[web["id"]]["status"] == "Active"
    assert len(servers_polls(apache, quiet)) == 1, "one poll, made by the notification"
