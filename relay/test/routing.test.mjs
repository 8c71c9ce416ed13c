// Routing on workerd: each viewer gets its session's frames and the global ones (one shared rule
// with the element), numbered; replies reach the asking viewer only; hydration; unreadable frames.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { startSystem } from './helpers/setup.mjs';
import { until, sleep } from './helpers/clients.mjs';
import { belongsTo, fixtures } from './helpers/kimi.mjs';

const strip = ({ relay_seq, ...rest }) => rest;

describe('routing by session', () => {
  let system;
  before(async () => {
    system = await startSystem();
  });
  after(() => system.close());

  test('each viewer gets exactly its session and the global frames, in order, numbered', async () => {
    const viewers = {
      one: await system.viewer({ sessions: ['1'], session: 1 }),
      two: await system.viewer({ sessions: ['1', '2'], session: 2 }),
      three: await system.viewer({ sessions: ['3'] }),
      both: await system.viewer({ sessions: ['1', '2'] }),
      all: await system.viewer({ sessions: '*' }),
    };
    await until(() => viewers.one.of('init').length === 1 && viewers.all.of('init').length === 1, 'the initial state');
    const before = Object.fromEntries(Object.entries(viewers).map(([k, v]) => [k, v.frames.length]));
    const messages = fixtures.messages;
    const marker = { type: 'cline_usage_updated', latest_ts: null, latest_count: 0, imported_count: 0, marker: 'end' };
    system.kimi.sim.push([...messages, marker]);
    const wanted = {
      one: messages.filter((m) => belongsTo(m, '1')),
      two: messages.filter((m) => belongsTo(m, '2')),
      three: messages.filter((m) => belongsTo(m, '3')),
      both: messages.filter((m) => belongsTo(m, '1') || belongsTo(m, '2')),
      all: messages,
    };
    for (const [name, viewer] of Object.entries(viewers)) {
      await until(() => viewer.frames.some((f) => f.marker === 'end'), `the end marker at ${name}`);
      // Hydrations (asked when a viewer joined) are the relay's own frames and may land anywhere in between.
      const got = viewer.frames.slice(before[name], -1).filter((f) => f.type !== 'relay_hydration');
      assert.deepEqual(got.map(strip), wanted[name], `frames of viewer ${name}`);
      const seqs = got.map((f) => f.relay_seq);
      assert.ok(
        seqs.every((s, i) => Number.isInteger(s) && (i === 0 || s > seqs[i - 1])),
        `relay_seq increases at ${name}`,
      );
    }
    // The oracle is not vacuous: the viewers really differ.
    assert.ok(wanted.one.length < messages.length && wanted.two.length < messages.length && wanted.three.length < wanted.two.length);
  });

  test('frames no rule can place go only to viewers of every session, unnumbered; the stream goes on', async () => {
    const one = await system.viewer({ sessions: ['1'], session: 1 });
    const all = await system.viewer({ sessions: '*' });
    const edge = fixtures.edge_cases.map((e) => e.frame);
    system.kimi.sim.push([...edge, { type: 'cline_usage_updated', latest_ts: null, marker: 'after-edge' }]);
    await until(() => one.frames.some((f) => f.marker === 'after-edge') && all.frames.some((f) => f.marker === 'after-edge'), 'the marker');
    // What a direct connection would carry (JSON objects with a type, NaN read as null) is numbered.
    const unplaceable = edge.filter((text) => {
      try {
        const v = JSON.parse(text.replace(/\bNaN\b|-?\bInfinity\b/g, 'null'));
        return v === null || typeof v !== 'object' || Array.isArray(v) || typeof v.type !== 'string';
      } catch {
        return true;
      }
    });
    assert.ok(unplaceable.length > 0);
    assert.ok(
      one.frames.every((f) => f !== null && Number.isInteger(f.relay_seq)),
      'a session viewer gets numbered frames only',
    );
    for (const text of unplaceable) assert.ok(all.texts.includes(text), `a viewer of every session gets ${JSON.stringify(text).slice(0, 40)} verbatim`);
    assert.ok(all.closes.length === 0 && one.closes.length === 0);
  });
});

describe('batches from the uplink', () => {
  let system;
  before(async () => {
    system = await startSystem();
  });
  after(() => system.close());

  test('frames with line breaks (pretty-printed JSON) arrive meaning the same; a burst arrives whole and in order', async () => {
    const one = await system.viewer({ sessions: ['1'], session: 1 });
    const pretty = '{\n  "type": "metric_updated",\r\n  "session_id": 1,\n  "note": "a\\nb"\n}';
    system.kimi.sim.push([pretty]);
    await until(() => one.of('metric_updated').length === 1, 'the pretty frame');
    assert.deepEqual(strip(one.of('metric_updated')[0]), JSON.parse(pretty));
    await system.kimi.sim.blast({ count: 3000, sessions: [1, 2] });
    await until(() => one.frames.filter((f) => f.seq !== undefined).length === 1500, 'the burst');
    const seqs = one.frames.filter((f) => f.seq !== undefined).map((f) => f.seq);
    assert.deepEqual(
      seqs,
      Array.from({ length: 1500 }, (_, i) => i * 2),
    );
  });
});

