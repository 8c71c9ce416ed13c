# ASGI app for `node bench/compression.mjs`: the real server stack of Kimi Proxy (uvicorn with its
# default WebSocket implementation, `websockets`, and its default --ws-per-message-deflate) sending a
# given list of text frames to each client on /ws, then waiting for the client to close.
# Frames come from the JSON file named by KIMI_FRAMES. Debian: apt-get install python3-uvicorn python3-websockets
import json
import os

FRAMES = json.load(open(os.environ["KIMI_FRAMES"], encoding="utf-8"))


async def app(scope, receive, send):
    if scope["type"] != "websocket":
        return
    await receive()  # websocket.connect
    await send({"type": "websocket.accept"})
    for text in FRAMES:
        await send({"type": "websocket.send", "text": text})
    while (await receive())["type"] != "websocket.disconnect":
        pass
