// The shared `/ws` server (lib/protocol/hub.mjs) on its own: what the tap and the simulator both rely on.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import { after, describe, test } from 'node:test';
import WebSocket from 'ws';
import { SEND_BUFFER_MAX, SocketHub } from '../lib/protocol/hub.mjs';

/** A hub behind a plain HTTP server, as a source mounts it. */
async function serve(options) {
  const hub = new SocketHub(options);
  const server = http.createServer((_req, res) => res.end());
  server.on('upgrade', (req, socket, head) => hub.upgrade(req, socket, head));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `ws://127.0.0.1:${/** @type {import('node:net').AddressInfo} */ (server.address()).port}`;
  return {
    hub,
    base,
    stop: () => {
      hub.close();
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Opens a client and collects its messages from the first one on. */
async function client(url, o) {
  const ws = new WebSocket(url, o);
  const got = [];
  ws.on('message', (m) => got.push(String(m)));
  await once(ws, 'open');
  return { ws, got };
}

describe('SocketHub', () => {
  /** @type {Array<() => Promise<unknown>>} */
  const stops = [];
  after(() => Promise.all(stops.map((s) => s())));

  test('init on connect only while a session is active; /ws only; a client frame is read and ignored', async () => {
    let init = null;
    const s = await serve({ initFrame: () => init });
    stops.push(s.stop);
    const a = await client(`${s.base}/ws`);
    init = '{"type":"init"}';
    const b = await client(`${s.base}/ws?x=1`);
    b.ws.send('{"type":"anything"}');
    assert.equal(s.hub.broadcast('{"type":"metric_updated"}'), 2);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(a.got, ['{"type":"metric_updated"}']);
    assert.deepEqual(b.got, ['{"type":"init"}', '{"type":"metric_updated"}']);
    assert.equal(b.ws.readyState, WebSocket.OPEN);
    const other = new WebSocket(`${s.base}/other`);
    const [, res] = await once(other, 'unexpected-response');
    assert.equal(res.statusCode, 404);
    a.ws.close();
    b.ws.close();
  });

  test('a client that stops reading is closed with 1013 once its buffer passes the bound; the others keep receiving', async () => {
    const s = await serve({ initFrame: () => null, deflate: false });
    stops.push(s.stop);
    const slow = await client(`${s.base}/ws`);
    const fast = await client(`${s.base}/ws`);
    slow.ws.pause(); // stops reading from its socket: the kernel buffers fill, then the server's
    const chunk = `"${'x'.repeat(1 << 20)}"`;
    let sent = 0;
    while (s.hub.tooSlow === 0 && sent < 200) {
      s.hub.broadcast(chunk);
      sent += 1;
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(s.hub.tooSlow, 1, `closed after ${sent} MiB`);
    assert.ok(sent * (1 << 20) > SEND_BUFFER_MAX, 'not before the bound');
    assert.equal(s.hub.size, 1);
    const closed = once(slow.ws, 'close');
    slow.ws.resume();
    const [code] = await closed;
    assert.equal(code, 1013);
    assert.equal(fast.ws.readyState, WebSocket.OPEN);
    assert.equal(s.hub.broadcast('{"type":"ping"}'), 1);
    fast.ws.close();
  });

  test("the simulator's levers: refuse with a close code, stall (no frames, no pongs), held handshakes, client frames to the source", async () => {
    const heard = [];
    const s = await serve({
      initFrame: () => null,
      refuse: (url) => (url.searchParams.get('token') === 'ok' ? null : { code: 4401, reason: 'unauthorized' }),
      onMessage: (c, data) => heard.push([c.n, String(data)]),
    });
    stops.push(s.stop);
    const refused = new WebSocket(`${s.base}/ws`);
    const [code] = await once(refused, 'close');
    assert.equal(code, 4401);
    assert.equal(s.hub.refused, 1);
    const a = await client(`${s.base}/ws?token=ok`);
    a.ws.send('{"type":"hello"}');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(heard, [[1, '{"type":"hello"}']]);
    s.hub.stall(true);
    assert.equal(s.hub.broadcast('{"type":"x"}'), 0);
    let pong = false;
    a.ws.on('pong', () => (pong = true));
    a.ws.ping();
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(pong, false, 'no pong while stalled');
    s.hub.stall(false);
    await once(a.ws, 'pong');
    s.hub.holdHandshakes(true);
    const held = new WebSocket(`${s.base}/ws?token=ok`);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(held.readyState, WebSocket.CONNECTING);
    assert.equal(s.hub.held.size, 1);
    held.on('error', () => {}); // the handshake never completes: 'socket hang up'
    const gone = new Promise((resolve) => held.on('close', resolve));
    s.hub.holdHandshakes(false);
    await gone;
    assert.equal(s.hub.held.size, 0);
    assert.equal(s.hub.drop({ code: 4000 }), 1);
    const [dropped] = await once(a.ws, 'close');
    assert.equal(dropped, 4000);
  });

  test('sendBufferMax Infinity (the simulator, as uvicorn) never closes a slow client', async () => {
    const s = await serve({ initFrame: () => null, deflate: false, sendBufferMax: Infinity });
    stops.push(s.stop);
    const slow = await client(`${s.base}/ws`);
    slow.ws.pause();
    const chunk = `"${'x'.repeat(1 << 20)}"`;
    for (let i = 0; i < 24; i++) {
      s.hub.broadcast(chunk);
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(s.hub.tooSlow, 0);
    assert.equal(s.hub.size, 1);
    slow.ws.terminate();
  });
});
