// Who may watch: viewers accepted and refused (with the element's auth close codes), the uplink's
// own secret, and tokens never written to any log. On workerd, through Miniflare.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { createHmac } from 'node:crypto';
import { signToken, verifyToken, newSecret, Uplink } from '../dist/node.mjs';
import { startRelay } from './helpers/relay.mjs';
import { startSystem } from './helpers/setup.mjs';
import { Viewer, until } from './helpers/clients.mjs';

/** The codes `<kimi-realtime>` treats as "bad credentials, no retry". */
const ELEMENT_AUTH_CODES = [1008, 4001, 4003, 4401, 4403];

describe('relay admission', () => {
  let system;
  before(async () => {
    system = await startSystem();
  });
  after(() => system.close());

  const roomUrl = (params = {}) => {
    const url = new URL(system.relay.roomUrl(system.room));
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url.href;
  };

  test('a viewer with a valid token is accepted and gets the active session state at once', async () => {
    const viewer = await system.viewer({ sessions: ['1'], session: 1 });
    await until(() => viewer.of('init').length === 1, 'init');
    assert.equal(viewer.of('init')[0].session.id, 1);
    assert.equal(viewer.ws.readyState, WebSocket.OPEN);
  });

  test('a token in the subprotocol is accepted and the relay selects "kimi"', async () => {
    const viewer = await system.viewer({ sessions: '*', protocols: ['kimi'] });
    assert.equal(viewer.ws.protocol, 'kimi');
    assert.doesNotMatch(viewer.url, /token=/);
  });

  const refusals = [
    ['no token', async () => roomUrl(), 4401, /token is required/],
    ['a malformed token', async () => roomUrl({ token: 'not-a-token' }), 4401, /not a relay token/],
    [
      'a token signed with another secret',
      async () =>
        roomUrl({ token: await signToken({ v: 1, role: 'viewer', room: system.room, sessions: '*', exp: Math.floor(Date.now() / 1000) + 60 }, newSecret()) }),
      4401,
      /not signed by this relay/,
    ],
    [
      'an expired token',
      async () => roomUrl({ token: await system.relay.viewerToken({ room: system.room, sessions: '*', exp: Math.floor(Date.now() / 1000) - 1 }) }),
      4401,
      /expired/,
    ],
    [
      'a token whose payload was altered',
      async () => {
        const token = await system.relay.viewerToken({ room: system.room, sessions: ['1'] });
        const [payload, signature] = token.split('.');
        const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
        claims.sessions = '*';
        return roomUrl({ token: `${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${signature}` });
      },
      4401,
      /not signed by this relay/,
    ],
    ['an uplink token used as a viewer token', async () => roomUrl({ token: await system.relay.uplinkToken(system.room) }), 4401, /not signed by this relay/],
    ['a token for another room', async () => roomUrl({ token: await system.relay.viewerToken({ room: 'other-room', sessions: '*' }) }), 4403, /another room/],
    [
      'a session the token does not allow',
      async () => roomUrl({ session: '2', token: await system.relay.viewerToken({ room: system.room, sessions: ['1'] }) }),
      4403,
      /does not allow this session/,
    ],
  ];
  for (const [name, url, code, reason] of refusals) {
    test(`refused with ${code}: ${name}`, async () => {
      const viewer = new Viewer(await url());
      const close = await viewer.refusal();
      assert.equal(close.code, code);
      assert.match(close.reason, reason);
      assert.ok(ELEMENT_AUTH_CODES.includes(close.code), 'a code the element does not retry');
      assert.equal(viewer.frames.length, 0, 'a refused viewer receives nothing');
    });
  }

  test('a refused token in the subprotocol still completes the handshake, so the browser sees the code', async () => {
    const viewer = new Viewer(roomUrl(), { protocols: ['kimi', 'kimi-token.bad.token'] });
    const close = await viewer.refusal();
    assert.equal(close.code, 4401);
  });

  test('the uplink needs its own secret: a viewer token as uplink credentials is refused', async () => {
    const token = await system.relay.viewerToken({ room: system.room, sessions: '*' });
    const ws = new WebSocket(roomUrl(), { headers: { authorization: `Bearer ${token}` } });
    const [code] = await new Promise((resolve) => ws.on('close', (...args) => resolve(args)));
    assert.equal(code, 4401);
  });

  test('room status over HTTP needs the uplink secret', async () => {
    const anonymous = await fetch(`${system.relay.httpUrl}/parties/main/${system.room}`);
    assert.equal(anonymous.status, 401);
    const viewerToken = await system.relay.viewerToken({ room: system.room, sessions: '*' });
    const asViewer = await fetch(`${system.relay.httpUrl}/parties/main/${system.room}`, { headers: { authorization: `Bearer ${viewerToken}` } });
    assert.equal(asViewer.status, 401);
    const status = await system.status();
    assert.equal(status.uplink, true);
  });

  test('other paths and parties are not found', async () => {
    assert.equal((await fetch(`${system.relay.httpUrl}/parties/other/${system.room}`)).status, 404);
    assert.equal((await fetch(`${system.relay.httpUrl}/parties/main/a/b`)).status, 404);
  });

  // The relay's close frame leaves at expiry (the socket is CLOSING from then on, and nothing more
  // arrives); the close event follows when the TCP connection ends: Chromium ends it 2 s after the
  // closing handshake, Node's `ws` waits for workerd, which here lets go about 10 s later.
  const closingAt = async (viewer, what) => {
    await until(() => viewer.ws.readyState !== WebSocket.OPEN, what, 10_000);
    return Date.now();
  };

  test('a viewer is closed with 4401 when its token expires, and receives nothing after; a viewer with a longer token stays', { timeout: 40_000 }, async () => {
    // A token valid for 2–3 s (claims hold whole seconds), and one for an hour, both watching session 1.
    const exp = Math.floor(Date.now() / 1000) + 3;
    const url = new URL(system.relay.roomUrl(system.room));
    url.searchParams.set('session', '1');
    url.searchParams.set('token', await system.relay.viewerToken({ room: system.room, sessions: ['1'], exp }));
    const shortLived = new Viewer(url.href);
    await shortLived.connect();
    const lasting = await system.viewer({ sessions: ['1'], session: 1 });
    const metric = (marker) => ({ type: 'metric_updated', session_id: 1, metric_id: 1, cumulative_percentage: 10, marker });
    system.kimi.sim.push(metric('before-expiry'));
    await until(() => shortLived.frames.some((f) => f.marker === 'before-expiry'), 'a frame before expiry');

    const closedAt = await closingAt(shortLived, 'the close at expiry');
    assert.ok(closedAt >= exp * 1000, `closed ${exp * 1000 - closedAt} ms before the token expired`);
    assert.ok(closedAt - exp * 1000 < 1500, `closed ${closedAt - exp * 1000} ms after the token expired`);
    system.kimi.sim.push(metric('after-expiry'));
    await until(() => lasting.frames.some((f) => f.marker === 'after-expiry'), 'the lasting viewer to get the later frame');
    assert.equal(lasting.ws.readyState, WebSocket.OPEN);
    assert.ok(!shortLived.frames.some((f) => f.marker === 'after-expiry'));

    await until(() => shortLived.closes.length > 0, 'the close event', 30_000);
    assert.deepEqual(shortLived.closes[0], { code: 4401, reason: 'the token has expired' });
    assert.ok(ELEMENT_AUTH_CODES.includes(4401), 'a code the element reports as auth and does not retry');
    assert.equal(lasting.closes.length, 0);
  });

  test('viewers with different expiries are each closed at their own (the alarm moves to the next one), and the expired token is refused at the door', async () => {
    const now = Math.floor(Date.now() / 1000);
    const urlFor = async (exp) => {
      const url = new URL(system.relay.roomUrl(system.room));
      url.searchParams.set('token', await system.relay.viewerToken({ room: system.room, sessions: '*', exp }));
      return url.href;
    };
    // The later one connects first, so the sooner one has to move the alarm forward.
    const later = new Viewer(await urlFor(now + 4));
    const sooner = new Viewer(await urlFor(now + 2));
    await later.connect();
    await sooner.connect();
    const soonerAt = await closingAt(sooner, 'the sooner to be closed');
    assert.ok(soonerAt >= (now + 2) * 1000 && soonerAt < (now + 2) * 1000 + 1500, `sooner closed at +${soonerAt - (now + 2) * 1000} ms`);
    assert.equal(later.ws.readyState, WebSocket.OPEN, 'the later one is still open');
    const laterAt = await closingAt(later, 'the later to be closed');
    assert.ok(laterAt >= (now + 4) * 1000 && laterAt < (now + 4) * 1000 + 1500, `later closed at +${laterAt - (now + 4) * 1000} ms`);
    const again = new Viewer(await urlFor(now + 2));
    assert.equal((await again.refusal()).code, 4401);
  });

  test('no token and no secret appears in anything the relay or workerd printed', async () => {
    const viewer = await system.viewer({ sessions: ['1'], session: 1 });
    await until(() => viewer.frames.length > 0, 'a frame');
    const printed = system.relay.logged.join('\n');
    assert.ok(printed.includes('101'), 'the request log was captured');
    for (const v of system.viewers) {
      assert.ok(!printed.includes(v.token.split('.')[1]), 'a viewer token signature was printed');
      assert.ok(!printed.includes(v.token.split('.')[0]), 'a viewer token payload was printed');
    }
    assert.ok(!printed.includes(system.relay.secrets.viewer) && !printed.includes(system.relay.secrets.uplink));
  });
});

