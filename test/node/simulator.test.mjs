// Tests for the Kimi Proxy /ws simulator (simulator/*.mjs). Run: node --test test/node/
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { stopChild, waitForOutput } from '../../scripts/child-output.mjs';
import { randomBytes } from 'node:crypto';
import { connect as tcpConnect } from 'node:net';
import zlib from 'node:zlib';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import WebSocket from 'ws';
import { KimiSimulator } from '../../simulator/simulator.mjs';
import { startHub } from '../../simulator/control.mjs';
import { localIso, zoneOffsetMs } from '../../tap/lib/protocol/format.mjs';

/** Every simulator started by a test; stopped at the end even when a test fails. */
const sims = [];
after(async () => {
  await Promise.all(sims.map((s) => s.stop()));
});

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
  // No permessage-deflate offer: these tests read content, and zlib's thread pool would make the frames
  // of both ends of a connection in this one process arrive a little later than a fixed sleep expects.
  // The wire itself is tested below with a bare TCP client ("permessage-deflate").
  const ws = new WebSocket(url, protocols, { perMessageDeflate: false });
  const c = { ws, texts: [], frames: [], listeners: new Set() };
  ws.on('error', () => {});
  c.opened = new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  c.opened.catch(() => {});
  c.closed = new Promise((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  ws.on('message', (data, isBinary) => {
    const text = isBinary ? null : data.toString();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch {
      /* keep null */
    }
    c.texts.push(text);
    c.frames.push(json);
    for (const l of c.listeners) l();
  });
  /** Resolves with the first frame matching pred (already received or future). */
  c.waitFor = (pred, ms = 2000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        const f = c.frames.find((x) => x !== null && pred(x));
        if (f) {
          c.listeners.delete(check);
          clearTimeout(timer);
          resolve(f);
        }
      };
      const timer = setTimeout(() => {
        c.listeners.delete(check);
        reject(new Error(`timeout waiting for frame (${c.frames.length} received)`));
      }, ms);
      c.listeners.add(check);
      check();
    });
  /** Resolves once at least n frames arrived. */
  c.waitCount = (n, ms = 5000) =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (c.frames.length >= n) {
          c.listeners.delete(check);
          clearTimeout(timer);
          resolve(c.frames);
        }
      };
      const timer = setTimeout(() => {
        c.listeners.delete(check);
        reject(new Error(`timeout: ${c.frames.length}/${n} frames`));
      }, ms);
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
    assert.deepEqual(
      ids,
      [...ids].sort((a, b) => b - a),
      'newest first',
    );
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
    assert.deepEqual(
      a.frames.map((f) => f.type),
      ['memory_compression_completed', 'memory_compress_result_response'],
    );
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
    assert.equal(
      c.frames.some((f) => f.type === 'after_binary'),
      false,
    );
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
    a.ws.on('pong', () => {
      pongs += 1;
    });
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
    assert.equal(
      a.frames.some((f) => f.type === 'during'),
      false,
    );
  });
});

describe('concurrent (stress) mode', () => {
  test('several sessions at once with the legacy types: mix and shapes, consistent init', async () => {
    const s = await sim({ sessions: [1, 2], activeSession: 1, rate: 0, legacy: true, concurrent: true, seed: 3 });
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
        assert.ok([131072, 262144].includes(f.metrics.max_context), "the IDE window or the session's");
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
    assert.ok(counts.metric_updated > 100 && frames.filter((f) => f.type === 'metric_updated' && f.session_id === 2).length > 100, 'both sessions stream');
  });

  test('seq and stamp options on every simulated frame, pushed strings verbatim', async () => {
    const s = await sim({ rate: 3000, activeSession: null, seq: true, stamp: true });
    const c = await connected(s.url);
    await c.waitCount(600);
    s.push({ type: 'pushed' });
    s.push('{"type":"raw"}');
    await c.waitFor((f) => f.type === 'raw');
    s.setRate(0);
    // `init` is the direct frame a socket gets on connect (a session may be active by then): no broadcast seq.
    const objs = c.frames.filter((f) => f.type !== 'raw' && f.type !== 'init');
    assert.equal(
      objs.some((f) => f.type === 'metric' || f.type === 'memory_metrics_update'),
      false,
      'no legacy types by default',
    );
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
    assert.deepEqual(
      d.frames.map((f) => f.seq),
      [...Array(50).keys()],
    );
    assert.ok(d.frames.every((f) => f.session_id === 3 && typeof f.request.content_preview === 'string'));
    assert.equal(c.frames.length - before, 50);
  });
});

/** Session-scoped frames the real server books to the active session (§15). */
const BOOKED = new Set(['metric_updated', 'streaming_error', 'log_metric', 'compaction_event', 'compression_event', 'provider_context_limit_error']);
const CHANGES = new Set(['session_activated', 'new_session', 'auto_session_created']);

/**
 * Walks a client's frames keeping the active session as a dashboard would learn it, and returns
 * the booked frames per session plus the ones booked to a session that was not active then.
 */
function walk(frames) {
  let active = null;
  const perSession = new Map();
  const misbooked = [];
  const changes = [];
  for (const f of frames) {
    if (f.type === 'init') active = f.session.id;
    else if (CHANGES.has(f.type)) {
      active = f.type === 'session_activated' ? f.session_id : f.session.id;
      changes.push(f);
    } else if (f.type === 'sessions_bulk_deleted') changes.push(f);
    else if (BOOKED.has(f.type)) {
      perSession.set(f.session_id, (perSession.get(f.session_id) ?? 0) + 1);
      if (f.session_id !== active) misbooked.push({ frame: f, active });
    }
  }
  return { perSession, misbooked, changes, active };
}

/** Fetches one of the simulator's HTTP routes on the /ws port. */
async function api(s, path, init) {
  const r = await fetch(s.url.replace(/^ws:/, 'http:').replace(/\/ws$/, '') + path, init);
  const text = await r.text();
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* plain text */
  }
  return { status: r.status, headers: r.headers, text, body };
}

const FIXTURES = JSON.parse(readFileSync(new URL('../fixtures/kimi-fixtures.json', import.meta.url), 'utf8'));
const FIXTURE_INIT = FIXTURES.messages.find((m) => m.type === 'init');
const SESSION_KEYS = Object.keys(FIXTURE_INIT.session);
const STATS_KEYS = Object.keys(FIXTURE_INIT.stats);
const METRIC_KEYS = Object.keys(FIXTURE_INIT.recent_metrics[0]);
const SQLITE_UTC = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/;
const NAIVE_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/;

/** Offset of an IANA zone from UTC right now, in minutes, from Intl (independent of format.mjs). */
function offsetMinutes(tz, at = Date.now()) {
  const p = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    })
      .formatToParts(at)
      .map((x) => [x.type, Number(x.value)]),
  );
  return Math.round((Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - Math.floor(at / 1000) * 1000) / 60000);
}
/** A naive timestamp read as if it were UTC, in ms. */
const naiveMs = (text) => Date.parse(`${text.replace(' ', 'T').slice(0, 23)}Z`);

