"""Socket activation: sockets passed as LISTEN_FDS are adopted, so a restart refuses nobody."""
import os
import signal
import socket
import subprocess
import time

import requests

from harness.paths import ZENITH_BIN
from harness.processes import free_port
from harness.toml_writer import to_toml


def listening_socket(port):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(16)
    return sock


def start_activated(tmp_path, sock, port):
    (tmp_path / "routes").write_text("*  /  respond 200 activated\n")
    (tmp_path / "zenith.toml").write_text(to_toml({"routes": "routes", "listen": {"http": [f"127.0.0.1:{port}"]}}))
    # Like systemd: the socket as descriptor 3, LISTEN_FDS=1, LISTEN_PID = the service's own pid
    # (the shell's $$, which exec keeps).
    descriptor = sock.fileno()
    return subprocess.Popen(
        ["sh", "-c", 'LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" run --config "$1"', ZENITH_BIN, str(tmp_path / "zenith.toml")],
        preexec_fn=lambda: os.dup2(descriptor, 3), pass_fds=(3,),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_answer(port, timeout=10):
    deadline = time.monotonic() + timeout
    while True:
        try:
            return requests.get(f"http://127.0.0.1:{port}/", timeout=timeout)
        except requests.RequestException:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=10)
    return err


def test_inherited_socket_is_adopted_and_keeps_connections_through_a_restart(tmp_path):
    port = free_port()
    sock = listening_socket(port)
    try:
        first = start_activated(tmp_path, sock, port)
        assert wait_answer(port).text == "activated\n"
        err = stop(first)
        assert "inherited" in err, err
        # Zenith is down, but the socket is still listening: this connection waits in the backlog...
        client = socket.create_connection(("127.0.0.1", port), timeout=10)
        client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        second = start_activated(tmp_path, sock, port)
        try:
            # ...and is answered by the next Zenith.
            answer = b""
            while chunk := client.recv(4096):
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200") and answer.endswith(b"activated\n"), answer
        finally:
            client.close()
            stop(second)
    finally:
        sock.close()


def test_sockets_for_another_process_are_ignored(tmp_path):
    port = free_port()
    (tmp_path / "routes").write_text("*  /  respond 200 bound\n")
    (tmp_path / "zenith.toml").write_text(to_toml({"routes": "routes", "listen": {"http": [f"127.0.0.1:{port}"]}}))
    proc = subprocess.Popen([ZENITH_BIN, "run", "--config", str(tmp_path / "zenith.toml")],
                            env={**os.environ, "LISTEN_PID": "1", "LISTEN_FDS": "1"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert wait_answer(port).text == "bound\n"
    finally:
        err = stop(proc)
    assert "inherited" not in err
