#!/usr/bin/env python3
"""Writes the @socket.io/redis-emitter fixtures of
Tests/ZenithClusterTests/RedisEmitterMessageDecoderTests.swift: redis-emitter/<case>.msgpack.

The npm registry is not reachable from the machine these were made on, so the real emitter
(notepack.io) could not run. Each message is built here from the documented layout instead,
`[uid, packet, opts]` as socket.io-redis-emitter's lib/index.ts (BroadcastOperator.emit, commit
bfefbde) and socket.io-redis-adapter's lib/index.ts (broadcast, 8.3.0) build it, and encoded with
msgpack-python, which writes the same bytes as notepack.io for these values: the smallest int
form, float64 for non-integral numbers, str8/16/32 by length, maps in insertion order, bin for
bytes (a Node Buffer), the timestamp extension (-1) for a Date. The Swift tests also encode each
case with their own writer and check the bytes are the same.

Re-run: `pip install msgpack`, then

    python3 Tests/ZenithClusterTests/Fixtures/make_redis_emitter.py
"""
import os

import msgpack

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "redis-emitter")


def emitter(data, nsp="/", rooms=(), except_=(), flags=None, type_=2):
    # BroadcastOperator.emit: packet {type, data, nsp}; opts {rooms, flags, except}.
    packet = {"type": type_, "data": data, "nsp": nsp}
    opts = {"rooms": list(rooms), "flags": flags or {}, "except": list(except_)}
    return ["emitter", packet, opts]


def adapter(data, nsp="/", rooms=(), except_=(), flags=None):
    # socket.io's BroadcastOperator builds {type, data}; the adapter's broadcast sets nsp and
    # publishes [uid, packet, {rooms, except, flags}] with its own random uid.
    packet = {"type": 2, "data": data, "nsp": nsp}
    opts = {"rooms": list(rooms), "except": list(except_), "flags": flags or {}}
    return ["Xk3p9Q", packet, opts]


CASES = {
    "emit-all": emitter(["update", {"id": 7, "status": "ACTIVE"}]),
    "emit-room": emitter(["update", {"id": 7}], rooms=["project:42"]),
    "emit-rooms-except": emitter(["update", 1], rooms=["project:1", "project:2"], except_=["sid-a"]),
    "emit-namespace": emitter(["update", "x"], nsp="/horizon"),
    "emit-volatile": emitter(["tick"], flags={"volatile": True}),
    "emit-compress": emitter(["tick", None], flags={"compress": False}),
    "emit-arguments": emitter([
        "numbers", 0, 127, 128, 255, 256, 65535, 65536, 4294967295, 4294967296, -1, -32, -33, -128, -129,
        -32768, -32769, -2147483648, -2147483649, 1.5, -0.25, True, False, None,
        "a" * 31, "b" * 32, "c" * 256, "é日本語", [], {}, [[1, [2, [3]]]], {"k": {"n": [None]}},
    ]),
    "emit-binary-buffer": emitter(["file", b"\x00\x01\x02"]),
    "emit-binary-event": emitter(["file", {"_placeholder": True, "num": 0}], type_=5),
    "emit-date": emitter(["when", msgpack.Timestamp(960854400)]),
    "emit-reserved": emitter(["connect"]),
    "emit-local": emitter(["update"], flags={"local": True}),
    "adapter-broadcast": adapter(["update", {"id": 7}], rooms=["project:42"], except_=["sid-a"]),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    for name, message in CASES.items():
        with open(os.path.join(OUT, name + ".msgpack"), "wb") as f:
            f.write(msgpack.packb(message, use_bin_type=True))
    with open(os.path.join(OUT, "VERSION"), "w") as f:
        f.write("msgpack " + ".".join(map(str, msgpack.version)) + "\n")


if __name__ == "__main__":
    main()