describe('realistic by default (PROTOCOL §15)', () => {
  test('only the active session gets traffic: a few seconds of default streaming', async () => {
    const s = await sim({ seed: 5, switchEvery: 0 });
    assert.equal(s.active, 1);
    const c = await connected(s.url);
    await c.waitFor((f) => f.type === 'init');
    s.setRate(400);
    await sleep(3000);
    s.setRate(0);
    await sleep(100);
    const { perSession, misbooked, changes } = walk(c.frames);
    assert.deepEqual(misbooked, [], 'every booked frame names the session active at that moment');
    // Session 1 is the default session (model null): the first request names a model and auto-creates 3.
    assert.equal(changes[0]?.type, 'auto_session_created');
    assert.equal(changes[0].session.id, 3);
    assert.equal(changes[0].session.model, 'kimi-for-coding');
    assert.match(changes[0].session.name, /^Session Kimi Code \d\d:\d\d:\d\d$/);
    assert.equal(perSession.get(2) ?? 0, 0, 'the inactive session 2 is silent');
    assert.ok((perSession.get(3) ?? 0) > 600, `session 3 streams (${perSession.get(3)})`);
    const metricUpdated = c.frames.filter((f) => f.type === 'metric_updated');
    assert.ok(metricUpdated.length > 300 && metricUpdated.every((f) => f.session_id === 3));
    assert.equal(
      c.frames.some((f) => f.type === 'metric' || f.type === 'memory_metrics_update'),
      false,
      'no legacy types unless asked',
    );
    for (const t of ['log_metric', 'streaming_error', 'compaction_event', 'compression_event'])
      assert.ok(
        c.frames.some((f) => f.type === t),
        `saw ${t}`,
      );
  });

  test('with auto-session off, the default session itself is booked', async () => {
    const s = await sim({ seed: 5, switchEvery: 0, autoSession: false, rate: 300 });
    const c = await connected(s.url);
    await c.waitCount(400);
    s.setRate(0);
    const { perSession, misbooked, changes } = walk(c.frames);
    assert.deepEqual(misbooked, []);
    assert.deepEqual(changes, []);
    assert.ok(perSession.get(1) > 300);
    assert.equal(s.store.get(1).row.model, null);
  });

  test('the active session changes over time: session_activated, new_session, auto_session_created, cleanup', async () => {
    const s = await sim({ seed: 11, switchEvery: 40 });
    const c = await connected(s.url);
    await c.waitFor((f) => f.type === 'init');
    s.setRate(3000);
    await c.waitCount(6000, 8000);
    s.setRate(0);
    await sleep(100);
    const { misbooked, changes, active } = walk(c.frames);
    assert.deepEqual(misbooked, []);
    const kinds = new Set(changes.map((f) => f.type));
    for (const t of ['session_activated', 'new_session', 'auto_session_created', 'sessions_bulk_deleted']) assert.ok(kinds.has(t), `saw ${t}`);
    for (const f of changes.filter((x) => x.type === 'new_session')) {
      assert.equal(f.session.model, null, 'created over HTTP without a model');
      assert.equal(f.session.max_context, 262144, 'new_session carries max_context');
      assert.equal(f.session.is_active, 1);
      assert.match(f.session.name, /^Session \d\d:\d\d:\d\d$/);
    }
    for (const f of changes.filter((x) => x.type === 'session_activated')) {
      assert.equal(f.session.id, f.session_id);
      assert.equal('max_context' in f.session, false);
    }
    for (const f of changes.filter((x) => x.type === 'auto_session_created')) {
      assert.deepEqual(Object.keys(f), ['type', 'session', 'provider', 'model', 'external_session_id']);
      assert.equal(f.model, f.session.model);
    }
    // A request never goes to a model-null session while auto-session is on: it creates one first.
    let current = null;
    for (const f of c.frames) {
      if (f.type === 'init' || CHANGES.has(f.type)) current = f.type === 'session_activated' ? f.session : f.session;
      else if (f.type === 'metric_updated') assert.notEqual(current.model, null, `metric_updated ${f.metric_id} booked to a session with a model`);
    }
    // Deleted sessions never come back, and the active one is never deleted.
    const deleted = new Set();
    let now = null;
    for (const f of c.frames) {
      if (f.type === 'init' || CHANGES.has(f.type)) now = f.type === 'session_activated' ? f.session_id : f.session.id;
      if (f.type === 'sessions_bulk_deleted') {
        assert.equal(f.session_ids.includes(now), false, 'the active session is never deleted');
        assert.equal(f.deleted_count, f.session_ids.length);
        for (const id of f.session_ids) deleted.add(id);
      }
      if (BOOKED.has(f.type)) assert.equal(deleted.has(f.session_id), false, 'no traffic for a deleted session');
      if (CHANGES.has(f.type)) assert.equal(deleted.has(now), false, 'a deleted session is never activated again');
    }
    assert.ok(s.store.size <= 12, `at most 12 sessions kept (${s.store.size})`);
    for (const id of deleted) assert.equal(s.store.has(id), false);
    // A new client gets the init of the session the stream says is active.
    const d = await connected(s.url);
    assert.equal((await d.waitFor((f) => f.type === 'init')).session.id, active);
  });

  test('metric_updated.metric_id is a metrics row; rows without live frames leave gaps', async () => {
    const s = await sim({ seed: 2, switchEvery: 0, rate: 500 });
    const c = await connected(s.url);
    await c.waitCount(700, 4000);
    s.setRate(0);
    await sleep(50);
    const active = s.active;
    const live = c.frames.filter((f) => f.type === 'metric_updated' && f.session_id === active);
    const { body } = await api(s, `/api/sessions/${active}`);
    const rows = body.recent_metrics;
    assert.equal(rows.length, 50);
    const byId = new Map(rows.map((r) => [r.id, r]));
    const liveIds = new Set(live.map((f) => f.metric_id));
    let matched = 0;
    for (const f of live) {
      const row = byId.get(f.metric_id);
      if (!row) continue; // older than the 50 newest
      matched += 1;
      assert.equal(row.session_id, active);
      assert.equal(row.is_estimated, 0);
      assert.equal(row.estimated_tokens, f.real_tokens.total);
      assert.equal(row.prompt_tokens, f.real_tokens.prompt);
      assert.equal(row.completion_tokens, f.real_tokens.completion);
      assert.ok(Math.abs(row.percentage - f.real_tokens.percentage) < 1e-9);
    }
    assert.ok(matched > 30, `most rows were live (${matched})`);
    const silent = rows.filter((r) => !liveIds.has(r.id));
    assert.ok(silent.length > 0, 'some rows never produced a live frame');
    assert.ok(
      silent.every((r) => r.is_estimated === 1 && r.prompt_tokens === 0),
      'and they stay estimates',
    );
    const ids = live.map((f) => f.metric_id);
    assert.ok(
      ids.some((id, i) => i > 0 && id - ids[i - 1] > 1),
      'metric ids seen live have gaps',
    );
  });

  test('three context windows at once, never mixed within a source', async () => {
    const s = await sim({ seed: 9, switchEvery: 0, cliContext: 200000, rate: 1500 });
    const c = await connected(s.url);
    await c.waitCount(2500, 5000);
    s.setRate(0);
    await sleep(50);
    const bySource = new Map();
    for (const f of c.frames) {
      if (f.type === 'metric_updated') {
        assert.ok(Math.abs(f.cumulative_percentage - (f.cumulative_tokens / 262144) * 100) < 1e-9, 'the session model window');
      } else if (f.type === 'log_metric') {
        const m = f.metrics;
        assert.ok(Math.abs(m.percentage - (m.total_tokens / m.max_context) * 100) < 1e-9, 'percentage of its own max_context');
        if (!bySource.has(f.source)) bySource.set(f.source, new Set());
        bySource.get(f.source).add(m.max_context);
        if (f.source === 'continue_compile_chat') assert.equal(m.context_length, 131072);
        if (f.source === 'kimi_global') assert.equal(m.context_length, 200000);
      }
    }
    assert.deepEqual([...bySource.get('continue_compile_chat')], [131072], "CompileChat: the IDE's contextLength");
    assert.deepEqual([...bySource.get('continue_logs')], [131072], 'Continue token lines: the IDE window');
    assert.deepEqual([...bySource.get('kimi_session_usage')], [200000], "Kimi CLI usage: the CLI's window");
    assert.ok(c.frames.some((f) => f.type === 'log_metric' && f.metrics.percentage > 0 && f.source === 'kimi_session_usage'));
  });

  test('legacy types only when asked', async () => {
    const plain = await sim({ seed: 4, rate: 2000 });
    const legacy = await sim({ seed: 4, rate: 2000, legacy: true });
    const a = await connected(plain.url);
    const b = await connected(legacy.url);
    await a.waitCount(1500);
    await b.waitCount(1500);
    plain.setRate(0);
    legacy.setRate(0);
    assert.equal(a.frames.filter((f) => f.type === 'metric' || f.type === 'memory_metrics_update').length, 0);
    const legacyFrames = b.frames.filter((f) => f.type === 'metric' || f.type === 'memory_metrics_update');
    assert.ok(legacyFrames.length > 100);
    assert.deepEqual(
      walk(b.frames).misbooked.filter((x) => BOOKED.has(x.frame.type)),
      [],
    );
    let active = null;
    for (const f of b.frames) {
      if (f.type === 'init' || CHANGES.has(f.type)) active = f.type === 'session_activated' ? f.session_id : f.session.id;
      else if (f.type === 'metric' || f.type === 'memory_metrics_update') assert.equal(f.session_id, active, 'legacy frames too go to the active session');
    }
  });
});

