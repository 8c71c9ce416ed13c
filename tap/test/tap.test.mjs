// kimi-tap against a fake OpenAI-compatible provider (real sockets, real SQLite file, real WebSocket).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, readdirSync } from 'node:fs';
import http from 'node:http';
import { dirname } from 'node:path';
import { after, describe, test } from 'node:test';
import zlib from 'node:zlib';
import { KimiTap } from '../lib/tap.mjs';
import { FakeProvider } from '../../simulator/provider.mjs';
import { chatBody, dashboard, sha256, startPair, tmpDb } from './helpers.mjs';

const KEY = 'sk-test-DO-NOT-LOG-9f8e7d';
const PROMPT = 'purple-elephant-42';

/** A raw HTTP request; resolves with status, raw headers and body bytes, or `{ aborted: true }` when the connection broke. */
function request(url, { method = 'POST', headers = {}, body } = {}) {
  return new Promise((resolve) => {
    const req = http.request(url, { method, headers, agent: false }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, rawHeaders: res.rawHeaders, body: Buffer.concat(chunks), aborted: false }));
      res.on('error', () => resolve({ status: res.statusCode, aborted: true, body: Buffer.concat(chunks) }));
      res.on('aborted', () => resolve({ status: res.statusCode, aborted: true, body: Buffer.concat(chunks) }));
    });
    req.on('error', (e) => resolve({ aborted: true, error: e }));
    req.end(body);
  });
}

