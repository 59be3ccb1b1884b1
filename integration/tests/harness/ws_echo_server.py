"""WebSocket echo backend for Zenith's integration tests (python `websockets`).

- Echoes every text and binary message back unchanged (no size limit).
- Text "close-me" → the server closes with code 4000, reason "bye".
- Text "headers" → a JSON text with the request path and the handshake headers it received.
- Text "close-info:<id>" → JSON {"code": .., "reason": ..} of how the connection opened with
  `?id=<id>` ended (null while unknown), to prove a client-side close reached the backend.
- Handshake to a path containing "/reject" → plain HTTP 403 with body "rejected by backend".
"""
import argparse
import asyncio
import json
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

from websockets.asyncio.server import serve
from websockets.exceptions import ConnectionClosed

closes: dict[str, dict] = {}


def process_request(connection, request):
    if "/reject" in request.path:
        response = connection.respond(HTTPStatus.FORBIDDEN, "rejected by backend\n")
        response.headers["X-Backend-Reject"] = "yes"
        return response
    return None


async def handler(ws):
    path = ws.request.path
    conn_id = parse_qs(urlsplit(path).query).get("id", [None])[0]
    try:
        async for message in ws:
            if isinstance(message, str):
                if message == "close-me":
                    await ws.close(4000, "bye")
                    break
                if message == "headers":
                    await ws.send(json.dumps({"path": path, "headers": [[k, v] for k, v in ws.request.headers.raw_items()]}))
                    continue
                if message.startswith("close-info:"):
                    await ws.send(json.dumps(closes.get(message.split(":", 1)[1])))
                    continue
            await ws.send(message)
    except ConnectionClosed:
        pass
    finally:
        await ws.wait_closed()
        if conn_id:
            closes[conn_id] = {"code": ws.close_code, "reason": ws.close_reason}
        print(f"closed path={path} code={ws.close_code} reason={ws.close_reason!r}", flush=True)


async def main(port: int) -> None:
    async with serve(handler, "127.0.0.1", port, max_size=None, process_request=process_request,
                     ping_interval=None) as server:
        print(f"ws echo listening on 127.0.0.1:{port}", flush=True)
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