describe('HTTP session routes (PROTOCOL §14)', () => {
  test('shapes, key order and values of every answer, against the fixtures', async () => {
    const s = await sim({ seed: 3, switchEvery: 0 });
    s.recordRequest({ model: 'kimi-for-coding', tokens: 118000, completion: 700 }); // auto-creates session 3, active
    s.recordRequest({ tokens: 120000, completion: 900 });
    s.recordRequest({ tokens: 121500, live: false });
    s.createSession({ via: 'http', name: 'Vide' }); // session 4: no metrics, active
    s.setActive(3);

    const list = await api(s, '/api/sessions');
    assert.equal(list.status, 200);
    assert.equal(list.headers.get('content-type'), 'application/json');
    assert.deepEqual(
      list.body.map((r) => r.id),
      [4, 3, 2, 1],
      'ORDER BY created_at DESC',
    );
    for (const row of list.body) {
      assert.deepEqual(Object.keys(row), SESSION_KEYS);
      assert.match(row.created_at, SQLITE_UTC);
    }
    assert.deepEqual(
      list.body.map((r) => r.is_active),
      [0, 1, 0, 0],
    );
    assert.ok(!list.text.includes(': ') && list.text.includes('Session par défaut'), 'compact, raw UTF-8');

    const active = await api(s, '/api/sessions/active');
    const one = await api(s, '/api/sessions/3');
    assert.equal(active.text, one.text, '/active answers as /{active id}');
    const a = one.body;
    assert.deepEqual(Object.keys(a), ['session', 'provider', 'memory', 'stats', 'recent_metrics']);
    assert.deepEqual(Object.keys(a.session), [...SESSION_KEYS, 'max_context']);
    assert.equal(a.session.max_context, 262144);
    assert.deepEqual(a.provider, {
      key: 'managed:kimi-code',
      name: '🌙 Kimi Code',
      info: { type: 'kimi', base_url: 'https://api.kimi.com/coding/v1' },
      color: 'purple',
      icon: 'bot',
    });
    assert.deepEqual(Object.keys(a.stats), STATS_KEYS);
    // Input: prompt_tokens when known, else the estimate; output: completion_tokens (database.py).
    const input = 117300 + 119100 + 121500;
    assert.deepEqual(a.stats, {
      total_requests: 3,
      max_tokens: 121500,
      avg_tokens: (118000 + 120000 + 121500) / 3,
      current_input_tokens: input,
      current_output_tokens: 1600,
      current_total_tokens: input + 1600,
      cumulative_input_tokens: input,
      cumulative_output_tokens: 1600,
      cumulative_total_tokens: input + 1600,
    });
    const even = await sim({ sessions: [1], history: 0, autoSession: false });
    even.recordRequest({ tokens: 1000 });
    even.recordRequest({ tokens: 3000 });
    assert.match((await api(even, '/api/sessions/1')).text, /"max_tokens":3000,"avg_tokens":2000\.0,/, 'AVG() is a float, MAX() an integer');
    assert.deepEqual(
      a.recent_metrics.map((r) => r.is_estimated),
      [1, 0, 0],
      'newest first',
    );
    for (const r of a.recent_metrics) {
      assert.deepEqual(Object.keys(r), METRIC_KEYS);
      assert.match(r.timestamp, SQLITE_UTC);
      assert.equal(r.session_id, 3);
    }

    const inactive = (await api(s, '/api/sessions/2')).body;
    assert.deepEqual(Object.keys(inactive.provider), ['key', 'name', 'color', 'icon'], 'no provider.info for an inactive session');
    assert.deepEqual(inactive.provider, { key: 'nvidia', name: '🟢 NVIDIA', color: 'green', icon: 'gpu' });
    assert.equal(inactive.session.is_active, 0);
    assert.equal(inactive.recent_metrics.length, 12, 'history of a session that is not active');
    const ids = inactive.recent_metrics.map((r) => r.id);
    assert.deepEqual(
      ids,
      [...ids].sort((x, y) => y - x),
      'newest first',
    );
    assert.deepEqual(inactive.memory, { memory_tokens: 0, chat_tokens: 0, memory_ratio: 0 });

    const empty = (await api(s, '/api/sessions/4')).body;
    assert.equal(empty.session.model, null);
    assert.deepEqual(empty.stats, {
      total_requests: 0,
      max_tokens: null,
      avg_tokens: null,
      current_input_tokens: 0,
      current_output_tokens: 0,
      current_total_tokens: 0,
      cumulative_input_tokens: 0,
      cumulative_output_tokens: 0,
      cumulative_total_tokens: 0,
    });
    assert.deepEqual(empty.recent_metrics, []);

    // init carries the same session, stats and rows (minus max_context), the fixture's shape.
    const c = await connected(s.url);
    const init = await c.waitFor((f) => f.type === 'init');
    assert.deepEqual(Object.keys(init), Object.keys(FIXTURE_INIT));
    assert.deepEqual(init.session, Object.fromEntries(Object.entries(a.session).filter(([k]) => k !== 'max_context')));
    assert.deepEqual(init.stats, a.stats);
    assert.deepEqual(init.recent_metrics, a.recent_metrics);
  });

  test('recent_metrics: at most 50, newest first, and it follows every booked request', async () => {
    const s = await sim({ switchEvery: 0, autoSession: false });
    const booked = [];
    for (let i = 0; i < 70; i++) booked.push(s.recordRequest({ tokens: 1000 + i * 10, live: i % 7 !== 3 }).metricId);
    const { body } = await api(s, '/api/sessions/1');
    assert.equal(body.stats.total_requests, 12 + 70);
    assert.deepEqual(
      body.recent_metrics.map((r) => r.id),
      booked.slice(-50).reverse(),
    );
  });

  test('unknown id, no active session, bad ids and paths', async () => {
    const s = await sim({ activeSession: null });
    assert.deepEqual(await api(s, '/api/sessions/999').then((r) => [r.status, r.text]), [200, '{"error":"Session 999 introuvable"}']);
    assert.deepEqual(await api(s, '/api/sessions/-4').then((r) => [r.status, r.text]), [200, '{"error":"Session -4 introuvable"}']);
    assert.deepEqual(await api(s, '/api/sessions/active').then((r) => [r.status, r.text]), [200, '{"error":"Aucune session active"}']);
    const bad = await api(s, '/api/sessions/abc');
    assert.equal(bad.status, 422);
    assert.equal(bad.body.detail[0].loc[1], 'session_id');
    assert.deepEqual(await api(s, '/api/nope').then((r) => [r.status, r.text]), [404, '{"detail":"Not Found"}']);
    assert.deepEqual(await api(s, '/api/sessions/1/nope').then((r) => [r.status, r.body]), [404, { detail: 'Not Found' }]);
    assert.deepEqual(await api(s, '/api/sessions/1', { method: 'POST' }).then((r) => [r.status, r.body]), [405, { detail: 'Method Not Allowed' }]);
    assert.equal((await api(s, '/ws')).status, 426);
  });

  test('CORS: Access-Control-Allow-Origin * on answers, preflights answered', async () => {
    const s = await sim();
    for (const path of ['/api/sessions', '/api/sessions/active', '/api/sessions/1', '/api/sessions/999', '/api/nope', '/api/sessions/x']) {
      const r = await api(s, path, { headers: { origin: 'http://page.example' } });
      assert.equal(r.headers.get('access-control-allow-origin'), '*', path);
    }
    const pre = await api(s, '/api/sessions/1', {
      method: 'OPTIONS',
      headers: {
        origin: 'http://page.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': 'x-custom, content-type',
      },
    });
    assert.equal(pre.status, 200);
    assert.equal(pre.text, 'OK');
    assert.equal(pre.headers.get('access-control-allow-origin'), 'http://page.example', 'Starlette echoes the origin when credentials are allowed');
    assert.match(pre.headers.get('access-control-allow-methods'), /\bGET\b.*\bPOST\b/);
    assert.equal(pre.headers.get('access-control-allow-headers'), 'x-custom, content-type');
  });

  test('the mutating routes behave like the server and broadcast the same frames', async () => {
    const s = await sim({ switchEvery: 0 });
    const c = await connected(s.url);
    await c.waitFor((f) => f.type === 'init');
    const json = (method, body) => ({ method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const created = await api(s, '/api/sessions', json('POST', { name: 'Depuis HTTP' }));
    assert.equal(created.body.id, 3);
    assert.equal(created.body.max_context, 262144);
    assert.deepEqual((await c.waitFor((f) => f.type === 'new_session')).session, created.body);
    assert.deepEqual((await api(s, '/api/sessions/3/activate', { method: 'POST' })).body, { message: 'Session déjà active', session_id: 3 });
    const act = await api(s, '/api/sessions/2/activate', { method: 'POST' });
    assert.equal(act.body.message, 'Session activée');
    assert.equal((await c.waitFor((f) => f.type === 'session_activated')).session_id, 2);
    assert.deepEqual((await api(s, '/api/sessions', json('DELETE', { session_ids: [2, 3] }))).body, { error: 'Impossible de supprimer une session active' });
    assert.deepEqual((await api(s, '/api/sessions', json('DELETE', { session_ids: [] }))).body, { error: 'Aucun ID de session fourni' });
    assert.deepEqual((await api(s, '/api/sessions', json('DELETE', { session_ids: [3] }))).body, { success: true, deleted_count: 1, failed_ids: [] });
    assert.deepEqual(await c.waitFor((f) => f.type === 'sessions_bulk_deleted'), { type: 'sessions_bulk_deleted', session_ids: [3], deleted_count: 1 });
    assert.deepEqual((await api(s, '/api/sessions', json('DELETE', { session_ids: [1, 77] }))).body, { error: 'Échec suppression sessions: [77]' });
    assert.equal(s.store.has(1), false, 'earlier ids stay deleted');
    assert.equal(c.frames.filter((f) => f.type === 'sessions_bulk_deleted').length, 1, 'nothing broadcast when one failed');
    assert.deepEqual((await api(s, '/api/sessions/toggle-auto', json('POST', { enabled: 'false' }))).body, { enabled: 'false', session_id: 2 });
    assert.deepEqual(await c.waitFor((f) => f.type === 'auto_session_toggled'), { type: 'auto_session_toggled', session_id: 2, enabled: 'false' });
    assert.deepEqual((await api(s, '/api/sessions/auto-status')).body, { enabled: 'false', session_id: 2 });
    // Activating an unknown id leaves no session active; new clients get no init.
    assert.deepEqual((await api(s, '/api/sessions/50/activate', { method: 'POST' })).body, { error: 'Session non trouvée', session_id: 50 });
    assert.equal(s.active, null);
    assert.deepEqual((await api(s, '/api/sessions/active')).body, { error: 'Aucune session active' });
    assert.equal((await api(s, '/api/sessions', { method: 'POST', body: '{nope' })).status, 500);
  });
});

describe('server clock (--tz)', () => {
  test("naive ISO timestamps are the zone's wall time; SQLite rows stay UTC", async () => {
    const paris = await sim({ tz: 'Europe/Paris', activeSession: 2, switchEvery: 0 });
    const utc = await sim({ tz: 'UTC', activeSession: 2, switchEvery: 0 });
    const kolkata = await sim({ tz: 'Asia/Kolkata', activeSession: 2, switchEvery: 0 });
    const stamps = {};
    for (const [name, s] of Object.entries({ paris, utc, kolkata })) {
      const c = await connected(s.url);
      await c.waitFor((f) => f.type === 'init');
      const t0 = Date.now();
      const log = s.emitLog({ source: 'continue_compile_chat', toolsTokens: 9000, systemTokens: 3000, totalTokens: 12000, contextLength: 131072 });
      s.recordRequest({ tokens: 50000, streamError: 'read_error' });
      const err = await c.waitFor((f) => f.type === 'streaming_error');
      assert.match(log.timestamp, NAIVE_ISO);
      assert.match(err.timestamp, NAIVE_ISO);
      const row = (await api(s, '/api/sessions/2')).body.recent_metrics[0];
      stamps[name] = { log: naiveMs(log.timestamp) - t0, row: naiveMs(row.timestamp) - t0, created: (await api(s, '/api/sessions')).body[0].created_at };
      assert.equal(s.status().tz, s.tz);
    }
    const close = (ms, minutes) => Math.abs(ms - minutes * 60_000) < 3000;
    assert.ok(close(stamps.utc.log, 0), `UTC log time ${stamps.utc.log}`);
    assert.ok(close(stamps.paris.log, offsetMinutes('Europe/Paris')), `Paris is ${offsetMinutes('Europe/Paris')} min ahead (${stamps.paris.log})`);
    assert.ok(close(stamps.kolkata.log, 330), `Kolkata is 5:30 ahead (${stamps.kolkata.log})`);
    for (const name of ['paris', 'utc', 'kolkata']) assert.ok(close(stamps[name].row, 0), `${name}: metric rows are UTC`);
    assert.equal(stamps.paris.created, stamps.utc.created, 'session rows are UTC (same seeded instants)');
  });

  test('zone offsets from Intl: summer and winter time, half hours, the process zone by default', () => {
    const summer = Date.UTC(2026, 6, 1, 12, 0, 0, 250);
    const winter = Date.UTC(2026, 0, 15, 23, 30, 0);
    assert.equal(localIso(summer, undefined, 'Europe/Paris'), '2026-07-01T14:00:00.250000');
    assert.equal(localIso(winter, 0, 'Europe/Paris'), '2026-01-16T00:30:00');
    assert.equal(localIso(winter, 0, 'America/New_York'), '2026-01-15T18:30:00');
    assert.equal(localIso(summer, 0, 'Asia/Kolkata'), '2026-07-01T17:30:00');
    assert.equal(localIso(summer, 0, 'UTC'), '2026-07-01T12:00:00');
    assert.equal(zoneOffsetMs(summer, 'America/New_York'), -4 * 3600_000);
    assert.equal(zoneOffsetMs(summer), -new Date(summer).getTimezoneOffset() * 60_000);
    // The night Paris leaves summer time: 02:59:59 CEST then 02:00:00 CET.
    const fallBack = Date.UTC(2026, 9, 25, 1, 0, 0);
    assert.equal(localIso(fallBack - 1000, 0, 'Europe/Paris'), '2026-10-25T02:59:59');
    assert.equal(localIso(fallBack, 0, 'Europe/Paris'), '2026-10-25T02:00:00');
    assert.throws(() => new KimiSimulator({ tz: 'Mars/Olympus' }), RangeError);
    assert.throws(() => new KimiSimulator({ tz: '' }), TypeError);
  });

  test('the command line takes --tz and the hub commands use that clock', async () => {
    const child = spawn(process.execPath, ['simulator/cli.mjs', '--port', '0', '--control-port', '0', '--rate', '0', '--tz', 'Asia/Kolkata'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = await waitForOutput(child, /^.*\n/, { ms: 20_000, what: 'simulator/cli.mjs' });
      assert.match(line, /clock Asia\/Kolkata/);
      const control = /control (http:\/\/\S+?)\)/.exec(line)[1];
      const t0 = Date.now();
      const r = await fetch(`${control}/sim/main/log`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"source":"kimi_session_usage","totalTokens":4000}',
      });
      const { frame } = await r.json();
      assert.equal(frame.session_id, 1);
      assert.ok(Math.abs(naiveMs(frame.timestamp) - t0 - 330 * 60_000) < 3000, frame.timestamp);
      const bad = spawnSync(process.execPath, ['simulator/cli.mjs', '--tz', 'Nowhere/Town'], { encoding: 'utf8' });
      assert.equal(bad.status, 2);
      assert.match(bad.stderr, /--tz: unknown time zone "Nowhere\/Town"/);
    } finally {
      await stopChild(child);
    }
  });
});