const chat = (base, body, headers = {}) =>
  request(`${base}/v1/chat/completions`, {
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'x-custom-trace': 'abc', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

/** Response headers without the ones each hop sets itself. */
const endToEnd = (raw) => {
  const out = [];
  for (let i = 0; i < raw.length; i += 2)
    if (!['date', 'connection', 'keep-alive', 'transfer-encoding'].includes(raw[i].toLowerCase())) out.push(raw[i], raw[i + 1]);
  return out;
};

describe('pass-through', () => {
  let pair;
  after(() => pair?.stop());

  test('streaming and non-streaming: request and response byte for byte (hashes), headers unchanged but hop-by-hop', async () => {
    pair = await startPair();
    const { fake, tap } = pair;
    for (const body of [chatBody({ stream: true, stream_options: { include_usage: true } }), chatBody(), chatBody({ stream: true })]) {
      const text = JSON.stringify(body);
      const direct = await chat(fake.url, text);
      assert.ok(direct.body.length > 0, `direct answer empty: ${JSON.stringify({ ...direct, body: String(direct.body) })}`);
      const sentDirect = fake.received.findLast((r) => r.method === 'POST');
      const via = await chat(tap.url, text);
      const sentVia = fake.received.findLast((r) => r.method === 'POST');
      assert.equal(via.status, direct.status);
      assert.equal(sha256(via.body), sha256(direct.body), 'response body differs');
      assert.deepEqual(endToEnd(via.rawHeaders), endToEnd(direct.rawHeaders));
      assert.equal(sha256(sentVia.body), sha256(Buffer.from(text)), 'request body differs');
      assert.equal(sha256(sentVia.body), sha256(sentDirect.body));
      assert.equal(sentVia.headers.authorization, `Bearer ${KEY}`);
      assert.equal(sentVia.headers['x-custom-trace'], 'abc');
      assert.equal(sentVia.headers.host, new URL(fake.url).host);
    }
  });

  test('paths it does not understand are forwarded too, any method, query kept', async () => {
    const { fake, tap } = pair;
    const bytes = Buffer.from(Array.from({ length: 70_000 }, (_, i) => i % 251));
    const r = await request(`${tap.url}/echo?x=1&y=%20z`, { headers: { 'content-type': 'application/octet-stream' }, body: bytes });
    assert.equal(r.status, 200);
    assert.equal(sha256(r.body), sha256(bytes));
    assert.equal(fake.received.at(-1).url, '/echo?x=1&y=%20z');
    const models = await request(`${tap.url}/v1/models`, { method: 'GET' });
    assert.equal(JSON.parse(String(models.body)).object, 'list');
    const missing = await request(`${tap.url}/nope`, { method: 'GET' });
    assert.equal(missing.status, 404);
  });

  test('a compressed answer reaches the client still compressed; the tap reads usage from a decoded copy', async () => {
    const { tap } = pair;
    const d = await dashboard(tap.url);
    const r = await chat(tap.url, chatBody(), { 'x-fake-provider': 'gzip' });
    assert.equal(r.headers['content-encoding'], 'gzip');
    const answer = JSON.parse(String(zlib.gunzipSync(r.body)));
    const m = await d.next(
      (f) => f.type === 'metric_updated' && f.metric_id > 0 && f.estimated === false && f.real_tokens.prompt === answer.usage.prompt_tokens,
    );
    assert.equal(m.real_tokens.completion, answer.usage.completion_tokens);
    const s = await chat(tap.url, chatBody({ stream: true, stream_options: { include_usage: true } }), { 'x-fake-provider': 'gzip' });
    assert.equal(s.headers['content-encoding'], 'gzip');
    assert.match(String(zlib.gunzipSync(s.body)), /data: \[DONE\]/);
    await d.next((f) => f.type === 'metric_updated' && f.stream === true && f.estimated === false);
    d.close();
  });
});

describe('observation and the dashboard protocol', () => {
  let pair;
  after(() => pair?.stop());

  test('a stream with usage: the session is announced first, then metric_updated with the provider usage and the §17.1 facts', async () => {
    pair = await startPair();
    const d = await dashboard(pair.tap.url);
    const body = chatBody({ stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'x'.repeat(6000) }] });
    const r = await chat(pair.tap.url, body);
    assert.equal(r.status, 200);
    const m = await d.next((f) => f.type === 'metric_updated');
    const created = d.frames.findIndex((f) => f.type === 'auto_session_created');
    assert.ok(created >= 0 && created < d.frames.indexOf(m), 'auto_session_created comes before the metric');
    assert.equal(d.frames[created].session.model, 'gpt-4o');
    assert.equal(m.session_id, d.frames[created].session.id);
    const usage = JSON.parse(
      String(r.body)
        .split('\n\n')
        .filter((l) => l.includes('"usage"'))
        .at(-1)
        .slice(6),
    ).usage;
    assert.deepEqual(m.real_tokens.prompt, usage.prompt_tokens);
    assert.equal(m.real_tokens.total, usage.total_tokens);
    assert.equal(m.cached_tokens, usage.prompt_tokens_details.cached_tokens);
    assert.ok(m.cached_tokens > 0);
    assert.equal(m.estimated, false);
    assert.equal(m.model, 'gpt-4o');
    assert.equal(m.stream, true);
    assert.equal(m.status, 200);
    assert.equal(m.max_context, 128000);
    assert.equal(m.max_context_default, false);
    assert.ok(m.ttft_ms > 0 && m.duration_ms >= m.ttft_ms);
    assert.match(m.started_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d$/);
    assert.equal(m.percentage, undefined);
    assert.equal(m.cumulative_percentage, (usage.total_tokens / 128000) * 100);
    d.close();
  });

  test('no usage (stream without include_usage, or a provider that sends none): the tokenizer estimate, marked estimated', async () => {
    const d = await dashboard(pair.tap.url);
    await chat(pair.tap.url, chatBody({ stream: true }));
    const m = await d.next((f) => f.type === 'metric_updated');
    assert.equal(m.estimated, true);
    assert.equal(m.cached_tokens, null);
    assert.ok(m.real_tokens.prompt > 5 && m.real_tokens.prompt < 40, `prompt estimate ${m.real_tokens.prompt}`);
    assert.ok(m.real_tokens.completion >= 6, `completion estimate ${m.real_tokens.completion}`);
    // The request was not changed to get usage.
    assert.equal(JSON.parse(String(pair.fake.received.at(-1).body)).stream_options, undefined);
    await chat(pair.tap.url, chatBody(), { 'x-fake-provider': 'no-usage' });
    const n = await d.next((f) => f.type === 'metric_updated' && f.metric_id > m.metric_id);
    assert.equal(n.estimated, true);
    assert.equal(n.stream, false);
    d.close();
  });

  test('sessions follow the model; an unknown model gets the default window, marked', async () => {
    const d = await dashboard(pair.tap.url);
    await chat(pair.tap.url, chatBody({ model: 'my-local-model' }));
    const created = await d.next((f) => f.type === 'auto_session_created');
    const m = await d.next((f) => f.type === 'metric_updated');
    assert.equal(created.model, 'my-local-model');
    assert.equal(m.session_id, created.session.id);
    assert.equal(m.max_context_default, true);
    await chat(pair.tap.url, chatBody({ model: 'my-local-model' }));
    const m2 = await d.next((f) => f.type === 'metric_updated' && f.metric_id > m.metric_id);
    assert.equal(m2.session_id, created.session.id, 'same model, same session');
    assert.equal(d.frames.filter((f) => f.type === 'auto_session_created').length, 1);
    d.close();
  });

  test('a context-length refusal passes as the provider answered it (400) and gives request_failed + provider_context_limit_error', async () => {
    const d = await dashboard(pair.tap.url);
    const r = await chat(pair.tap.url, chatBody({ model: 'gpt-4o', messages: [{ role: 'user', content: 'y'.repeat(600_000) }] }));
    assert.equal(r.status, 400);
    assert.equal(JSON.parse(String(r.body)).error.code, 'context_length_exceeded');
    const failed = await d.next((f) => f.type === 'request_failed');
    assert.equal(failed.failed_by, 'upstream');
    assert.equal(failed.status, 400);
    assert.match(failed.error, /maximum context length/);
    const limit = await d.next((f) => f.type === 'provider_context_limit_error');
    assert.equal(limit.session_id, failed.session_id);
    assert.equal(limit.model, 'gpt-4o');
    assert.ok(limit.estimated_tokens > 100_000);
    assert.ok(limit.error.length <= 500);
    assert.equal(d.frames.filter((f) => f.type === 'metric_updated').length, 0);
    d.close();
  });

  test('5xx passes unchanged and gives one request_failed by the upstream; a body that is not JSON is forwarded as is', async () => {
    const d = await dashboard(pair.tap.url);
    const r = await chat(pair.tap.url, chatBody(), { 'x-fake-provider': '5xx' });
    assert.equal(r.status, 500);
    const f = await d.next((x) => x.type === 'request_failed');
    assert.equal(f.failed_by, 'upstream');
    assert.equal(f.status, 500);
    assert.match(f.error, /server had an error/);
    const bad = await chat(pair.tap.url, '{"model": "gpt-4o", "messages": [');
    assert.equal(bad.status, 400);
    assert.equal(String(pair.fake.received.at(-1).body), '{"model": "gpt-4o", "messages": [');
    const f2 = await d.next((x) => x.type === 'request_failed' && x.metric_id > f.metric_id);
    assert.equal(f2.model, 'unknown');
    d.close();
  });

  test('GET /api/sessions, /active and /{id} answer for hydration with CORS, as Kimi Proxy did', async () => {
    const list = await request(`${pair.tap.url}/api/sessions`, { method: 'GET' });
    assert.equal(list.headers['access-control-allow-origin'], '*');
    const sessions = JSON.parse(String(list.body));
    assert.ok(sessions.length >= 2);
    const active = JSON.parse(String((await request(`${pair.tap.url}/api/sessions/active`, { method: 'GET' })).body));
    assert.equal(active.session.is_active, 1);
    assert.ok(active.recent_metrics.length > 0);
    assert.equal(active.recent_metrics[0].content_preview, null, 'no prompt text in rows');
    const one = JSON.parse(String((await request(`${pair.tap.url}/api/sessions/${sessions[0].id}`, { method: 'GET' })).body));
    assert.equal(one.session.id, sessions[0].id);
  });
});

