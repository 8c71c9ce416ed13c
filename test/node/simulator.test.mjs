// Tests for the Kimi Proxy /ws simulator (simulator/*.mjs). Run: node --test test/node/
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { KimiSimulator } from '../../simulator/simulator.mjs';
import { startHub } from '../../simulator/control.mjs';

/** Every simulator started by a test; stopped at the end even when a test fails. */
const sims = [];
after(async () => { await Promise.all(sims.map((s) => s.stop())); });

async function sim(options = {}) {
  const s = new KimiSimulator({ rate: 0, ...options });
  sims.push(s);
  await s.start();
  return s;
}

/**
 * A ws client that records every frame (text and parsed JSON) and can wait for one.
 * @param {string} url  @param {string|string[]} [protocols]
 */
function client(url, protocols) {
  const ws = new WebSocket(url, protocols);
  const c = { ws, texts: [], frames: [], listeners: new Set() };
  ws.on('error', () => {});
  c.opened = new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  c.opened.catch(() => {});
  c.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? null : data.toString();
    let json = null;
    try { json = JSON.parse(text); } catch { /* keep null */ }
    c.texts.push(text);
    c.frames.push(json);
    for (const l of c.listeners) l();
  });
  /** Resolves with the first frame matching pred (already received or future). */
  c.waitFor = (pred, ms = 2000) => new Promise((resolve, reject) => {
    const check = () => {
      const f = c.frames.find((x) => x !== null && pred(x));
      if (f) { c.listeners.delete(check); clearTimeout(timer); resolve(f); }
    };
    const timer = setTimeout(() => { c.listeners.delete(check); reject(new Error(`timeout waiting for frame (${c.frames.length} received)`)); }, ms);
    c.listeners.add(check);
    check();
  });
  /** Resolves once at least n frames arrived. */
  c.waitCount = (n, ms = 5000) => new Promise((resolve, reject) => {
    const check = () => { if (c.frames.length >= n) { c.listeners.delete(check); clearTimeout(timer); resolve(c.frames); } };
    const timer = setTimeout(() => { c.listeners.delete(check); reject(new Error(`timeout: ${c.frames.length}/${n} frames`)); }, ms);
    c.listeners.add(check);
    check();
  });
  c.send = (x) => ws.send(typeof x === 'string' ? x : JSON.stringify(x));
  return c;
}

async function connected(url, protocols) {
  const c = client(url, protocols);
  await c.opened;
  return c;
}

/** Expected ThresholdAlert for a 0–100 percentage (PROTOCOL.md §3.4). */
function expectedAlert(pct) {
  if (pct >= 95) return { level: 'critical', color: '#ef4444', message: '⚠️ CONTEXTE CRITIQUE (95%)' };
  if (pct >= 90) return { level: 'warning', color: '#f97316', message: '⚠️ CONTEXTE ÉLEVÉ (90%)' };
  if (pct >= 80) return { level: 'caution', color: '#eab308', message: '⚡ Attention (80%)' };
  return null;
}