describe('database across restarts and the session levers', () => {
  test('a restart keeps sessions and metrics, forgets the auto-session switches; init only with an active session', async () => {
    const s = await sim({ switchEvery: 0 });
    s.recordRequest({ model: 'kimi-for-coding', tokens: 30000 });
    assert.equal(s.active, 3);
    s.setAutoSession(false);
    assert.equal(s.store.autoSessionEnabled(3), false);
    const before = (await api(s, '/api/sessions/3')).text;
    const listBefore = (await api(s, '/api/sessions')).text;
    await s.restart({ downMs: 50 });
    assert.equal((await api(s, '/api/sessions')).text, listBefore);
    const after = (await api(s, '/api/sessions/3')).body;
    assert.deepEqual(after, JSON.parse(before));
    assert.equal(s.store.autoSessionEnabled(3), true, 'a restart turns auto-session back on');
    const c = await connected(s.url);
    const init = await c.waitFor((f) => f.type === 'init');
    assert.equal(init.session.id, 3);
    assert.deepEqual(init.recent_metrics, after.recent_metrics);
    s.setActive(null);
    await s.restart({ downMs: 10 });
    const d = await connected(s.url);
    await sleep(150);
    assert.equal(d.frames.length, 0, 'no init when no session is active');
  });

  test('requests: booked to the active session, with or without a live frame, auto-session by model', async () => {
    const s = await sim({ switchEvery: 0 });
    const c = await connected(s.url);
    await c.waitFor((f) => f.type === 'init');
    const quiet = s.recordRequest({ tokens: 40000, live: false });
    assert.deepEqual({ ...quiet, metricId: typeof quiet.metricId }, { sessionId: 1, metricId: 'number', autoCreated: null, frames: [] });
    const live = s.recordRequest({ tokens: 50000, completion: 1000, streamError: 'timeout_error' });
    assert.deepEqual(
      live.frames.map((f) => f.type),
      ['metric_updated', 'streaming_error'],
    );
    assert.equal(live.frames[0].metric_id, live.metricId);
    assert.equal(live.metricId, quiet.metricId + 1);
    assert.deepEqual(live.frames[0].real_tokens, { total: 50000, prompt: 49000, completion: 1000, percentage: (50000 / 262144) * 100 });
    assert.equal(live.frames[1].error_message, 'Timeout lors de la lecture du stream');
    const auto = s.recordRequest({ model: 'kimi-for-coding', tokens: 2000 });
    assert.equal(auto.autoCreated, 3);
    assert.deepEqual(
      auto.frames.map((f) => f.type),
      ['auto_session_created', 'metric_updated'],
    );
    assert.equal(auto.frames[1].session_id, 3);
    const same = s.recordRequest({ model: 'kimi-for-coding' });
    assert.equal(same.autoCreated, null, 'same model: same session');
    await c.waitFor((f) => f.type === 'metric_updated' && f.metric_id === same.metricId);
    assert.deepEqual(walk(c.frames).misbooked, []);
    s.setActive(null);
    assert.deepEqual(s.recordRequest({ tokens: 10 }), { sessionId: null, metricId: null, autoCreated: null, frames: [] }, 'no session, no model: not booked');
    assert.equal(s.recordRequest({ model: 'nvidia/kimi-k2.5' }).autoCreated, 4, 'no session and a model: auto-created (no switch to check)');
    assert.throws(() => s.recordRequest({ tokens: -1 }), RangeError);
    assert.throws(() => s.recordRequest({ streamError: 'nope' }), TypeError);
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
    const tok = `kimi-token.${Buffer.from('tok123').toString('base64url')}`;
    const a = await connected(s.url, ['kimi', tok]);
    assert.equal(a.ws.protocol, 'kimi');
    const b = await connected(s.url, [tok]);
    assert.equal(b.ws.protocol, tok);
    assert.deepEqual(s.lastHandshake.protocols, [tok]);
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
          method,
          headers: body === undefined ? {} : { 'content-type': 'application/json' },
          body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
        });
        return { status: r.status, headers: r.headers, body: await r.json() };
      };
      const pre = await fetch(`${hub.controlUrl}/sim/main/push`, {
        method: 'OPTIONS',
        headers: { origin: 'http://example.test', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
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

describe('switching through the list', () => {
  test('switchSession walks every session by id even when activating a model-less one auto-creates another', async () => {
    const s = await sim({ switchEvery: 0 });
    s.recordRequest({ model: 'kimi-for-coding' }); // 1 has no model: auto-session 3
    const visited = [];
    for (let i = 0; i < 6; i++) {
      visited.push(s.switchSession().active);
      s.recordRequest({ model: s.store.activeSession.row.model ?? 'kimi-for-coding' });
    }
    // 3 → 1 (its request auto-creates 4) → 2 → 3 → 4 → 1 (auto-creates 5) → 2: session 2 comes up.
    assert.deepEqual(visited, [1, 2, 3, 4, 1, 2]);
    assert.deepEqual(s.store.ids().sort(), [1, 2, 3, 4, 5]);
    s.setActive(null);
    assert.equal(s.switchSession().changed, true);
  });
});

describe("control hub: levers for the element's hardening tests", () => {
  test('push with expand builds megabyte frames on the server; hold leaves new handshakes unanswered', async () => {
    const hub = await startHub({ port: 0, controlPort: 0 });
    try {
      const post = async (path, body) => {
        const r = await fetch(hub.controlUrl + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: r.status, body: await r.json() };
      };
      const { id, url } = (await post('/sim', { activeSession: null })).body;
      const c = await connected(url);
      const expand = { marker: '@@BIG@@', text: 'ab', times: 3 };
      assert.equal((await post(`/sim/${id}/push`, { frames: ['{"t":"@@BIG@@","u":"@@BIG@@"}', { type: '@@BIG@@' }], expand })).body.sent, 2);
      await c.waitCount(2);
      assert.deepEqual(c.texts, ['{"t":"ababab","u":"ababab"}', '{"type":"@@BIG@@"}'], 'text frames only');
      const mb = await post(`/sim/${id}/push`, { frames: ['"@@BIG@@"'], expand: { marker: '@@BIG@@', text: 'W', times: 10 << 20 } });
      assert.equal(mb.body.sent, 1);
      await c.waitCount(3);
      assert.equal(c.texts[2].length, (10 << 20) + 2);
      assert.equal((await post(`/sim/${id}/push`, { frames: ['x'], expand: { marker: 'x', text: 'W', times: 1 } })).status, 400);
      assert.equal((await post(`/sim/${id}/push`, { frames: ['x'], expand: { marker: '@@BIG@@', text: 'W', times: 65 << 20 } })).status, 400);

      assert.deepEqual((await post(`/sim/${id}/hold`, { on: true })).body, { holding: true });
      const held = client(url);
      const outcome = await Promise.race([
        held.opened.then(
          () => 'opened',
          () => 'failed',
        ),
        sleep(300).then(() => 'waiting'),
      ]);
      assert.equal(outcome, 'waiting', 'the handshake gets no answer');
      assert.equal((await (await fetch(`${hub.controlUrl}/sim/${id}`)).json()).heldHandshakes, 1);
      await post(`/sim/${id}/hold`, { on: false });
      assert.equal(
        await held.opened.then(
          () => 'opened',
          () => 'failed',
        ),
        'failed',
        'released: dropped',
      );
      await connected(url);
    } finally {
      await hub.close();
    }
  });
});

describe('control hub: session commands', () => {
  test('switch, session, delete, request, log, auto-session, sessions read-back', async () => {
    const hub = await startHub({ port: 0, controlPort: 0, rate: 0, switchEvery: 0 });
    try {
      const cmd = async (path, body) => {
        const r = await fetch(
          `${hub.controlUrl}/sim/main/${path}`,
          body === undefined
            ? {}
            : {
                method: 'POST',
                headers: { 'content-type': 'application/json' },
                body: JSON.stringify(body),
              },
        );
        return { status: r.status, body: await r.json() };
      };
      const c = await connected(hub.main.url);
      await c.waitFor((f) => f.type === 'init');
      const read = (await cmd('sessions')).body;
      assert.equal(read.active, 1);
      assert.deepEqual(
        read.sessions.map((x) => [x.id, x.is_active, x.max_context, x.auto_session, x.total_requests]),
        [
          [2, 0, 262144, true, 12],
          [1, 1, 262144, true, 12],
        ],
      );

      assert.deepEqual((await cmd('switch', {})).body, { changed: true, active: 2 });
      assert.equal((await c.waitFor((f) => f.type === 'session_activated')).session_id, 2);
      const made = (await cmd('session', { via: 'http', name: 'Nouvelle', maxContext: 131072 })).body;
      assert.equal(made.active, 3);
      assert.deepEqual([made.session.name, made.session.model, made.session.max_context], ['Nouvelle', null, 131072]);
      assert.equal((await c.waitFor((f) => f.type === 'new_session')).session.max_context, 131072);
      const auto = (await cmd('session', { via: 'auto', model: 'nvidia/kimi-k2.5', provider: 'nvidia' })).body;
      assert.equal(auto.active, 4);
      assert.match(auto.session.name, /^Session Nvidia \d\d:\d\d:\d\d$/);
      const created = await c.waitFor((f) => f.type === 'auto_session_created');
      assert.deepEqual([created.provider, created.model, created.session.id], ['nvidia', 'nvidia/kimi-k2.5', 4]);

      const booked = (await cmd('request', { tokens: 200000, completion: 1200 })).body;
      assert.deepEqual([booked.sessionId, booked.frames[0].type, booked.frames[0].alert], [4, 'metric_updated', null]);
      const quiet = (await cmd('request', { tokens: 250000, live: false })).body;
      assert.deepEqual([quiet.sessionId, quiet.metricId, quiet.frames], [4, booked.metricId + 1, []]);
      const log = (await cmd('log', { source: 'continue_compile_chat', toolsTokens: 10000, systemTokens: 3000, totalTokens: 13000, contextLength: 131072 }))
        .body.frame;
      assert.deepEqual([log.session_id, log.metrics.max_context, log.source_family], [4, 131072, 'continue_compile']);
      const next = (await cmd('log', { source: 'kimi_session_usage', totalTokens: 26214 })).body.frame;
      assert.equal(next.metrics.max_context, 131072, 'the watcher labels with the last context any log gave');

      assert.deepEqual((await cmd('auto-session', { enabled: false })).body, { enabled: false, session_id: 4 });
      assert.equal((await cmd('auto-session', {})).status, 400);
      assert.equal((await cmd('delete', { sessionIds: [4] })).status, 409, 'the active session cannot be deleted');
      assert.deepEqual((await cmd('delete', { sessionIds: [1, 3] })).body, { success: true, deleted_count: 2, failed_ids: [] });
      assert.deepEqual(await c.waitFor((f) => f.type === 'sessions_bulk_deleted'), { type: 'sessions_bulk_deleted', session_ids: [1, 3], deleted_count: 2 });
      assert.equal((await cmd('delete', { sessionIds: [99] })).status, 409);
      assert.deepEqual(
        (await cmd('sessions')).body.sessions.map((x) => [x.id, x.auto_session, x.total_requests, x.last_metric_id]),
        [
          [4, false, 2, quiet.metricId],
          [2, true, 12, (await cmd('sessions')).body.sessions[1].last_metric_id],
        ],
      );
      assert.equal((await cmd('active', { sessionId: 77 })).body.active, null, 'unknown id: none active');
      assert.deepEqual((await cmd('request', { tokens: 5 })).body.sessionId, null);
      assert.equal((await cmd('log', {})).body.frame, null, 'no log frame without an active session');
      assert.equal((await cmd('session', { via: 'fax' })).status, 400);
      assert.equal((await cmd('request', { live: 'no' })).status, 400);
      assert.deepEqual(walk(c.frames).misbooked, []);
    } finally {
      await hub.close();
    }
  });
});

/**
 * A WebSocket client on a bare TCP socket, so the handshake answer and the server's frames are seen
 * exactly as they are on the wire (RSV1, compressed payloads, byte counts).
 * @param {string} url  @param {string|null} offer the Sec-WebSocket-Extensions header sent, null for none
 */
function rawClient(url, offer) {
  const { hostname, port, pathname } = new URL(url);
  const socket = tcpConnect(Number(port), hostname);
  const c = { socket, head: null, headBytes: 0, frames: [], listeners: new Set() };
  let buf = Buffer.alloc(0);
  socket.on('error', () => {});
  socket.on('connect', () => {
    socket.write(
      [
        `GET ${pathname} HTTP/1.1`,
        `Host: ${hostname}:${port}`,
        'Upgrade: websocket',
        'Connection: Upgrade',
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13',
        ...(offer === null ? [] : [`Sec-WebSocket-Extensions: ${offer}`]),
        '',
        '',
      ].join('\r\n'),
    );
  });
  socket.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    if (!c.head) {
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      const [status, ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
      c.head = { status, headers: Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()])) };
      c.headBytes = end + 4;
      buf = buf.subarray(end + 4);
    }
    for (;;) {
      if (buf.length < 2) break;
      let len = buf[1] & 0x7f;
      let off = 2;
      if (len === 126) {
        if (buf.length < 4) break;
        len = buf.readUInt16BE(2);
        off = 4;
      } else if (len === 127) {
        if (buf.length < 10) break;
        len = Number(buf.readBigUInt64BE(2));
        off = 10;
      }
      if (buf.length < off + len) break;
      c.frames.push({ rsv1: (buf[0] & 0x40) !== 0, opcode: buf[0] & 0x0f, fin: (buf[0] & 0x80) !== 0, payload: buf.subarray(off, off + len), wire: off + len });
      buf = buf.subarray(off + len);
    }
    for (const l of c.listeners) l();
  });
  c.until = (pred, ms = 3000, what = 'condition') =>
    new Promise((resolve, reject) => {
      const check = () => {
        if (pred()) {
          c.listeners.delete(check);
          clearTimeout(timer);
          resolve(undefined);
        }
      };
      const timer = setTimeout(() => {
        c.listeners.delete(check);
        reject(new Error(`timeout waiting for ${what} (${c.frames.length} frames)`));
      }, ms);
      c.listeners.add(check);
      check();
    });
  return c;
}