describe('broken streams and an unreachable upstream', () => {
  let pair;
  after(() => pair?.stop());

  test('a stream cut half way is cut for the client too, and gives metric_updated then streaming_error (read_error)', async () => {
    pair = await startPair({ tap: { idleTimeoutMs: 400, headersTimeoutMs: 400 } });
    const d = await dashboard(pair.tap.url);
    const r = await chat(pair.tap.url, chatBody({ stream: true }), { 'x-fake-provider': 'cut' });
    assert.equal(r.status, 200);
    assert.equal(r.aborted, true, 'the client connection is aborted, not ended cleanly');
    assert.ok(r.body.length > 0 && !String(r.body).includes('[DONE]'));
    const m = await d.next((f) => f.type === 'metric_updated');
    const e = await d.next((f) => f.type === 'streaming_error');
    assert.equal(e.metric_id, m.metric_id);
    assert.equal(e.error_type, 'read_error');
    assert.equal(m.estimated, true);
    assert.ok(d.frames.indexOf(e) > d.frames.indexOf(m));
    d.close();
  });

  test('a stream that stalls is cut after --idle-timeout: streaming_error timeout_error', async () => {
    const d = await dashboard(pair.tap.url);
    const r = await chat(pair.tap.url, chatBody({ stream: true }), { 'x-fake-provider': 'stall' });
    assert.equal(r.aborted, true);
    const e = await d.next((f) => f.type === 'streaming_error');
    assert.equal(e.error_type, 'timeout_error');
    d.close();
  });

  test('an upstream that answers nothing in time: 504 JSON from the tap, request_failed by the tap', async () => {
    const d = await dashboard(pair.tap.url);
    const fake = new FakeProvider({ slowFirstMs: 2000 });
    await fake.start();
    const t = new KimiTap({ upstream: fake.url, port: 0, headersTimeoutMs: 300, log: () => {} });
    await t.start();
    const d2 = await dashboard(t.url);
    const r = await chat(t.url, chatBody(), { 'x-fake-provider': 'slow-first' });
    assert.equal(r.status, 504);
    assert.equal(JSON.parse(String(r.body)).error.code, 'upstream_timeout');
    const f = await d2.next((x) => x.type === 'request_failed');
    assert.equal(f.failed_by, 'tap');
    assert.equal(f.status, 504);
    d.close();
    d2.close();
    await t.stop();
    await fake.stop();
  });

  test('upstream down: 502 JSON saying what failed, request_failed by the tap, and the tap keeps serving', async () => {
    const fake = new FakeProvider();
    await fake.start();
    const url = fake.url;
    await fake.stop();
    const lines = [];
    const t = new KimiTap({ upstream: url, port: 0, log: (l) => lines.push(l) });
    await t.start();
    const d = await dashboard(t.url);
    const r = await chat(t.url, chatBody());
    assert.equal(r.status, 502);
    const err = JSON.parse(String(r.body)).error;
    assert.equal(err.code, 'upstream_unreachable');
    assert.match(err.message, /ECONNREFUSED/);
    const f = await d.next((x) => x.type === 'request_failed');
    assert.equal(f.failed_by, 'tap');
    assert.equal(f.status, 502);
    const again = await chat(t.url, chatBody());
    assert.equal(again.status, 502);
    assert.equal(lines.filter((l) => l.includes('unreachable')).length, 1, 'logged once, not per request');
    d.close();
    await t.stop();
  });

  test('a client that leaves mid-stream cancels the upstream request', async () => {
    const fake = await new FakeProvider({ chunks: 200, chunkDelayMs: 20 }).start();
    const t = new KimiTap({ upstream: fake.url, port: 0, log: () => {} });
    await t.start();
    const d = await dashboard(t.url);
    await new Promise((resolve) => {
      const req = http.request(`${t.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve(undefined);
        });
      });
      req.end(JSON.stringify(chatBody({ stream: true })));
    });
    const m = await d.next((f) => f.type === 'metric_updated');
    assert.equal(m.estimated, true);
    // The provider sees its stream cancelled well before its 200 chunks × 20 ms.
    const t0 = Date.now();
    while (fake.cancelled === 0 && Date.now() - t0 < 2000) await new Promise((r) => setTimeout(r, 20));
    assert.equal(fake.cancelled, 1, 'upstream request cancelled');
    assert.ok(Date.now() - t0 < 2000);
    assert.deepEqual(
      d.frames.filter((f) => f.type === 'streaming_error'),
      [],
      'a client stopping is not a provider error',
    );
    d.close();
    await t.stop();
    await fake.stop();
  });
});

describe('history, secrets, real clients', () => {
  test('restart keeps history and the active session; nothing secret in the log or the database file; no other file', async () => {
    const db = tmpDb();
    const fake = await new FakeProvider().start();
    const lines = [];
    let t = new KimiTap({ upstream: fake.url, port: 0, db, log: (l) => lines.push(l) });
    await t.start();
    await chat(t.url, chatBody({ stream: true, stream_options: { include_usage: true } }));
    await chat(t.url, chatBody({ model: 'kimi-k2.6' }));
    const before = JSON.parse(String((await request(`${t.url}/api/sessions/active`, { method: 'GET' })).body));
    await t.stop();
    t = new KimiTap({ upstream: fake.url, port: 0, db, log: (l) => lines.push(l) });
    await t.start();
    const d = await dashboard(t.url);
    const init = await d.next((f) => f.type === 'init');
    assert.equal(init.session.id, before.session.id);
    assert.equal(init.session.model, 'kimi-k2.6');
    assert.deepEqual(init.stats, before.stats);
    assert.deepEqual(init.recent_metrics, before.recent_metrics);
    const sessions = JSON.parse(String((await request(`${t.url}/api/sessions`, { method: 'GET' })).body));
    assert.equal(sessions.length, 2);
    // New ids continue after the stored ones.
    await chat(t.url, chatBody({ model: 'kimi-k2.6' }));
    const m = await d.next((f) => f.type === 'metric_updated');
    assert.ok(m.metric_id > before.recent_metrics[0].id);
    d.close();
    await t.stop();
    await fake.stop();
    const files = readdirSync(dirname(db));
    assert.deepEqual(
      files.filter((f) => !/^history\.db(-wal|-shm|-journal)?$/.test(f)),
      [],
      `other files: ${files}`,
    );
    for (const f of files) {
      const bytes = readFileSync(`${dirname(db)}/${f}`);
      assert.equal(bytes.includes(KEY), false, `${f} holds the key`);
      assert.equal(bytes.includes(PROMPT), false, `${f} holds prompt text`);
      assert.equal(bytes.includes('The tap passes'), false, `${f} holds completion text`);
    }
    const log = lines.join('\n');
    assert.equal(log.includes(KEY), false);
    assert.equal(log.includes(PROMPT), false);
  });

  test('failed requests come back through hydration: their rows (status, counts, no error text) in /api/sessions/{id}, before and after a restart', async () => {
    const db = tmpDb();
    const fake = await new FakeProvider({ fixed: true }).start();
    let t = new KimiTap({ upstream: fake.url, port: 0, db, log: () => {} });
    await t.start();
    const d = await dashboard(t.url);
    await chat(t.url, chatBody());
    await chat(t.url, chatBody(), { 'x-fake-provider': '5xx' });
    const failed = await d.next((x) => x.type === 'request_failed');
    d.close();
    const rowsOf = async (tap) => {
      const one = JSON.parse(String((await request(`${tap.url}/api/sessions/${failed.session_id}`, { method: 'GET' })).body));
      return { stats: one.stats, rows: one.recent_metrics };
    };
    const live = await rowsOf(t);
    const row = live.rows.find((m) => m.id === failed.metric_id);
    assert.ok(row, 'the failed request has its row');
    assert.equal(row.status, 500);
    assert.equal(row.model, failed.model);
    assert.equal(row.content_preview, null);
    assert.equal(Object.hasOwn(row, 'error'), false, 'no error text in rows');
    assert.equal(live.rows.filter((m) => m.status >= 400).length, 1);
    assert.equal(live.stats.total_requests, 2);
    await t.stop();
    // Restarted with the upstream down: the stored row comes back, and the tap's own 502 is kept too.
    await fake.stop();
    t = new KimiTap({ upstream: fake.url, port: 0, db, log: () => {} });
    await t.start();
    const again = await rowsOf(t);
    assert.deepEqual(again.rows, live.rows);
    assert.deepEqual(again.stats, live.stats, 'a failed request still counts in the stats');
    assert.equal((await chat(t.url, chatBody())).status, 502);
    const after502 = await rowsOf(t);
    assert.deepEqual(
      after502.rows.filter((m) => m.status >= 400).map((m) => m.status),
      [502, 500], // newest first
    );
    await t.stop();
    t = new KimiTap({ upstream: fake.url, port: 0, db, log: () => {} });
    await t.start();
    assert.deepEqual((await rowsOf(t)).rows, after502.rows);
    await t.stop();
  });

  test('--retain-days drops old rows from the file', async () => {
    const db = tmpDb();
    const fake = await new FakeProvider().start();
    let t = new KimiTap({ upstream: fake.url, port: 0, db, log: () => {} });
    await t.start();
    await chat(t.url, chatBody());
    await chat(t.url, chatBody());
    t.db.flush();
    t.db.db.prepare("UPDATE metrics SET timestamp = '2020-01-01 00:00:00' WHERE id = 1").run();
    await t.stop();
    t = new KimiTap({ upstream: fake.url, port: 0, db, retainDays: 30, log: () => {} });
    await t.start();
    const active = JSON.parse(String((await request(`${t.url}/api/sessions/active`, { method: 'GET' })).body));
    assert.deepEqual(
      active.recent_metrics.map((r) => r.id),
      [2],
    );
    assert.equal(active.stats.total_requests, 1);
    await t.stop();
    await fake.stop();
  });

  test('a huge request body passes through whole; observation gives up on it and says so', async () => {
    const pair = await startPair({ provider: { windows: { 'big-model': 1e9 } } });
    const d = await dashboard(pair.tap.url);
    const big = JSON.stringify(chatBody({ model: 'big-model', messages: [{ role: 'user', content: 'z'.repeat(20 * 1024 * 1024) }] }));
    const r = await chat(pair.tap.url, big);
    assert.equal(r.status, 200);
    assert.equal(sha256(pair.fake.received.at(-1).body), sha256(Buffer.from(big)));
    const m = await d.next((f) => f.type === 'metric_updated');
    assert.equal(m.model, 'unknown');
    assert.match(pair.lines.join('\n'), /observation gave up: request body over 16 MiB/);
    d.close();
    await pair.stop();
  });

  test('the openai SDK (streaming and not) and curl -N work through the tap', async () => {
    const pair = await startPair({ provider: { fixed: false } });
    const d = await dashboard(pair.tap.url);
    const { default: OpenAI } = await import('openai');
    const client = new OpenAI({ apiKey: KEY, baseURL: `${pair.tap.url}/v1`, maxRetries: 0, timeout: 10_000 });
    const done = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    assert.equal(done.object, 'chat.completion');
    assert.ok(done.usage.total_tokens > 0);
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage = null;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta?.content ?? '';
      usage = chunk.usage ?? usage;
    }
    assert.match(text, /The tap passes/);
    const m = await d.next((f) => f.type === 'metric_updated' && f.stream === true);
    assert.equal(m.real_tokens.total, usage.total_tokens);
    // curl runs as a child process, asynchronously: the tap lives in this process's event loop.
    const curl = spawn('curl', [
      '-sN',
      `${pair.tap.url}/v1/chat/completions`,
      '-H',
      'content-type: application/json',
      '-d',
      JSON.stringify(chatBody({ stream: true })),
    ]);
    let stdout = '';
    curl.stdout.setEncoding('utf8');
    curl.stdout.on('data', (c) => (stdout += c));
    const [code] = await once(curl, 'exit');
    assert.equal(code, 0);
    assert.match(stdout, /^data: \{/);
    assert.match(stdout, /data: \[DONE\]\n\n$/);
    d.close();
    await pair.stop();
  });

  test('the CLI starts, answers --help, refuses bad options clearly', async () => {
    const bin = new URL('../bin/kimi-tap.mjs', import.meta.url).pathname;
    const help = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0);
    assert.match(help.stdout, /--upstream/);
    const bad = spawnSync(process.execPath, [bin, '--upstream', 'not a url'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--upstream must be a URL/);
    const fake = await new FakeProvider().start();
    const child = spawn(process.execPath, [bin, '--upstream', fake.url, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    while (!/kimi-tap http:\/\/127\.0\.0\.1:(\d+)/.test(out)) await once(child.stdout, 'data');
    const port = out.match(/kimi-tap http:\/\/127\.0\.0\.1:(\d+)/)[1];
    const r = await chat(`http://127.0.0.1:${port}`, chatBody());
    assert.equal(r.status, 200);
    child.kill('SIGTERM');
    await once(child, 'exit');
    await fake.stop();
  });
});

describe('Kimi Proxy 2.x extras', () => {
  test('stats polled when /health names 2.x, broadcast on change as proxy_stats; a 401 reported once and not asked again', async () => {
    const asked = { '/api/rate-limit': 0, '/api/sanitizer/stats': 0, '/api/compress/stats': 0 };
    let masked = 3;
    const keys = [];
    const kimi = http.createServer((req, res) => {
      const path = req.url.split('?')[0];
      keys.push(req.headers['x-admin-key']);
      if (path in asked) asked[path] += 1;
      const send = (status, v) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      if (path === '/health') return send(200, { status: 'ok', version: '2.0.0-mcp' });
      if (path === '/api/rate-limit') return send(401, { detail: 'Unauthorized: Invalid or missing admin key.' });
      if (path === '/api/sanitizer/stats')
        return send(200, { enabled: true, threshold_tokens: 1000, tmp_dir: '/home/me/.kimi/tmp', stats: { masked_count: masked } });
      if (path === '/api/compress/stats') return send(200, { total_compressions: 0 });
      send(404, { detail: 'Not Found' });
    });
    kimi.listen(0, '127.0.0.1');
    await once(kimi, 'listening');
    const lines = [];
    const t = new KimiTap({
      upstream: `http://127.0.0.1:${kimi.address().port}`,
      port: 0,
      adminKey: 'admin-123',
      statsIntervalMs: 100,
      log: (l) => lines.push(l),
    });
    const d = await (async () => {
      await t.start();
      return dashboard(t.url);
    })();
    const first = await d.next((f) => f.type === 'proxy_stats' && f.source === 'sanitizer');
    assert.equal(first.version, '2.0.0-mcp');
    assert.equal(first.stats.stats.masked_count, 3);
    assert.equal(first.stats.tmp_dir, undefined, 'local paths are not passed on');
    const refused = await d.next((f) => f.type === 'proxy_stats_unavailable');
    assert.equal(refused.source, 'rate_limit');
    assert.equal(refused.status, 401);
    masked = 4;
    const changed = await d.next((f) => f.type === 'proxy_stats' && f.source === 'sanitizer' && f.stats.stats.masked_count === 4);
    assert.ok(changed);
    await new Promise((r) => setTimeout(r, 350));
    assert.equal(asked['/api/rate-limit'], 1, 'a 401 is not retried');
    assert.ok(asked['/api/sanitizer/stats'] >= 3);
    assert.equal(d.frames.filter((f) => f.type === 'proxy_stats' && f.source === 'compression').length, 1, 'unchanged answers are not sent again');
    assert.equal(d.frames.filter((f) => f.type === 'proxy_stats_unavailable').length, 1);
    assert.equal(lines.filter((l) => l.includes('401')).length, 1);
    assert.ok(keys.includes('admin-123'));
    assert.equal(lines.join('\n').includes('admin-123'), false, 'the admin key is never logged');
    d.close();
    await t.stop();
    kimi.close();
  });
});

describe('models file', () => {
  test('built-in windows, globs, a --models file over them, and a marked default for the rest', async () => {
    const { ModelWindows, readModelsFile, DEFAULT_WINDOW } = await import('../lib/models.mjs');
    const { writeFileSync } = await import('node:fs');
    const w = new ModelWindows({ 'gpt-4o': 64_000, 'my-*': 32_768 });
    assert.deepEqual(new ModelWindows().lookup('kimi-k2.6'), { window: 262_144, isDefault: false });
    assert.deepEqual(new ModelWindows().lookup('gpt-4o-mini'), { window: 128_000, isDefault: false });
    assert.deepEqual(new ModelWindows().lookup('moonshotai/kimi-k2.6'), { window: 262_144, isDefault: false });
    assert.deepEqual(w.lookup('gpt-4o'), { window: 64_000, isDefault: false }, 'the file wins');
    assert.deepEqual(w.lookup('my-llama'), { window: 32_768, isDefault: false });
    assert.deepEqual(w.lookup('something-else'), { window: DEFAULT_WINDOW, isDefault: true });
    const file = `${tmpDb()}.json`;
    writeFileSync(file, '{"a": 0}');
    assert.throws(() => readModelsFile(file), /"a" must map to a positive integer/);
    writeFileSync(file, '[1]');
    assert.throws(() => readModelsFile(file), /expected a JSON object/);
    writeFileSync(file, '{"a": 1000}');
    assert.deepEqual(readModelsFile(file), { a: 1000 });
  });
});

describe('other upgrades and the response path', () => {
  test('a WebSocket on another path is forwarded to the upstream, messages both ways', async () => {
    const { WebSocketServer, default: WS } = await import('ws');
    const upstream = http.createServer();
    const wss = new WebSocketServer({ server: upstream, path: '/v1/realtime' });
    const seen = [];
    wss.on('connection', (ws, req) => {
      seen.push({ url: req.url, auth: req.headers.authorization });
      ws.on('message', (m) => ws.send(`echo:${m}`));
    });
    upstream.listen(0, '127.0.0.1');
    await once(upstream, 'listening');
    const t = new KimiTap({ upstream: `http://127.0.0.1:${upstream.address().port}`, port: 0, log: () => {} });
    await t.start();
    const ws = new WS(`${t.url.replace('http', 'ws')}/v1/realtime?model=x`, { headers: { authorization: `Bearer ${KEY}` } });
    await once(ws, 'open');
    ws.send('hello');
    const [reply] = await once(ws, 'message');
    assert.equal(String(reply), 'echo:hello');
    assert.deepEqual(seen, [{ url: '/v1/realtime?model=x', auth: `Bearer ${KEY}` }]);
    const refused = new WS(`${t.url.replace('http', 'ws')}/v1/elsewhere`);
    const [, res] = await once(refused, 'unexpected-response');
    assert.equal(res.statusCode, 400, "the upstream's refusal comes back as it answered");
    ws.close();
    await t.stop();
    wss.close();
    upstream.close();
  });

  test('SQLite writes are not on the response path: every write starts after the answer went out whole', async () => {
    const pair = await startPair();
    const flush = pair.tap.db.flushAll;
    const flushAt = [];
    pair.tap.db.flushAll = (ops) => {
      flushAt.push(performance.now());
      return flush(ops);
    };
    const forward = pair.tap.forwarder.forward.bind(pair.tap.forwarder);
    const startAt = [];
    const doneAt = [];
    pair.tap.forwarder.forward = (req, res, w) => {
      startAt.push(performance.now());
      forward(req, res, {
        ...w,
        onDone: (o) => {
          doneAt.push(performance.now());
          w.onDone?.(o);
        },
      });
    };
    for (let i = 0; i < 3; i++) assert.equal((await chat(pair.tap.url, chatBody({ stream: true, stream_options: { include_usage: true } }))).status, 200);
    await new Promise((res) => setTimeout(res, 500));
    assert.equal(doneAt.length, 3);
    assert.ok(flushAt.length >= 1, 'written after the answers');
    // Request i ran from startAt[i] (received) to doneAt[i] (its last byte written to the client).
    for (const f of flushAt)
      for (let i = 0; i < 3; i++) assert.ok(f < startAt[i] || f > doneAt[i], `a write ${(f - startAt[i]).toFixed(1)} ms into request ${i}`);
    assert.equal(pair.tap.db.db.prepare('SELECT count(*) AS n FROM metrics').get().n, 3);
    await pair.stop();
  });
});
