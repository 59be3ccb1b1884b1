"""Notifications sent as OpenStack services send them: oslo.messaging's own `Notifier` with the
`messagingv2` driver and an `oslo_context.RequestContext` (a dict context would be dropped), one
transport per exchange (oslo's `control_exchange`: nova, cinder, glance...), and payloads shaped
like the services' notification samples."""
from __future__ import annotations

import importlib
import uuid
import warnings


def _oslo():
    """oslo.messaging, oslo.config and oslo.context, imported only by the tests that send (oslo
    imports eventlet, which every other test module is better off without)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # eventlet warns that it is deprecated
        return tuple(importlib.import_module(name) for name in ("oslo_messaging", "oslo_config.cfg", "oslo_context.context"))


class OsloNotifiers:
    """Notifiers on one broker, made on first use per (exchange, topic)."""

    def __init__(self, url: str) -> None:
        self.oslo_messaging, self.cfg, self.context = _oslo()
        self.url = url
        self._transports: dict[str, object] = {}
        self._notifiers: dict[tuple[str, str], object] = {}

    def notifier(self, exchange: str, topic: str, publisher_id: str):
        key = (exchange, topic)
        if key not in self._notifiers:
            if exchange not in self._transports:
                # The exchange is the transport's control_exchange, read when the transport is made.
                self.oslo_messaging.set_transport_defaults(exchange)
                self._transports[exchange] = self.oslo_messaging.get_notification_transport(
                    self.cfg.ConfigOpts(), url=self.url)
            self._notifiers[key] = self.oslo_messaging.Notifier(
                self._transports[exchange], publisher_id=publisher_id, driver="messagingv2", topics=[topic], retry=5)
        return self._notifiers[key]

    def send(self, exchange: str, topic: str, event_type: str, payload: dict, project_id: str,
             priority: str = "info", publisher_id: str = "test:host1") -> None:
        ctxt = self.context.RequestContext(user_id="u-" + project_id[:8], project_id=project_id)
        getattr(self.notifier(exchange, topic, publisher_id), priority)(ctxt, event_type, payload)

    def close(self) -> None:
        for transport in self._transports.values():
            transport.cleanup()


def nova_instance_payload(project_id: str, server_id: str | None = None, state: str = "active",
                          task_state: str | None = None, power_state: str = "running",
                          name: str = "web-1") -> dict:
    """Nova's versioned InstanceUpdatePayload (doc/notification_samples/instance-update.json), with
    the host and admin fields a browser must not see."""
    return {
        "nova_object.name": "InstanceUpdatePayload",
        "nova_object.namespace": "nova",
        "nova_object.version": "2.1",
        "nova_object.data": {
            "uuid": server_id or str(uuid.uuid4()),
            "tenant_id": project_id,
            "user_id": "fake",
            "display_name": name,
            "state": state,
            "task_state": task_state,
            "power_state": power_state,
            "host": "compute",
            "node": "fake-mini",
            "host_name": name,
            "kernel_id": "",
            "flavor": {"nova_object.name": "FlavorPayload", "nova_object.data": {"flavorid": "a", "memory_mb": 512}},
            "state_update": {"nova_object.name": "InstanceStateUpdatePayload",
                             "nova_object.data": {"old_state": "building", "state": state,
                                                  "old_task_state": None, "new_task_state": task_state}},
        },
    }