/** Decodes permessage-deflate payloads of one connection in order (context takeover: one inflate stream). */
function inflater() {
  const inflate = zlib.createInflateRaw({ windowBits: 15 });
  return (payload) =>
    new Promise((resolve, reject) => {
      const out = [];
      const onData = (d) => out.push(d);
      inflate.on('data', onData);
      inflate.write(Buffer.concat([payload, Buffer.from([0x00, 0x00, 0xff, 0xff])]));
      inflate.flush(zlib.constants.Z_SYNC_FLUSH, (err) => {
        inflate.off('data', onData);
        if (err) reject(err);
        else resolve(Buffer.concat(out).toString('utf8'));
      });
    });
}

/** The extension parameters of a Sec-WebSocket-Extensions value, e.g. "permessage-deflate; a; b=1". */
const extensionParams = (value) =>
  value
    .split(';')
    .map((p) => p.trim())
    .filter(Boolean);

describe('permessage-deflate (option deflate, on by default like uvicorn)', () => {
  test("answers Chromium's and Firefox's offers as uvicorn's websockets does: the bare extension", async () => {
    const s = await sim({ activeSession: null }); // no init: the first frame is the pushed one
    assert.equal(s.deflate, true);
    for (const [offer, answer] of [
      ['permessage-deflate; client_max_window_bits', 'permessage-deflate'], // Chromium
      ['permessage-deflate', 'permessage-deflate'], // Firefox
    ]) {
      const c = rawClient(s.url, offer);
      await c.until(() => c.head !== null, 3000, 'handshake');
      assert.match(c.head.status, /^HTTP\/1\.1 101 /);
      assert.equal(c.head.headers['sec-websocket-extensions'], answer, offer);
      c.socket.destroy();
    }
    // Parameters a client asks for are granted, as ServerPerMessageDeflateFactory() does with no limits of its own.
    const asked = rawClient(s.url, 'permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12');
    await asked.until(() => asked.head !== null, 3000, 'handshake');
    assert.deepEqual(extensionParams(asked.head.headers['sec-websocket-extensions']), [
      'permessage-deflate',
      'server_no_context_takeover',
      'server_max_window_bits=10',
      'client_max_window_bits=12',
    ]);
    // Then ws, unlike websockets, would leave messages under its 1 KB threshold uncompressed: not here.
    await asked.until(() => asked.frames.length === 0 && s.clientCount === 1, 3000, 'connection');
    s.push('{"type":"x"}');
    await asked.until(() => asked.frames.length === 1, 3000, 'a frame');
    assert.equal(asked.frames[0].rsv1, true, 'compressed without context takeover too');
    assert.equal(
      zlib.inflateRawSync(Buffer.concat([asked.frames[0].payload, Buffer.from([0, 0, 0xff, 0xff])]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString(),
      '{"type":"x"}',
    );
    asked.socket.destroy();
    const none = rawClient(s.url, null);
    await none.until(() => none.head !== null, 3000, 'handshake');
    assert.equal(none.head.headers['sec-websocket-extensions'], undefined, 'nothing offered, nothing answered');
    none.socket.destroy();
  });

  test('every frame is compressed, even a 12-byte one, with the context kept from message to message', async () => {
    const s = await sim({ activeSession: 1 });
    const c = rawClient(s.url, 'permessage-deflate; client_max_window_bits');
    await c.until(() => c.frames.length === 1, 3000, 'init');
    const tiny = '{"type":"x"}';
    const metric = JSON.stringify(s.recordRequest({ tokens: 120_000 }).frames[0]);
    s.push([tiny, metric]);
    await c.until(() => c.frames.length === 4, 3000, 'four frames');
    const decode = inflater();
    const texts = [];
    for (const f of c.frames) {
      assert.deepEqual([f.opcode, f.fin, f.rsv1], [1, true, true], 'a final text frame with RSV1 set (compressed)');
      texts.push(await decode(f.payload));
    }
    assert.equal(JSON.parse(texts[0]).type, 'init');
    assert.equal(texts[2], tiny);
    assert.deepEqual(JSON.parse(texts[1]), JSON.parse(metric), 'the booked frame as sent');
    assert.equal(texts[3], metric, 'a pushed string goes out verbatim');
    assert.ok(
      c.frames[3].payload.length < c.frames[1].payload.length / 2,
      `the same text again costs a back-reference (${c.frames[3].payload.length} B after ${c.frames[1].payload.length} B): context takeover is on`,
    );
    c.socket.destroy();
  });

  test('deflate: false offers nothing: no extension in the answer, plain text frames', async () => {
    const s = await sim({ activeSession: 1, deflate: false });
    assert.equal(s.deflate, false);
    const c = rawClient(s.url, 'permessage-deflate; client_max_window_bits');
    await c.until(() => c.frames.length === 1, 3000, 'init');
    assert.equal(c.head.headers['sec-websocket-extensions'], undefined);
    assert.equal(c.frames[0].rsv1, false);
    assert.equal(JSON.parse(c.frames[0].payload.toString('utf8')).type, 'init');
    c.socket.destroy();
    assert.throws(() => new KimiSimulator({ deflate: 'yes' }), TypeError);
    assert.throws(() => new KimiSimulator({ deflate: 1 }), TypeError);
  });

  test('wireBytesOut is what the client read; a realistic stream takes several times fewer bytes compressed', async () => {
    const measured = {};
    for (const deflate of [false, true]) {
      const s = await sim({ deflate });
      const before = s.wireBytesOut;
      const c = rawClient(s.url, 'permessage-deflate; client_max_window_bits');
      await c.until(() => c.frames.length >= 1, 3000, 'init');
      s.setRate(2000);
      await c.until(() => c.frames.length >= 400, 5000, '400 frames');
      s.setRate(0);
      await c.until(
        () => s.wireBytesOut - before === c.socket.bytesRead,
        3000,
        `the server's count (${s.wireBytesOut - before}) to equal the bytes read (${c.socket.bytesRead})`,
      );
      assert.equal(c.socket.bytesRead, c.headBytes + c.frames.reduce((n, f) => n + f.wire, 0), 'nothing but the answer and whole frames');
      const decode = inflater();
      let text = 0;
      for (const f of c.frames) text += Buffer.byteLength(deflate ? await decode(f.payload) : f.payload.toString('utf8'));
      assert.ok(c.frames.every((f) => f.rsv1 === deflate));
      measured[deflate] = { wire: c.socket.bytesRead - c.headBytes, text };
      c.socket.destroy();
      await sleep(20);
      assert.equal(s.wireBytesOut - before, c.socket.bytesRead, 'a closed connection still counts');
    }
    assert.ok(measured.false.wire > measured.false.text && measured.false.wire < measured.false.text * 1.05, JSON.stringify(measured));
    assert.ok(measured.true.wire < measured.true.text / 3, `compressed ${measured.true.wire} B for ${measured.true.text} B of text`);
  });

  test('the command line (--no-deflate) and the control hub (POST /sim {deflate}) set it', async () => {
    const child = spawn(process.execPath, ['simulator/cli.mjs', '--port', '0', '--control-port', '0', '--rate', '0', '--no-deflate'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = await waitForOutput(child, /^.*\n/, { ms: 20_000, what: 'simulator/cli.mjs' });
      assert.match(line, /no permessage-deflate/);
      const control = /control (http:\/\/\S+?)\)/.exec(line)[1];
      const main = await (await fetch(`${control}/sim/main`)).json();
      assert.equal(main.deflate, false);
      const c = rawClient(main.url, 'permessage-deflate');
      await c.until(() => c.head !== null, 3000, 'handshake');
      assert.equal(c.head.headers['sec-websocket-extensions'], undefined);
      c.socket.destroy();
    } finally {
      await stopChild(child);
    }
    const hub = await startHub({ port: 0, controlPort: 0, rate: 0 });
    try {
      const post = async (body) => {
        const r = await fetch(`${hub.controlUrl}/sim`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        return { status: r.status, body: await r.json() };
      };
      assert.equal((await (await fetch(`${hub.controlUrl}/sim/main`)).json()).deflate, true, 'on by default');
      const off = await post({ deflate: false });
      assert.equal((await (await fetch(`${hub.controlUrl}/sim/${off.body.id}`)).json()).deflate, false);
      assert.equal((await post({ deflate: 'no' })).status, 400);
    } finally {
      await hub.close();
    }
  });
});