describe('connection', () => {
  test('init on connect when a session is active, in the real wire format', async () => {
    const s = await sim({ activeSession: 1 });
    assert.match(s.url, /^ws:\/\/127\.0\.0\.1:\d+\/ws$/);
    const c = await connected(s.url);
    const init = await c.waitFor((f) => f.type === 'init');
    assert.equal(c.frames.length, 1);
    assert.equal(init.session.id, 1);
    assert.equal(init.session.is_active, 1);
    assert.equal('max_context' in init.session, false);
    assert.equal('session_id' in init, false);
    assert.ok(init.recent_metrics.length > 0 && init.recent_metrics.length <= 50);
    const ids = init.recent_metrics.map((m) => m.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => b - a), 'newest first');
    assert.equal(init.stats.total_requests, init.recent_metrics.length);
    assert.match(init.recent_metrics[0].timestamp, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    const text = c.texts[0];
    assert.ok(text.includes('Session par défaut'), 'raw UTF-8, no \\u escapes');
    assert.ok(text.includes('"memory_ratio":0.0'), 'whole floats keep .0 like Python');
    assert.ok(!/[,:] /.test(text.replace(/"(?:[^"\\]|\\.)*"/g, '""')), 'compact separators');
    assert.equal(s.clientCount, 1);
    assert.equal(s.connectionsTotal, 1);
  });

  test('no init when no session is active; push still reaches the client', async () => {
    const s = await sim({ activeSession: null });
    const c = await connected(s.url);
    await sleep(150);
    assert.equal(c.frames.length, 0);
    assert.equal(s.push({ type: 'cline_usage_updated', latest_ts: null, latest_count: 0, imported_count: 0 }), 1);
    await c.waitCount(1);
    assert.equal(c.frames[0].type, 'cline_usage_updated');
  });

  test('push sends strings verbatim and objects as compact JSON, to every client', async () => {
    const s = await sim({ activeSession: null });
    const a = await connected(s.url);
    const b = await connected(s.url);
    const raw = '{"type":"metric_updated","session_id":2,"cumulative_percentage":Infinity}';
    assert.equal(s.push(['Internal Server Error', raw, '', { type: 'x', n: 1, s: 'é' }]), 8);
    await a.waitCount(4);
    await b.waitCount(4);
    assert.deepEqual(a.texts, ['Internal Server Error', raw, '', '{"type":"x","n":1,"s":"é"}']);
    assert.deepEqual(b.texts, a.texts);
  });

  test('setActive broadcasts session_activated only on change; null stops init', async () => {
    const s = await sim({ activeSession: 1 });
    const c = await connected(s.url);
    await c.waitFor((f) => f.type === 'init');
    assert.equal(s.setActive(1), false);
    assert.equal(s.setActive(2), true);
    const act = await c.waitFor((f) => f.type === 'session_activated');
    assert.equal(act.session_id, 2);
    assert.equal(act.session.id, 2);
    assert.equal(act.session.is_active, 1);
    assert.equal('max_context' in act.session, false);
    s.setActive(null);
    assert.equal(s.active, null);
    const d = await connected(s.url);
    await sleep(100);
    assert.equal(d.frames.length, 0);
    assert.equal(c.frames.filter((f) => f.type === 'session_activated').length, 1);
  });
});

describe('client frames', () => {
  test('memory commands: requestId echo, null requestId, mock results', async () => {
    const s = await sim({ activeSession: null });
    const c = await connected(s.url);
    c.send({ type: 'memory_compress_preview', requestId: 'p-1', strategy: 'token', threshold: 0.3 });
    const p = await c.waitFor((f) => f.type === 'memory_compress_preview_response');
    assert.equal(p.requestId, 'p-1');
    assert.equal(p.result.success, true);
    assert.equal(p.result.current_count, 5);
    assert.equal(p.result.projected_count, 3);
    assert.equal(p.result.space_saved, '423 tokens');
    assert.ok(Math.abs(p.result.compression_ratio - 0.365) < 0.001);

    c.send({ type: 'memory_compress_preview', threshold: 'abc' });
    const bad = await c.waitFor((f) => f.type === 'memory_compress_preview_response' && f.requestId === null);
    assert.equal(bad.result.success, false);
    assert.equal(bad.result.compression_ratio, null);

    c.send({ type: 'memory_similarity_search', requestId: 's-1', payload: { reference_id: 'mem_004' } });
    const sim1 = await c.waitFor((f) => f.requestId === 's-1');
    assert.equal(sim1.type, 'memory_similarity_result_response');
    assert.equal(sim1.result.results[0].id, 'mem_004');
    assert.equal(sim1.result.method_used, 'cosine');

    c.send({ type: 'memory_similarity_search', requestId: 's-2', payload: { reference_id: 'nope' } });
    const nf = await c.waitFor((f) => f.requestId === 's-2');
    assert.equal(nf.result.success, false);
    assert.equal(nf.result.error, 'Texte de référence non trouvé');

    c.send({ type: 'memory_similarity_search', requestId: 's-3', payload: { reference_id: 'mem_004', limit: 3 } });
    const ve = await c.waitFor((f) => f.requestId === 's-3');
    assert.equal('result' in ve, false);
    assert.match(ve.error, /^1 validation error for SimilarityRequest\nlimit\n {2}Input should be greater than or equal to 5/);
  });

  test('memory_compress_execute broadcasts completion to all before replying; dryRun only replies', async () => {
    const s = await sim({ activeSession: null });
    const a = await connected(s.url);
    const b = await connected(s.url);
    a.send({ type: 'memory_compress_execute', requestId: 'x-1' });
    const reply = await a.waitFor((f) => f.type === 'memory_compress_result_response');
    assert.equal(reply.requestId, 'x-1');
    assert.deepEqual(a.frames.map((f) => f.type), ['memory_compression_completed', 'memory_compress_result_response']);
    const done = await b.waitFor((f) => f.type === 'memory_compression_completed');
    assert.equal(done.strategy, 'token');
    assert.equal(done.threshold, 0.3);
    assert.equal(done.memories_processed, 5);
    assert.match(done.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/);

    a.send({ type: 'memory_compress_execute', dryRun: true });
    await a.waitFor((f) => f.type === 'memory_compress_result_response' && f.requestId === null);
    await sleep(50);
    assert.equal(b.frames.length, 1, 'no broadcast for a dry run');
  });

  test('invalid frames are ignored and the connection stays open; binary leaves the broadcast set', async () => {
    const s = await sim({ activeSession: null });
    const c = await connected(s.url);
    const other = await connected(s.url);
    for (const t of ['not json', '', '[]', '42', 'null', '"x"', '{}', '{"type":"nope"}', '{"type":"memory_error_log","error":"x"}']) c.send(t);
    c.send({ type: 'ping', id: 1 }); // the real server has no ping handler
    c.send({ type: 'memory_compress_preview', requestId: 'after' });
    await c.waitFor((f) => f.requestId === 'after');
    assert.equal(c.frames.length, 1);
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    assert.equal(s.receivedCount, 11);
    assert.equal(s.received[0].text, 'not json');
    assert.equal(s.received[0].json, null);
    assert.deepEqual(s.received[7].json, { type: 'nope' });
    assert.equal(s.received[0].client, 1);

    c.ws.send(Buffer.from([1, 2, 3]));
    await sleep(50);
    s.push('{"type":"after_binary"}');
    await other.waitFor((f) => f.type === 'after_binary');
    await sleep(50);
    assert.equal(c.frames.some((f) => f.type === 'after_binary'), false);
    assert.equal(c.ws.readyState, WebSocket.OPEN, 'not closed');
    assert.equal(s.clientCount, 2);
  });

  test('pingReply answers {"type":"ping"} with a pong echoing its id', async () => {
    const s = await sim({ activeSession: null, pingReply: true });
    const c = await connected(s.url);
    c.send({ type: 'ping', id: 'abc' });
    c.send({ type: 'ping' });
    await c.waitCount(2);
    assert.deepEqual(c.texts, ['{"type":"pong","echo":"abc"}', '{"type":"pong","echo":null}']);
  });
});

describe('failure levers', () => {
  test('drop: abrupt gives 1006, with a code gives a clean close; the server keeps listening', async () => {
    const s = await sim({ activeSession: null });
    const a = await connected(s.url);
    assert.equal(s.drop(), 1);
    assert.equal((await a.closed).code, 1006);
    const b = await connected(s.url);
    s.drop({ code: 4000 });
    assert.deepEqual(await b.closed, { code: 4000, reason: 'dropped by simulator' });
    assert.throws(() => s.drop({ code: 1006 }), RangeError);
    const c = await connected(s.url);
    assert.equal(c.ws.readyState, WebSocket.OPEN);
    assert.equal(s.connectionsTotal, 3);
  });

  test('restart refuses connections while down, then listens on the same port', async () => {
    const s = await sim({ activeSession: 1 });
    const port = s.port;
    const a = await connected(s.url);
    const restarting = s.restart({ downMs: 400 });
    assert.equal((await a.closed).code, 1006);
    await sleep(100);
    const refused = client(s.url);
    await assert.rejects(refused.opened, (e) => /ECONNREFUSED/.test(e.code ?? e.message));
    assert.deepEqual(await restarting, { port, url: `ws://127.0.0.1:${port}/ws` });
    const b = await connected(s.url);
    await b.waitFor((f) => f.type === 'init');
    assert.equal(s.port, port);
    assert.equal(s.connectionsTotal, 2);
  });

  test('stall stops delivery, reading and pongs without closing; new clients work; resume delivers again', async () => {
    const s = await sim({ activeSession: null });
    const a = await connected(s.url);
    s.stall(true);
    assert.equal(s.stalled, true);
    let pongs = 0;
    a.ws.on('pong', () => { pongs += 1; });
    a.ws.ping();
    a.send({ type: 'memory_compress_preview', requestId: 'during-stall' });
    s.push({ type: 'during' });
    const b = await connected(s.url);
    s.push({ type: 'during2' });
    await b.waitFor((f) => f.type === 'during2');
    await sleep(250);
    assert.equal(a.frames.length, 0);
    assert.equal(pongs, 0);
    assert.equal(a.ws.readyState, WebSocket.OPEN);
    assert.equal(s.clientCount, 2);
    s.stall(false);
    s.push({ type: 'after' });
    await a.waitFor((f) => f.type === 'after');
    await a.waitFor((f) => f.requestId === 'during-stall'); // read once resumed
    await sleep(50);
    assert.equal(pongs, 1);
    assert.equal(a.frames.some((f) => f.type === 'during'), false);
  });
});

describe('streaming', () => {
  test('rate streaming: realistic mix and shapes, consistent init', async () => {
    const s = await sim({ sessions: [1, 2], activeSession: 1, rate: 0, legacy: true, seed: 3 });
    const c = await connected(s.url);
    await c.waitFor((f) => f.type === 'init');
    s.setRate(4000); // after connecting, so this client sees the seeded sequence from its start
    await c.waitCount(3000, 4000);
    s.setRate(0);
    await sleep(100);
    const frames = c.frames;
    assert.equal(frames[0].type, 'init');
    const counts = {};
    const seen = new Set();
    let lastMetricId = 0;
    for (let i = 1; i < frames.length; i++) {
      const f = frames[i];
      assert.equal(typeof f, 'object');
      assert.ok(f !== null && typeof f.type === 'string', `frame ${i} has a string type`);
      counts[f.type] = (counts[f.type] ?? 0) + 1;
      seen.add(f.type);
      if ('session_id' in f && f.session_id !== null) assert.ok(Number.isInteger(f.session_id));
      if (f.type === 'metric_updated') {
        assert.ok([1, 2].includes(f.session_id));
        assert.ok(f.metric_id > lastMetricId, 'metric ids increase');
        lastMetricId = f.metric_id;
        assert.equal(f.cumulative_tokens, f.real_tokens.total);
        assert.equal(f.real_tokens.total, f.real_tokens.prompt + f.real_tokens.completion);
        assert.ok(Math.abs(f.cumulative_percentage - (f.cumulative_tokens / 262144) * 100) < 1e-9);
        assert.deepEqual(f.alert, expectedAlert(f.cumulative_percentage));
        assert.equal(f.source, 'proxy');
      } else if (f.type === 'streaming_error') {
        assert.equal(frames[i - 1].type, 'metric_updated');
        assert.equal(frames[i - 1].metric_id, f.metric_id);
      } else if (f.type === 'log_metric') {
        assert.equal(f.session_id, 1, 'log_metric carries the active session');
        assert.match(f.timestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/);
        assert.equal(typeof f.source_family, 'string');
        assert.equal(f.metrics.max_context, 262144);
      } else if (f.type === 'compaction_event') {
        assert.equal(f.compaction.compacted, true);
        assert.equal(f.compaction.tokens_saved, f.compaction.original_tokens - f.compaction.compacted_tokens);
      } else if (f.type === 'metric') {
        assert.ok(f.metric.estimated_tokens > 0 && f.metric.percentage > 0, 'legacy metric has real numbers');
        assert.deepEqual(f.alert, expectedAlert(f.metric.percentage));
      }
    }
    const n = frames.length - 1;
    const share = (t) => (counts[t] ?? 0) / n;
    assert.ok(share('metric_updated') > 0.3 && share('metric_updated') < 0.5, `metric_updated ${share('metric_updated')}`);
    assert.ok(share('log_metric') > 0.2 && share('log_metric') < 0.4, `log_metric ${share('log_metric')}`);
    assert.ok(share('metric') > 0.08 && share('metric') < 0.22, `metric ${share('metric')}`);
    assert.ok(share('memory_metrics_update') > 0.02 && share('memory_metrics_update') < 0.09);
    for (const t of ['streaming_error', 'compaction_event', 'compression_event']) assert.ok(seen.has(t), `saw ${t}`);
    const levels = new Set(frames.filter((f) => f.type === 'metric_updated').map((f) => f.alert?.level ?? 'none'));
    assert.deepEqual([...levels].sort(), ['caution', 'critical', 'none', 'warning']);

    // A new client's init matches what was streamed for the active session.
    const lastS1 = frames.filter((f) => f.type === 'metric_updated' && f.session_id === 1).at(-1);
    const d = await connected(s.url);
    const init = await d.waitFor((f) => f.type === 'init');
    const row = init.recent_metrics.find((m) => m.id === lastS1.metric_id);
    assert.ok(row, 'last streamed metric is in recent_metrics');
    assert.equal(row.estimated_tokens, lastS1.real_tokens.total);
    assert.equal(row.is_estimated, 0);
    assert.equal(init.recent_metrics.length, 50);
  });

  test('legacy off: no metric / memory_metrics_update; seq and stamp options', async () => {
    const s = await sim({ rate: 3000, legacy: false, activeSession: null, seq: true, stamp: true });
    const c = await connected(s.url);
    await c.waitCount(600);
    s.push({ type: 'pushed' });
    s.push('{"type":"raw"}');
    await c.waitFor((f) => f.type === 'raw');
    s.setRate(0);
    const objs = c.frames.filter((f) => f.type !== 'raw');
    assert.equal(objs.some((f) => f.type === 'metric' || f.type === 'memory_metrics_update' || f.type === 'log_metric'), false);
    const seqs = objs.map((f) => f.seq);
    for (let i = 1; i < seqs.length; i++) assert.equal(seqs[i], seqs[i - 1] + 1);
    assert.equal(c.frames.find((f) => f.type === 'raw').seq, undefined, 'raw strings are verbatim');
    const now = performance.timeOrigin + performance.now();
    const streamed = objs.filter((f) => f.type !== 'pushed');
    assert.ok(streamed.every((f) => typeof f.sent_at === 'number' && f.sent_at <= now && now - f.sent_at < 5000));
  });

  test('blast sends exactly count frames with seq 0..count-1 in order', async () => {
    const s = await sim({ activeSession: null });
    const c = await connected(s.url);
    const res = await s.blast({ count: 20000, sessions: [1, 2], size: 'small' });
    assert.equal(res.sent, 20000);
    await c.waitCount(20000, 8000);
    await sleep(50);
    assert.equal(c.frames.length, 20000);
    c.frames.forEach((f, i) => {
      assert.equal(f.seq, i);
      assert.equal(f.type, 'metric_updated');
      assert.equal(f.session_id, i % 2 ? 2 : 1);
    });
    const avg = c.texts.reduce((t, x) => t + Buffer.byteLength(x), 0) / c.texts.length;
    assert.ok(avg > 240 && avg < 300, `small ≈ 260 B (got ${avg})`);
    assert.ok(c.frames.every((f) => typeof f.sent_at === 'number'));

    const d = await connected(s.url);
    const before = c.frames.length;
    await s.blast({ count: 50, sessions: [3], size: 'medium', spacingMs: 2 });
    await d.waitCount(50);
    const mid = d.texts.reduce((t, x) => t + Buffer.byteLength(x), 0) / 50;
    assert.ok(mid > 950 && mid < 1100, `medium ≈ 1 KB (got ${mid})`);
    assert.deepEqual(d.frames.map((f) => f.seq), [...Array(50).keys()]);
    assert.ok(d.frames.every((f) => f.session_id === 3 && typeof f.request.content_preview === 'string'));
    assert.equal(c.frames.length - before, 50);
  });
});

describe('auth', () => {
  test('via query: good token connects, bad or missing token is closed with 4401', async () => {
    const s = await sim({ activeSession: 1, auth: { token: 'secret', via: 'query' } });
    const good = await connected(`${s.url}?token=secret`);
    await good.waitFor((f) => f.type === 'init');
    assert.equal(s.lastHandshake.url, '/ws?token=secret');
    const bad = client(`${s.url}?token=nope`);
    assert.deepEqual(await bad.closed, { code: 4401, reason: 'unauthorized' });
    assert.equal(bad.frames.length, 0);
    const missing = client(s.url);
    assert.equal((await missing.closed).code, 4401);
    assert.equal(s.clientCount, 1);
    assert.equal(s.authRejected, 2);
  });

  test('via protocol: the token travels as a subprotocol; custom close code', async () => {
    const s = await sim({ activeSession: null, auth: { token: 'tok123', via: 'protocol', closeCode: 4403 } });
    const a = await connected(s.url, ['kimi', 'kimi-token.tok123']);
    assert.equal(a.ws.protocol, 'kimi');
    const b = await connected(s.url, ['kimi-token.tok123']);
    assert.equal(b.ws.protocol, 'kimi-token.tok123');
    assert.deepEqual(s.lastHandshake.protocols, ['kimi-token.tok123']);
    assert.equal(s.push({ type: 'hello' }), 2);
    const bad = client(s.url, ['kimi', 'kimi-token.wrong']);
    assert.deepEqual(await bad.closed, { code: 4403, reason: 'unauthorized' });
    const none = client(s.url);
    assert.equal((await none.closed).code, 4403);
  });
});

describe('control hub', () => {
  test('endpoints, CORS and errors', async () => {
    const hub = await startHub({ port: 0, controlPort: 0, activeSession: 1 });
    try {
      const api = async (method, path, body) => {
        const r = await fetch(hub.controlUrl + path, {
          method, headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        });
        return { status: r.status, headers: r.headers, body: await r.json() };
      };
      const pre = await fetch(`${hub.controlUrl}/sim/main/push`, {
        method: 'OPTIONS', headers: { origin: 'http://example.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      assert.equal(pre.status, 204);
      assert.equal(pre.headers.get('access-control-allow-origin'), '*');
      assert.match(pre.headers.get('access-control-allow-methods'), /POST/);
      assert.match(pre.headers.get('access-control-allow-methods'), /DELETE/);
      assert.match(pre.headers.get('access-control-allow-headers'), /Content-Type/i);

      const main = await api('GET', '/sim/main');
      assert.equal(main.status, 200);
      assert.equal(main.headers.get('access-control-allow-origin'), '*');
      assert.equal(main.body.url, hub.main.url);
      assert.equal(main.body.active, 1);

      const spawned = await api('POST', '/sim', { activeSession: null, sessions: [7] });
      assert.equal(spawned.status, 200);
      const { id, url } = spawned.body;
      const c = await connected(url);
      assert.equal((await api('POST', `/sim/${id}/push`, { frames: [{ type: 'a' }, 'raw-text'] })).body.sent, 2);
      await c.waitCount(2);
      assert.deepEqual(c.texts, ['{"type":"a"}', 'raw-text']);
      c.send({ type: 'hello' });
      await sleep(50);
      const st = await api('GET', `/sim/${id}`);
      assert.equal(st.body.clientCount, 1);
      assert.equal(st.body.receivedCount, 1);
      assert.deepEqual(st.body.received, [{ client: 1, text: '{"type":"hello"}' }]);
      assert.equal((await api('POST', `/sim/${id}/reset-counters`)).body.ok, true);
      assert.equal((await api('GET', `/sim/${id}`)).body.receivedCount, 0);

      assert.equal((await api('POST', `/sim/${id}/push-binary`, { bytes: [1, 2, 255] })).body.sent, 1);
      await c.waitCount(3);
      const d = await connected(url);
      assert.deepEqual((await api('POST', `/sim/${id}/active`, { sessionId: 7 })).body, { changed: true, active: 7 });
      await d.waitFor((f) => f.type === 'session_activated');
      assert.equal((await api('POST', `/sim/${id}/blast`, { count: 10, sessions: [7] })).body.sent, 10);
      await d.waitCount(11);
      assert.deepEqual((await api('POST', `/sim/${id}/rate`, { rate: 0 })).body, { rate: 0 });
      assert.deepEqual((await api('POST', `/sim/${id}/stall`, { on: true })).body, { stalled: true });
      assert.equal((await api('GET', `/sim/${id}`)).body.stalled, true);
      assert.equal((await api('POST', `/sim/${id}/stall`, { on: 'yes' })).status, 400);
      assert.equal((await api('POST', `/sim/${id}/drop`, { code: 4000 })).body.dropped, 2);
      assert.equal((await d.closed).code, 4000);
      assert.equal((await api('POST', `/sim/${id}/drop`, { code: 1006 })).status, 400);
      const r = await api('POST', `/sim/${id}/restart`, { downMs: 50 });
      assert.equal(r.status, 200);
      assert.equal(r.body.url, url);
      await connected(url);

      assert.equal((await api('POST', '/sim/main/push', '{bad json')).status, 400);
      assert.equal((await api('POST', '/sim/main/rate', { rate: -1 })).status, 400);
      assert.equal((await api('POST', '/sim', { port: 'x' })).status, 400);
      assert.equal((await api('GET', '/sim/nope')).status, 404);
      assert.ok((await api('GET', '/sim/nope')).body.error);
      assert.equal((await api('POST', '/sim/main/nope')).status, 404);
      assert.equal((await api('DELETE', '/sim/main')).status, 400);
      assert.equal((await api('DELETE', `/sim/${id}`)).status, 200);
      assert.equal((await api('GET', `/sim/${id}`)).status, 404);

      const left = await api('POST', '/sim', {});
      assert.equal(left.status, 200);
      const e = await connected(left.body.url);
      await hub.close();
      assert.equal((await e.closed).code, 1006, 'spawned instances stop with the hub');
    } finally {
      await hub.close();
    }
  });
});