describe('commands and replies', () => {
  let system;
  before(async () => {
    system = await startSystem();
  });
  after(() => system.close());

  test("a command's reply reaches only the viewer that asked, with its own requestId", async () => {
    const a = await system.viewer({ sessions: ['1'], session: 1 });
    const b = await system.viewer({ sessions: ['1'], session: 1 });
    const c = await system.viewer({ sessions: '*' });
    a.send({ type: 'memory_compress_preview', strategy: 'token', threshold: 0.3, requestId: 'same' });
    b.send({ type: 'memory_similarity_search', requestId: 'same', payload: { reference_id: 'mem_001', method: 'jaccard', threshold: 0.5, limit: 5 } });
    c.send({ type: 'memory_compress_preview' });
    b.send({ type: 'memory_compress_preview', requestId: { nested: [1, 'x'] } });
    await until(() => a.of('memory_compress_preview_response').length === 1, 'a reply at a');
    await until(() => b.of('memory_compress_preview_response').length === 1 && b.of('memory_similarity_result_response').length === 1, 'two replies at b');
    await until(() => c.of('memory_compress_preview_response').length === 1, 'a reply at c');
    await sleep(200);
    assert.equal(a.frames.filter((f) => f.type.endsWith('_response')).length, 1, 'a got only its reply');
    assert.equal(b.frames.filter((f) => f.type.endsWith('_response')).length, 2, 'b got only its replies');
    assert.equal(c.frames.filter((f) => f.type.endsWith('_response')).length, 1, 'c got only its reply');
    assert.equal(a.of('memory_compress_preview_response')[0].requestId, 'same');
    assert.equal(a.of('memory_compress_preview_response')[0].result.projected_count, 3);
    assert.equal(b.of('memory_similarity_result_response')[0].requestId, 'same');
    assert.deepEqual(b.of('memory_compress_preview_response')[0].requestId, { nested: [1, 'x'] });
    assert.equal(c.of('memory_compress_preview_response')[0].requestId, null, 'no requestId sent: null back, as Kimi Proxy does');
    assert.equal(a.of('memory_compress_preview_response')[0].relay_seq, undefined, 'replies are not numbered');
  });

  test('a broadcast caused by a command reaches every viewer; the reply only the asker', async () => {
    const a = await system.viewer({ sessions: ['1'], session: 1 });
    const b = await system.viewer({ sessions: ['2'], session: 2 });
    a.send({ type: 'memory_compress_execute', requestId: 'exec-1' });
    await until(() => a.of('memory_compress_result_response').length === 1, 'the reply');
    await until(() => b.of('memory_compression_completed').length === 1 && a.of('memory_compression_completed').length === 1, 'the broadcast');
    assert.equal(b.of('memory_compress_result_response').length, 0);
  });

  test('experimental peer signalling: only between viewers that joined with ?signal=1', async () => {
    const signalUrl = async () => {
      const url = new URL(system.relay.roomUrl(system.room));
      url.searchParams.set('signal', '1');
      url.searchParams.set('token', await system.relay.viewerToken({ room: system.room, sessions: '*' }));
      return url.href;
    };
    const { Viewer } = await import('./helpers/clients.mjs');
    const a = new Viewer(await signalUrl());
    await a.connect();
    const b = new Viewer(await signalUrl());
    await b.connect();
    await until(() => a.of('relay_peers').length && b.of('relay_peers').length, 'peer lists');
    const idA = a.of('relay_peers')[0].id;
    assert.ok(b.of('relay_peers')[0].peers.includes(idA));
    const plain = await system.viewer({ sessions: '*' });
    plain.send({ type: 'relay_signal', to: idA, data: { from: 'plain' } });
    b.send({ type: 'relay_signal', to: idA, data: { sdp: 'x' } });
    await until(() => a.of('relay_signal').length === 1, 'the signal');
    assert.deepEqual(a.of('relay_signal')[0], { type: 'relay_signal', from: b.of('relay_peers')[0].id, data: { sdp: 'x' } });
    await sleep(200);
    assert.equal(a.of('relay_signal').length, 1, 'a viewer without ?signal=1 cannot signal');
    assert.equal(plain.of('relay_peers').length, 0);
  });

  test('commands Kimi Proxy does not know go nowhere; ping is answered by the relay', async () => {
    const a = await system.viewer({ sessions: ['1'], session: 1 });
    const commandsBefore = system.uplink.stats.commands;
    a.send({ type: 'subscribe', session: 2 });
    a.send('not json');
    a.send({ type: 'ping', id: 7 });
    await until(() => a.of('pong').length === 1, 'pong');
    assert.equal(a.of('pong')[0].id, 7);
    assert.equal(system.uplink.stats.commands, commandsBefore);
  });

  test("without an uplink a command is answered in Kimi Proxy's error shape", async () => {
    const a = await system.viewer({ sessions: ['1'], session: 1 });
    system.uplink.stop();
    await until(async () => !(await system.status()).uplink, 'the uplink to leave');
    a.send({ type: 'memory_compress_preview', requestId: 'r' });
    await until(() => a.of('memory_compress_preview_response').length === 1, 'the error reply');
    const reply = a.of('memory_compress_preview_response')[0];
    assert.equal(reply.requestId, 'r');
    assert.match(reply.error, /no uplink/);
    assert.equal(Object.hasOwn(reply, 'result'), false);
    system.startUplink();
    await system.ready();
  });
});

