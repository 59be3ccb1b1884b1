#!/usr/bin/env python3
"""python-socketio reference server for bench/realtime/run.sh.

Behaves like Zenith's realtime + publish API for the benchmark:
  - Socket.IO at /socket.io/ (python-socketio AsyncServer, ASGI, under uvicorn)
  - emit("subscribe", room, ack) enters the room and acks {"ok": true}
  - POST /publish with {"rooms":[...],"event":"...","data":...} (or a JSON array of those)
    emits to the rooms and answers 202 {"recipients": N} (a list of N for an array)
  - optional bearer token (--token-file)

Tuned for speed as far as python-socketio allows: one uvicorn worker, uvloop + httptools when
installed, the websockets library, no access log, uvicorn's own WebSocket pings off (Engine.IO
pings are used, as with Zenith).

  pysio_server.py --port P [--token-file F] [--ws websockets|websockets-sansio|wsproto]
"""
import argparse
import importlib.metadata
import json
import sys
import warnings

import socketio
import uvicorn

# uvicorn 0.5x calls its "websockets" implementation deprecated; it is still the default here
# (as fast as websockets-sansio in this benchmark) and the warning would only clutter the log.
warnings.filterwarnings("ignore", category=DeprecationWarning, module="uvicorn")
warnings.filterwarnings("ignore", message=".*websockets.*deprecated.*")

ap = argparse.ArgumentParser()
ap.add_argument("--host", default="127.0.0.1")
ap.add_argument("--port", type=int, required=True)
ap.add_argument("--token-file")
ap.add_argument("--ws", default="websockets",
                help="uvicorn WebSocket implementation: websockets, websockets-sansio, wsproto")
args = ap.parse_args()

TOKEN = None
if args.token_file:
    with open(args.token_file) as f:
        TOKEN = f.read().strip().encode()

sio = socketio.AsyncServer(
    async_mode="asgi",
    cors_allowed_origins="*",
    logger=False,
    engineio_logger=False,
    # python-engineio's defaults (25 s / 20 s), the same as Zenith's
    ping_interval=25,
    ping_timeout=20,
)


@sio.on("subscribe")
async def subscribe(sid, room):
    await sio.enter_room(sid, room)
    return {"ok": True}


@sio.on("unsubscribe")
async def unsubscribe(sid, room):
    await sio.leave_room(sid, room)
    return {"ok": True}


def room_size(namespace, room):
    try:
        return len(sio.manager.rooms[namespace][room])
    except KeyError:
        return 0


async def publish_one(item):
    rooms = item.get("rooms") or []
    namespace = item.get("namespace", "/")
    recipients = sum(room_size(namespace, r) for r in rooms)
    await sio.emit(item["event"], item.get("data"), to=rooms if rooms else None,
                   skip_sid=None, namespace=namespace)
    return recipients


async def respond(send, status, payload):
    body = json.dumps(payload, separators=(",", ":")).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


async def publish_app(scope, receive, send):
    if scope["type"] == "lifespan":
        while True:
            msg = await receive()
            if msg["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif msg["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    if scope["type"] != "http":
        return
    if scope["path"] != "/publish":
        return await respond(send, 404, {"error": "not found"})
    if scope["method"] != "POST":
        return await respond(send, 405, {"error": "use POST"})
    if TOKEN is not None:
        auth = dict(scope["headers"]).get(b"authorization", b"")
        if auth != b"Bearer " + TOKEN:
            return await respond(send, 401, {"error": "unauthorized"})
    body = b""
    while True:
        msg = await receive()
        body += msg.get("body", b"")
        if not msg.get("more_body"):
            break
    try:
        doc = json.loads(body)
    except ValueError:
        return await respond(send, 400, {"error": "invalid JSON"})
    if isinstance(doc, list):
        counts = [await publish_one(item) for item in doc]
        return await respond(send, 202, {"recipients": counts})
    return await respond(send, 202, {"recipients": await publish_one(doc)})


app = socketio.ASGIApp(sio, other_asgi_app=publish_app, socketio_path="socket.io")


def has(module):
    try:
        __import__(module)
        return True
    except ImportError:
        return False


if __name__ == "__main__":
    loop = "uvloop" if has("uvloop") else "asyncio"
    http = "httptools" if has("httptools") else "h11"
    print(f"pysio_server: python-socketio {importlib.metadata.version('python-socketio')}, "
          f"uvicorn {uvicorn.__version__}, loop={loop}, http={http}, ws={args.ws}", file=sys.stderr, flush=True)
    uvicorn.run(app, host=args.host, port=args.port, loop=loop, http=http, ws=args.ws,
                ws_ping_interval=None, ws_max_size=1_000_000, log_level="warning",
                access_log=False, lifespan="off", backlog=4096, timeout_keep_alive=300)