describe('tokens', () => {
  const secret = newSecret();
  const claims = (extra = {}) => ({ v: 1, role: 'viewer', room: 'r', sessions: ['1'], exp: Math.floor(Date.now() / 1000) + 60, ...extra });

  test('round trip, and each refusal reason', async () => {
    const token = await signToken(claims({ sub: 'ops' }), secret);
    assert.deepEqual(await verifyToken(token, secret, 'viewer'), { v: 1, role: 'viewer', room: 'r', sessions: ['1'], exp: claims().exp, sub: 'ops' });
    assert.equal(await verifyToken(token, newSecret(), 'viewer'), 'bad-signature');
    assert.equal(await verifyToken(token, secret, 'uplink'), 'wrong-role');
    assert.equal(await verifyToken(token, secret, 'viewer', Date.now() + 61_000), 'expired');
    assert.equal(await verifyToken('', secret, 'viewer'), 'missing');
    assert.equal(await verifyToken('a.b.c', secret, 'viewer'), 'malformed');
    assert.equal(await verifyToken(`${token}x`, secret, 'viewer'), 'malformed');
  });

  test('claims are checked before signing', async () => {
    await assert.rejects(signToken(claims({ room: 'a/b' }), secret), /room/);
    await assert.rejects(signToken(claims({ sessions: [] }), secret), /sessions/);
    await assert.rejects(signToken(claims({ sessions: ['1', '2', '3', '4', '5', '6', '7', '8', '9'] }), secret), /sessions/);
    await assert.rejects(signToken(claims({ role: 'uplink' }), secret), /uplink tokens cover every session/);
    await assert.rejects(signToken(claims({ exp: 1.5 }), secret), /exp/);
  });

  test("the HMAC key is the secret's UTF-8 text, used as is: Node's createHmac with the secret string makes the same signature", async () => {
    // Not base64url-decoded first, and not Latin-1: a secret with non-ASCII characters shows which.
    for (const key of [newSecret(), 'é'.repeat(32)]) {
      const [payload, signature] = (await signToken(claims(), key)).split('.');
      assert.equal(signature, createHmac('sha256', Buffer.from(key, 'utf8')).update(payload).digest('base64url'));
    }
  });
});