describe('session state for new viewers', () => {
  let system;
  before(async () => {
    system = await startSystem();
  });
  after(() => system.close());

  test('a viewer of a session that is not active gets its HTTP hydration at once', async () => {
    const before = system.uplink.stats.hydrations;
    const viewer = await system.viewer({ sessions: ['2'], session: 2 });
    await until(() => viewer.of('relay_hydration').length === 1, 'the hydration');
    const hydration = viewer.of('relay_hydration')[0];
    const direct = await (await fetch(`${system.kimi.httpUrl}/api/sessions/2`)).json();
    assert.equal(hydration.session_id, 2);
    assert.deepEqual(strip(hydration), { type: 'relay_hydration', session_id: 2, ...direct }, 'the answer of GET /api/sessions/2, whole');
    assert.ok(Number.isInteger(hydration.relay_seq));
    assert.equal(system.uplink.stats.hydrations, before + 1);
    // The next viewer of session 2 gets the stored state (and what followed it) without a request.
    system.kimi.sim.push({ type: 'reserved_tokens_updated', session_id: 2, reserved_tokens: 5 });
    await until(() => viewer.of('reserved_tokens_updated').length === 1, 'the live frame');
    const second = await system.viewer({ sessions: ['2'], session: 2 });
    await until(() => second.frames.length === 2, 'state and follower');
    assert.deepEqual(
      second.frames.map((f) => f.type),
      ['relay_hydration', 'reserved_tokens_updated'],
    );
    assert.equal(system.uplink.stats.hydrations, before + 1);
  });

  test("an unknown session's error answer reaches its viewer and is not kept as state", async () => {
    const viewer = await system.viewer({ sessions: ['9'], session: 9 });
    await until(() => viewer.of('relay_hydration').length === 1, 'the answer');
    assert.equal(viewer.of('relay_hydration')[0].error, 'Session 9 introuvable');
    const again = await system.viewer({ sessions: ['9'], session: 9 });
    await sleep(300);
    assert.equal(again.of('relay_hydration').filter((h) => !h.error).length, 0);
  });

  test('a viewer of every session gets the last init and what followed it', async () => {
    system.kimi.sim.push({ type: 'metric_updated', session_id: 1, metric_id: 1, marker: 'after-init' });
    const all = await system.viewer({ sessions: '*' });
    await until(() => all.frames.some((f) => f.marker === 'after-init'), 'the follower');
    assert.equal(all.frames[0].type, 'init');
    const seqs = all.frames.map((f) => f.relay_seq);
    assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]));
  });
});

describe("hydration ids and answers (the element's rule, in the uplink)", () => {
  let system;
  let server;
  const asked = [];
  before(async () => {
    // Kimi's HTTP side, lying: every session's answer names session 5. It records the paths asked.
    server = createServer((request, response) => {
      asked.push(request.url);
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ session: { id: 5, name: 'five' }, provider: null, recent_metrics: [] }));
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    system = await startSystem({ uplink: false });
    system.startUplink({ httpUrl: `http://127.0.0.1:${server.address().port}` });
    await system.ready();
  });
  after(async () => {
    await system.close();
    await new Promise((resolve) => server.close(resolve));
  });

  test('an id that is not a session number is never put in a URL (".." would ask /api/)', async () => {
    const before = system.uplink.stats.hydrationsRefused;
    const viewer = await system.viewer({ sessions: ['..'] });
    await until(() => system.uplink.stats.hydrationsRefused === before + 1, 'the refusal');
    await sleep(200);
    assert.deepEqual(asked, [], 'nothing was asked over HTTP');
    assert.equal(viewer.of('relay_hydration').length, 0);
  });

  test('an answer for another session is refused, not passed on as the session asked', async () => {
    const before = { ...system.uplink.stats };
    const two = await system.viewer({ sessions: ['2'], session: 2 });
    await until(() => system.uplink.stats.hydrationsRefused === before.hydrationsRefused + 1, 'the refusal');
    assert.deepEqual(asked, ['/api/sessions/2']);
    await sleep(200);
    assert.equal(two.of('relay_hydration').length, 0, 'session 5 is not shown as session 2');
    assert.equal(system.uplink.stats.hydrations, before.hydrations);
    // The answer for the session asked passes (the refusal is not of every answer).
    const five = await system.viewer({ sessions: ['5'], session: 5 });
    await until(() => five.of('relay_hydration').length === 1, 'the hydration of session 5');
    assert.equal(five.of('relay_hydration')[0].session_id, 5);
    assert.equal(system.uplink.stats.hydrations, before.hydrations + 1);
  });
});
