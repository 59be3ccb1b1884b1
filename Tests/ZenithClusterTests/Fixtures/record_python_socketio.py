#!/usr/bin/env python3
"""Records the exact messages python-socketio's RedisManager publishes, as fixture files for
Tests/ZenithClusterTests/PythonSocketIOMessageDecoderTests.swift.

Starts its own redis-server on a free loopback port, subscribes to the channel "socketio", runs
`socketio.RedisManager(url, write_only=True)` for each case below and writes each published
message byte for byte to python-socketio/<case>.json (next to this script).

Re-run (needs redis-server, and `pip install python-socketio redis`):

    python3 Tests/ZenithClusterTests/Fixtures/record_python_socketio.py

The version that produced the committed files is in python-socketio/VERSION. A message carries
a random host_id, so re-recording changes that field only.
"""
import importlib.metadata
import os
import pickle
import socket
import subprocess
import sys
import time

import redis
import socketio

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "python-socketio")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# (file name, what the manager is asked to do)
CASES = [
    ("emit-no-room", lambda m: m.emit("update", {"id": 7, "status": "ACTIVE"})),
    ("emit-room", lambda m: m.emit("update", {"id": 7}, room="project:42")),
    ("emit-to", lambda m: m.emit("update", "hello", to="project:42")),
    ("emit-room-list", lambda m: m.emit("update", [1, 2], room=["project:1", "project:2"])),
    ("emit-empty-room-list", lambda m: m.emit("update", 1, room=[])),
    ("emit-namespace", lambda m: m.emit("update", 1.5, namespace="/horizon", room="project:42")),
    ("emit-skip-sid", lambda m: m.emit("update", True, room="project:42", skip_sid="sid-a")),
    ("emit-skip-sid-list", lambda m: m.emit("update", None, skip_sid=["sid-a", "sid-b"])),
    ("emit-tuple", lambda m: m.emit("update", ("one", 2, None), room="project:42")),
    ("emit-none", lambda m: m.emit("update", None, room="project:42")),
    ("emit-empty-tuple", lambda m: m.emit("update", (), room="project:42")),
    ("emit-list-argument", lambda m: m.emit("update", [1, "two"], room="project:42")),
    ("emit-unicode", lambda m: m.emit("ünïcødé", {"text": "日本語 \u2028"}, room="r\u00e9")),
    ("emit-binary", lambda m: m.emit("update", b"\x00\x01\x02", room="project:42")),
    ("emit-reserved", lambda m: m.emit("disconnect", 1, room="project:42")),
    ("enter-room", lambda m: m.enter_room("sid-a", "/", "project:42")),
    ("leave-room", lambda m: m.leave_room("sid-a", "/", "project:42")),
    ("close-room", lambda m: m.close_room("project:42")),
]


def main():
    os.makedirs(OUT, exist_ok=True)
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        client = redis.Redis(host="127.0.0.1", port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        pubsub = client.pubsub(ignore_subscribe_messages=True)
        pubsub.subscribe("socketio")
        manager = socketio.RedisManager(f"redis://127.0.0.1:{port}/0", write_only=True)
        for name, act in CASES:
            act(manager)
            message = None
            for _ in range(100):
                message = pubsub.get_message(timeout=0.1)
                if message is not None:
                    break
            if message is None:
                sys.exit(f"{name}: nothing published")
            with open(os.path.join(OUT, name + ".json"), "wb") as f:
                f.write(message["data"])
            print(name, message["data"][:100])
        # What python-socketio before 5.14 published (pickle.dumps of the same dict); Zenith
        # must refuse it without unpickling. Made here with pickle, not by an old python-socketio.
        old = {"method": "emit", "event": "update", "data": [1], "namespace": "/", "room": None,
               "skip_sid": None, "callback": None, "host_id": "0" * 32}
        with open(os.path.join(OUT, "pickled.bin"), "wb") as f:
            f.write(pickle.dumps(old))
        with open(os.path.join(OUT, "VERSION"), "w") as f:
            f.write("python-socketio " + importlib.metadata.version("python-socketio") + "\n")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
