// The session shown, owned by one DOM-free object (SessionStream), and the hydration answers it accepts.
// Plain unit tests on the built dist/ (run after `npm run build`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionStream } from '../../dist/session/session-stream.js';
import { parseFrame } from '../../dist/protocol/parse-frame.js';
import { HydrationProblem, hydrationFrom, isSessionNumber, sessionApiUrl } from '../../dist/protocol/hydration.js';
import { belongsTo } from '../../dist/protocol/session-filter.js';

const metric = (session, id) => ({
  type: 'metric_updated',
  metric_id: id,
  session_id: session,
  real_tokens: { total: 100, prompt: 90, completion: 10, percentage: 1 },
  cumulative_tokens: 100,
  cumulative_percentage: 1,
  alert: null,
  source: 'proxy',
});

function recorder(stream) {
  const seen = { messages: [], delivered: [], metrics: [], hydrated: [], errors: [], shown: [] };
  stream.subscribe({
    message: (m) => seen.messages.push(m.type),
    delivered: (m) => seen.delivered.push(m.type),
    metric: (r) => seen.metrics.push(r.metricId),
    hydrated: (h) => seen.hydrated.push(h.sessionId),
    error: (d) => seen.errors.push(d.kind),
    shown: (id) => seen.shown.push(id),
  });
  return seen;
}
const feed = (stream, ...messages) => {
  for (const m of messages) {
    const text = JSON.stringify(m);
    stream.receive(parseFrame(text), Buffer.byteLength(text));
  }
};

test('SessionStream: pinned, only the session shown and global frames come out; counters add up', () => {
  const stream = new SessionStream();
  const seen = recorder(stream);
  assert.equal(stream.show('03'), true);
  assert.equal(stream.sessionId, '3');
  feed(stream, metric(3, 1), metric(4, 2), metric('3.0', 3), { type: 'cline_usage_updated' }, 'not json');
  stream.receive(parseFrame('{'), 1);
  assert.deepEqual(seen.metrics, [1, 3]);
  assert.deepEqual(seen.delivered, ['metric_updated', 'metric_updated', 'cline_usage_updated']);
  assert.equal(stream.received, stream.delivered + stream.filtered + stream.malformed);
  assert.deepEqual([stream.delivered, stream.filtered], [3, 1]);
  assert.deepEqual(seen.shown, ['3']);
});

test('SessionStream: following, the active session is learned from frames and from /active (another tab)', () => {
  const stream = new SessionStream();
  const seen = recorder(stream);
  assert.equal(stream.sessionId, null);
  stream.activated(7);
  assert.equal(stream.sessionId, '7');
  feed(stream, metric(8, 1), metric(7, 2), { type: 'session_activated', session_id: '08' }, metric(8, 3));
  assert.deepEqual(seen.metrics, [2, 3]);
  assert.deepEqual(seen.shown, ['7', '8']);
  // Pinned, the server's active session changes nothing.
  stream.show(2);
  stream.activated(9);
  assert.equal(stream.sessionId, '2');
});

test('SessionStream: another session shown forgets the readings and hydration of the old one', () => {
  const stream = new SessionStream();
  stream.show(1);
  feed(stream, metric(1, 1), metric(1, 2));
  assert.equal(stream.readings.length, 2);
  stream.show('1'); // the same session, written another way: nothing changes
  assert.equal(stream.readings.length, 2);
  stream.show(2);
  assert.equal(stream.readings.length, 0);
  assert.equal(stream.hydration, null);
});

test('SessionStream: a hydration for another session than the one shown is refused', () => {
  const stream = new SessionStream();
  const seen = recorder(stream);
  stream.show(1);
  const other = hydrationFrom('2', { session: { id: 2 }, recent_metrics: [] }, Date.now());
  assert.equal(stream.hydrated(other), false);
  assert.deepEqual(seen.hydrated, []);
  assert.equal(stream.hydration, null);
  const own = hydrationFrom('1', { session: { id: 1 }, recent_metrics: [] }, Date.now());
  assert.equal(stream.hydrated(own), true);
  assert.deepEqual(seen.hydrated, ['1']);
});

test('SessionStream: a relay hydration for another session is a kimi:error, not data', () => {
  const stream = new SessionStream();
  const seen = recorder(stream);
  stream.show(1);
  feed(stream, { type: 'relay_hydration', session_id: 1, session: { id: 2 }, recent_metrics: [] });
  assert.deepEqual(seen.hydrated, []);
  assert.deepEqual(seen.errors, ['hydration']);
  feed(stream, { type: 'relay_hydration', session_id: 1, session: { id: 1 }, recent_metrics: [] });
  assert.deepEqual(seen.hydrated, ['1']);
});

