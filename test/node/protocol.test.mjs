// Plain unit tests of the pure modules, on the built dist/ (run after `npm run build`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseFrame, FrameProblem, replaceNonFiniteTokens } from '../../dist/protocol/parse-frame.js';
import { SessionFilter, sessionRefOf } from '../../dist/protocol/session-filter.js';
import { parseKimiTimestamp } from '../../dist/protocol/timestamps.js';
import { toBoolean, toInteger } from '../../dist/protocol/coerce.js';
import { retryDelay } from '../../dist/internal/backoff.js';
import { BoundedQueue } from '../../dist/internal/bounded-queue.js';
import { KNOWN_MESSAGE_TYPES } from '../../dist/protocol/known-types.js';

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/kimi-fixtures.json', import.meta.url), 'utf8'));

test('parseFrame reads every fixture message and knows its type', () => {
  for (const m of fixtures.messages) {
    const parsed = parseFrame(JSON.stringify(m));
    assert.ok(!(parsed instanceof FrameProblem), m.type);
    assert.deepEqual(parsed, m);
    assert.ok(KNOWN_MESSAGE_TYPES.has(m.type), `${m.type} is in KNOWN_MESSAGE_TYPES`);
  }
});

test('parseFrame classifies malformed frames and never throws', () => {
  const kinds = (frame) => { const r = parseFrame(frame); return r instanceof FrameProblem ? r.kind : 'ok'; };
  assert.equal(kinds(''), 'empty-frame');
  assert.equal(kinds('Internal Server Error'), 'invalid-json');
  assert.equal(kinds('[]'), 'not-an-object');
  assert.equal(kinds('42'), 'not-an-object');
  assert.equal(kinds('null'), 'not-an-object');
  assert.equal(kinds('{"session_id":2}'), 'missing-type');
  assert.equal(kinds('{"type":3}'), 'missing-type');
  assert.equal(kinds(new Uint8Array([1, 2]).buffer), 'binary-frame');
  assert.equal(kinds('{"type":"x","v":NaN}'), 'non-finite-number');
  assert.equal(kinds('{"type":"x","v":NaNa}'), 'invalid-json');
  assert.equal(kinds('{"type":"x"'), 'invalid-json');
});

test('NaN/Infinity frames are recovered with null, strings untouched', () => {
  const r = parseFrame('{"type":"log_metric","a":NaN,"b":[Infinity,-Infinity],"s":"NaN \\" Infinity","t":1}');
  assert.ok(r instanceof FrameProblem);
  assert.deepEqual(r.recovered, { type: 'log_metric', a: null, b: [null, null], s: 'NaN " Infinity', t: 1 });
  assert.equal(replaceNonFiniteTokens('{"a":"NaN"}'), null);
});

test('excerpts are short', () => {
  const r = parseFrame(`not json ${'x'.repeat(10_000)}`);
  assert.ok(r.excerpt.length <= 121);
});

test('sessionRefOf: top-level, nested and list references', () => {
  assert.equal(sessionRefOf({ type: 'metric_updated', session_id: 3 }), '3');
  assert.equal(sessionRefOf({ type: 'init', session: { id: 4 } }), '4');
  assert.equal(sessionRefOf({ type: 'new_session', session: { id: 5 } }), '5');
  assert.equal(sessionRefOf({ type: 'auto_session_created', session: { id: 6 } }), '6');
  assert.deepEqual(sessionRefOf({ type: 'sessions_bulk_deleted', session_ids: [1, '2'] }), ['1', '2']);
  assert.equal(sessionRefOf({ type: 'provider_context_limit_error', session_id: null }), null);
  assert.equal(sessionRefOf({ type: 'cline_usage_updated' }), null);
  assert.equal(sessionRefOf({ type: 'init' }), null);
});

