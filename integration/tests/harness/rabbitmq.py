"""A private RabbitMQ node for the notification tests: Debian's rabbitmq-server on free loopback
ports (AMQP, AMQP over TLS with a self-signed certificate for 127.0.0.1, epmd, distribution), with
its own node name, data directory, Erlang cookie, user and vhost, always stopped (`rabbitmqctl stop`, then its process group killed and its epmd ended).
Started as the Swift AMQP tests start theirs (Tests/ZenithAMQPTests/Harness/RabbitMQBroker.swift)."""
from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path

import pytest

from harness.certificates import make_certificate
from harness.processes import free_port, terminate, track, wait_for_port

SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"
CONTROL = "/usr/lib/rabbitmq/bin/rabbitmqctl"


class RabbitMQ:
    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="zenith-rabbitmq-"))
        self.port = free_port()
        self.tls_port = free_port()
        # Self-signed: the certificate is its own CA (a client's ca_file).
        self.certificate, key = make_certificate(self.dir, "broker")
        self.user = "zenith"
        self.password = secrets.token_hex(8)
        self.vhost = "openstack"
        (self.dir / "enabled_plugins").write_text("[].\n")
        # The default user and vhost are made at the node's first boot: no rabbitmqctl round trips.
        (self.dir / "rabbitmq.conf").write_text(
            "loopback_users = none\n"
            f"default_user = {self.user}\ndefault_pass = {self.password}\ndefault_vhost = {self.vhost}\n"
            "default_permissions.configure = .*\ndefault_permissions.read = .*\ndefault_permissions.write = .*\n"
            f"listeners.ssl.default = {self.tls_port}\nssl_options.certfile = {self.certificate}\n"
            f"ssl_options.keyfile = {key}\nssl_options.verify = verify_none\nssl_options.fail_if_no_peer_cert = false\n")
        self.env = {
            **os.environ,
            "HOME": str(self.dir),  # the Erlang cookie rabbitmqctl must share
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODENAME": f"zenith-it-{os.getpid()}@localhost",
            "RABBITMQ_MNESIA_BASE": str(self.dir / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.dir / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.dir / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(self.dir / "rabbitmq"),
            "RABBITMQ_PID_FILE": str(self.dir / "rabbitmq.pid"),
            "ERL_EPMD_PORT": str(free_port()),
            "RABBITMQ_DIST_PORT": str(free_port()),
        }
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        """oslo's transport_url of this node."""
        return f"rabbit://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.vhost}"

    @property
    def tls_url(self) -> str:
        """The same over TLS (verify the broker with `certificate`)."""
        return f"rabbit://{self.user}:{self.password}@127.0.0.1:{self.tls_port}/{self.vhost}?ssl=1"

    def start(self, timeout: float = 90) -> "RabbitMQ":
        log = open(self.dir / "server.out", "ab")
        self.proc = subprocess.Popen([SERVER], env=self.env, cwd=self.dir, stdout=log, stderr=log,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        track(self)
        wait_for_port(self.port, timeout, self.proc, "rabbitmq-server", self.dir / "server.out")
        wait_for_port(self.tls_port, 10, self.proc, "rabbitmq-server (TLS)", self.dir / "server.out")
        return self

    def control(self, *args: str, timeout: float = 60) -> str:
        done = subprocess.run([CONTROL, *args], env=self.env, capture_output=True, text=True, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(f"rabbitmqctl {' '.join(args)}: {done.returncode}\n{done.stdout}{done.stderr}")
        return done.stdout

    def restart_app(self) -> None:
        """Stops and starts the broker application (every connection dropped, transient
        exchanges and queues gone), as a broker restart does, without the Erlang VM's start."""
        self.control("stop_app")
        self.control("start_app")
        wait_for_port(self.port, 60, self.proc, "rabbitmq-server", self.dir / "server.out")

    def stop(self) -> None:
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        with contextlib.suppress(Exception):
            subprocess.run([CONTROL, "stop"], env=self.env, capture_output=True, timeout=30)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        terminate(proc, 5)
        with contextlib.suppress(Exception):
            subprocess.run(["epmd", "-kill"], env=self.env, capture_output=True, timeout=10)
        shutil.rmtree(self.dir, ignore_errors=True)


@pytest.fixture(scope="module")
def broker():
    """A RabbitMQ node for a test module (import it into the module as `broker`)."""
    node = RabbitMQ().start()
    yield node
    node.stop()


def transport_url_file(url: str) -> str:
    """A file holding `url` for `[notifications] transport_url_file`, mode 0600 as the broker's
    password wants."""
    fd, path = tempfile.mkstemp(prefix="zenith-transport-url-")
    os.write(fd, (url + "\n").encode())
    os.close(fd)
    return path