test('the session rule: a deletion naming "03" or 3.0 belongs to session 3, one rule for filter and panels', () => {
  for (const ids of [['03'], [3.0], [' 3 '], [1, '3']])
    assert.equal(belongsTo({ type: 'sessions_bulk_deleted', session_ids: ids }, '3'), true, JSON.stringify(ids));
  assert.equal(belongsTo({ type: 'sessions_bulk_deleted', session_ids: [4] }, '3'), false);
  assert.equal(belongsTo({ type: 'sessions_bulk_deleted', session_ids: [{}] }, '3'), false);
  assert.equal(belongsTo({ type: 'cline_usage_updated' }, '3'), true);
});

test('hydration addresses: only session numbers become URLs; nothing names another route', () => {
  assert.equal(sessionApiUrl('ws://h:1/ws', '3'), 'http://h:1/api/sessions/3');
  assert.equal(sessionApiUrl('ws://h:1/ws', null), 'http://h:1/api/sessions/active');
  assert.equal(sessionApiUrl('ws://h:1/ws', '3', 'http://h:2/base/?x=1#f'), 'http://h:2/base/api/sessions/3?x=1');
  for (const bad of ['active', '..', '../x', '1?x', '%2e%2e', '1#x', 'a/b', '-1', '1e+21', 'abc', '']) {
    assert.equal(isSessionNumber(bad), false, bad);
    assert.throws(() => sessionApiUrl('ws://h:1/ws', bad), HydrationProblem, bad);
  }
});

test('hydration answers: an answer for another session than asked is refused; /active names its own', () => {
  assert.throws(() => hydrationFrom('1', { session: { id: 2 } }, 0), /session 2, not session 1/);
  assert.equal(hydrationFrom('1', { session: { id: '01' } }, 0).sessionId, '1');
  assert.equal(hydrationFrom(null, { session: { id: 5 } }, 0).sessionId, '5');
  assert.throws(() => hydrationFrom(null, { session: { id: '..' } }, 0), HydrationProblem);
  assert.throws(() => hydrationFrom(null, { session: { id: 'active' } }, 0), HydrationProblem);
  const missing = hydrationFrom('4', { error: 'Session 4 introuvable' }, 0);
  assert.deepEqual([missing.found, missing.sessionId], [false, '4']);
});

test('hydration rows whose figures give no reading are told to the reader, not dropped silently', () => {
  const refused = [];
  const now = Date.now();
  const row = (id, percentage, estimated_tokens) => ({ id, session_id: 3, timestamp: '2026-01-01 10:00:00', estimated_tokens, percentage, is_estimated: 0 });
  const hydration = hydrationFrom('3', { session: { id: 3 }, recent_metrics: [row(2, 1e308, 5000), row(1, 50, 131_072)] }, now, {
    refused: (r) => refused.push(r),
  });
  assert.deepEqual(
    hydration.readings.map((r) => r.metricId),
    [1],
  );
  assert.deepEqual(
    refused.map(({ frame, field, value }) => [frame, field, value]),
    [['hydrate', 'percentage', 1e308]],
  );
  // Without a reader the row is still left out (the relay's uplink checks answers this way).
  assert.equal(hydrationFrom('3', { session: { id: 3 }, recent_metrics: [row(2, 1e308, 5000)] }, now).readings.length, 0);
});

test('a kimi:metric reading keeps its keys and their order from every usage frame (the reading is built as one literal)', () => {
  const stream = new SessionStream();
  const readings = [];
  stream.subscribe({ metric: (r) => readings.push(r) });
  stream.show('1');
  stream.receive(parseFrame(JSON.stringify(metric(1, 7))), 200);
  stream.receive(
    parseFrame(JSON.stringify({ type: 'metric', session_id: 1, metric: { id: 8, percentage: 2, cumulative_tokens: 200, timestamp: '2026-01-01T00:00:00' } })),
    200,
  );
  stream.receive(
    parseFrame(
      JSON.stringify({
        type: 'log_metric',
        session_id: 1,
        source: 'continue_logs',
        timestamp: '2026-01-01T00:00:00',
        metrics: { total_tokens: 300, max_context: 128000 },
      }),
    ),
    200,
  );
  assert.equal(readings.length, 3);
  const keys = 'sessionId,source,tokens,time,metricId,estimated,origin,frame,message,request,window,percentage,level';
  for (const r of readings) assert.equal(Object.keys(r).join(','), keys);
  assert.deepEqual(
    readings.map((r) => [r.frame, r.tokens, r.window, r.percentage, r.level]),
    [
      ['metric_updated', 100, 10000, 1, 'ok'],
      ['metric', 200, 10000, 2, 'ok'],
      ['log_metric', 300, 128000, (300 / 128000) * 100, 'ok'],
    ],
  );
});