describe('secrets of 32 characters or more', () => {
  test('a relay with a shorter secret refuses every socket with 1011, even one signed with that secret', async () => {
    for (const secrets of [
      { viewer: 'v'.repeat(31), uplink: newSecret() },
      { viewer: newSecret(), uplink: 'u'.repeat(31) },
    ]) {
      const relay = await startRelay({ secrets });
      try {
        const url = new URL(relay.roomUrl('r1'));
        url.searchParams.set('token', await relay.viewerToken({ room: 'r1', sessions: '*' }));
        const close = await new Viewer(url.href).refusal();
        assert.equal(close.code, 1011);
        assert.match(close.reason, /VIEWER_SECRET and UPLINK_SECRET, 32\+ characters/);
        const status = await fetch(`${relay.httpUrl}/parties/main/r1`, { headers: { authorization: `Bearer ${await relay.uplinkToken('r1')}` } });
        assert.equal(status.status, 401);
      } finally {
        await relay.dispose();
      }
    }
  });

  test('the uplink refuses a shorter secret before connecting', () => {
    const options = { kimiUrl: 'ws://127.0.0.1:1/ws', relayUrl: 'ws://127.0.0.1:1/parties/main/r1' };
    assert.throws(() => new Uplink({ ...options, uplinkSecret: 'x'.repeat(31) }), /uplinkSecret must be a string of at least 32 characters/);
    assert.doesNotThrow(() => new Uplink({ ...options, uplinkSecret: 'x'.repeat(32) }));
  });
});