test('SessionFilter pins, compares as strings and follows the active session', () => {
  const f = new SessionFilter();
  assert.equal(f.accepts({ type: 'metric', session_id: 9 }), true, 'following with nothing known passes all');
  f.pin(' 3 ');
  assert.equal(f.accepts({ type: 'metric', session_id: 3 }), true);
  assert.equal(f.accepts({ type: 'metric', session_id: '3' }), true);
  assert.equal(f.accepts({ type: 'metric', session_id: 33 }), false);
  assert.equal(f.accepts({ type: 'metric', session_id: 0 }), false);
  assert.equal(f.accepts({ type: 'cline_usage_updated' }), true);
  assert.equal(f.accepts({ type: 'x', session_id: null }), true);
  f.pin('1.0');
  assert.equal(f.accepts({ type: 'metric', session_id: 1 }), false, '"1.0" is not "1"');
  f.pin(null);
  assert.equal(f.observe({ type: 'init', session: { id: 2 } }), true);
  assert.equal(f.current, '2');
  assert.equal(f.accepts({ type: 'metric', session_id: 1 }), false);
  f.observe({ type: 'session_activated', session_id: 1 });
  assert.equal(f.accepts({ type: 'metric', session_id: 1 }), true);
  assert.equal(f.observe({ type: 'session_activated', session_id: 1 }), false);
});

test('parseKimiTimestamp: SQLite UTC, naive ISO with or without fraction, epochs', () => {
  assert.equal(parseKimiTimestamp('2026-05-07 07:05:58'), Date.UTC(2026, 4, 7, 7, 5, 58));
  const opts = { serverUtcOffsetMinutes: 120 };
  assert.equal(parseKimiTimestamp('2026-05-07T09:05:58', opts), Date.UTC(2026, 4, 7, 7, 5, 58));
  assert.equal(parseKimiTimestamp('2026-05-07T09:05:58.918273', opts), Date.UTC(2026, 4, 7, 7, 5, 58) + 918.273);
  assert.equal(parseKimiTimestamp(1778139592480), 1778139592480);
  assert.equal(parseKimiTimestamp(1778139592), 1778139592000);
  assert.equal(parseKimiTimestamp('2026-05-07T07:05:58Z'), Date.UTC(2026, 4, 7, 7, 5, 58));
  assert.ok(Number.isNaN(parseKimiTimestamp('yesterday')));
  assert.ok(Number.isNaN(parseKimiTimestamp(null)));
  // The fixtures' SQLite and ISO strings describe the same instant at UTC+2.
  const init = fixtures.messages.find((m) => m.type === 'init');
  assert.ok(Number.isFinite(parseKimiTimestamp(init.session.created_at)));
});

test('toBoolean / toInteger read echoed values', () => {
  assert.equal(toBoolean('false'), false);
  assert.equal(toBoolean('true'), true);
  assert.equal(toBoolean(1), true);
  assert.equal(toBoolean(0), false);
  assert.equal(toBoolean(false), false);
  assert.equal(toBoolean('maybe'), null);
  assert.equal(toBoolean(2), null);
  assert.equal(toInteger('4096'), 4096);
  assert.equal(toInteger(12), 12);
  assert.equal(toInteger('12.5'), null);
  assert.equal(toInteger(''), null);
  assert.equal(toInteger(null), null);
});

test('retryDelay: first retry near the initial delay, growing with jitter, capped', () => {
  const o = { initialDelay: 3000, maxDelay: 30000, growth: 2, jitter: 0.2 };
  assert.equal(retryDelay(0, o), 0);
  assert.equal(retryDelay(1, o, () => 0), 2400);
  assert.equal(retryDelay(1, o, () => 1), 3600);
  assert.equal(retryDelay(3, o, () => 1), 14400);
  assert.equal(retryDelay(10, o, () => 1), 30000);
  assert.equal(retryDelay(10, o, () => 0), 2400);
  const samples = Array.from({ length: 1000 }, () => retryDelay(1, o));
  assert.ok(Math.min(...samples) >= 2400 && Math.max(...samples) <= 3600);
  assert.ok(new Set(samples).size > 100, 'jitter spreads retries');
});

test('BoundedQueue keeps order, drops the oldest, resizes', () => {
  const q = new BoundedQueue(3);
  assert.equal(q.push(1), undefined);
  q.push(2); q.push(3);
  assert.deepEqual(q.push(4), { dropped: 1 });
  assert.equal(q.size, 3);
  assert.deepEqual([q.shift(), q.shift()], [2, 3]);
  q.push(5); q.push(6);
  assert.deepEqual(q.resize(2), [4]);
  assert.deepEqual([q.shift(), q.shift(), q.shift()], [5, 6, undefined]);
  const zero = new BoundedQueue(0);
  assert.deepEqual(zero.push('x'), { dropped: 'x' });
});
