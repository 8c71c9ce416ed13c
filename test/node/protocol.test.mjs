// Plain unit tests of the pure modules, on the built dist/ (run after `npm run build`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { inspect } from 'node:util';
import { parseFrame, FrameProblem, replaceNonFiniteTokens } from '../../dist/protocol/parse-frame.js';
import { SessionFilter, sessionRefOf, sessionIdOf, normalizeSessionId } from '../../dist/protocol/session-filter.js';
import { parseKimiTimestamp } from '../../dist/protocol/timestamps.js';
import { toBoolean, toInteger } from '../../dist/protocol/coerce.js';
import { retryDelay, MIN_RETRY_DELAY } from '../../dist/connection/backoff.js';
import { readNumberOption } from '../../dist/internal/options.js';
import { protocolToken, redact } from '../../dist/internal/secrets.js';
import { compactMessage, MAX_KEPT_STRING } from '../../dist/internal/compact.js';
import { BoundedQueue } from '../../dist/internal/bounded-queue.js';
import { KNOWN_MESSAGE_TYPES, RESERVED_EVENT_TYPES } from '../../dist/protocol/known-types.js';
import { KIMI_LIBRARY_EVENTS } from '../../dist/events/event-map.js';

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
  const kinds = (frame) => {
    const r = parseFrame(frame);
    return r instanceof FrameProblem ? r.kind : 'ok';
  };
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
  f.pin(null);
  assert.equal(f.observe({ type: 'init', session: { id: 2 } }), true);
  assert.equal(f.current, '2');
  assert.equal(f.accepts({ type: 'metric', session_id: 1 }), false);
  f.observe({ type: 'session_activated', session_id: 1 });
  assert.equal(f.accepts({ type: 'metric', session_id: 1 }), true);
  assert.equal(f.observe({ type: 'session_activated', session_id: 1 }), false);
});

test('session ids: only strings and finite numbers; numeric text is the number it denotes', () => {
  for (const [given, canonical] of [
    [1, '1'],
    ['1', '1'],
    ['01', '1'],
    ['1.0', '1'],
    [' 1 ', '1'],
    ['+1', '1'],
    ['-0', '0'],
    [-0, '0'],
    ['1e21', '1e+21'],
    [1e21, '1e+21'],
    ['.5', '0.5'],
    ['abc', 'abc'],
    [' abc ', 'abc'],
    ['0x10', '0x10'],
    ['1e400', '1e400'],
    ['Infinity', 'Infinity'],
    ['', null],
    ['   ', null],
    [null, null],
    [undefined, null],
    [NaN, false],
    [Infinity, false],
    [true, false],
    [false, false],
    [[1], false],
    [{}, false],
    [{ toString: 1 }, false],
    [Object.create(null), false],
    [() => 1, false],
    [1n, false],
    [Symbol('s'), false],
  ]) {
    assert.equal(sessionIdOf(given), canonical, `sessionIdOf(${inspect(given)})`);
  }
  assert.equal(normalizeSessionId({ toString: 1 }), null, 'not an id: no session, never thrown');
});

test('SessionFilter: "01", "1.0", "-0", "1e21", " 1 " match the number they denote, both ways', () => {
  const f = new SessionFilter();
  const cases = [
    ['01', 1],
    ['1.0', 1],
    ['-0', 0],
    ['1e21', 1e21],
    [' 1 ', 1],
    ['1', '01'],
    ['1', ' 1.0 '],
    ['0', -0],
  ];
  for (const [pinned, wire] of cases) {
    f.pin(pinned);
    assert.equal(f.classify({ type: 'metric_updated', session_id: wire }), 'pass', `pinned ${JSON.stringify(pinned)} vs ${JSON.stringify(wire)}`);
    assert.equal(f.classify({ type: 'init', session: { id: wire } }), 'pass', `init ${JSON.stringify(wire)}`);
    assert.equal(f.classify({ type: 'sessions_bulk_deleted', session_ids: [wire] }), 'pass');
    assert.equal(f.classify({ type: 'metric_updated', session_id: 2 }), 'other');
  }
  f.pin('abc');
  assert.equal(f.classify({ type: 'x', session_id: ' abc ' }), 'pass');
  assert.equal(f.classify({ type: 'x', session_id: 'abcd' }), 'other');
  assert.equal(f.classify({ type: 'x', session_id: 1 }), 'other');
  f.pin('1e400');
  assert.equal(f.classify({ type: 'x', session_id: ' 1e400 ' }), 'pass', 'text that overflows a number is compared as text');
});

test('SessionFilter: a reference that is not an id is "invalid", never thrown, pinned or following', () => {
  const hostile = [{ toString: 1 }, [1], true, {}, Object.create(null)];
  for (const pin of [null, '1']) {
    const f = new SessionFilter();
    f.pin(pin);
    for (const id of hostile) {
      assert.equal(f.classify({ type: 'metric_updated', session_id: id }), 'invalid');
      assert.equal(f.classify({ type: 'init', session: { id } }), 'invalid');
      assert.equal(f.classify({ type: 'new_session', session: { id } }), 'invalid');
      assert.equal(f.classify({ type: 'sessions_bulk_deleted', session_ids: [1, id] }), 'invalid');
      assert.equal(sessionRefOf({ type: 'session_activated', session_id: id }), false);
    }
    assert.equal(f.classify({ type: 'metric_updated', session_id: Infinity }), 'invalid', '1e400 in JSON reads as Infinity');
  }
  // Following: a non-scalar active id is ignored (not turned into "1", "true" or "[object Object]").
  const f = new SessionFilter();
  f.observe({ type: 'init', session: { id: 5 } });
  for (const id of [[1], true, {}, { toString: 1 }]) {
    assert.equal(f.observe({ type: 'init', session: { id } }), false);
    assert.equal(f.observe({ type: 'session_activated', session_id: id }), false);
    assert.equal(f.current, '5');
  }
  assert.equal(f.observe({ type: 'session_activated', session_id: '05' }), false, '"05" is session 5 already');
  assert.equal(f.observe({ type: 'session_activated', session_id: 6 }), true);
});

test('SessionFilter.version moves on every change of the session passed', () => {
  const f = new SessionFilter();
  const v0 = f.version;
  f.pin('1');
  assert.ok(f.version > v0);
  const v1 = f.version;
  f.observe({ type: 'metric_updated', session_id: 1 });
  assert.equal(f.version, v1, 'a message that changes nothing leaves it');
  f.observe({ type: 'session_activated', session_id: 2 });
  assert.ok(f.version > v1);
});

test('numeric options: unset is the default; "3s", "", NaN, negative, out of range and other types are invalid', () => {
  const spec = { fallback: 3000, min: 0, max: 10_000 };
  assert.equal(readNumberOption(null, spec), 3000);
  assert.equal(readNumberOption(undefined, spec), 3000);
  assert.equal(readNumberOption('250', spec), 250);
  assert.equal(readNumberOption(' 250 ', spec), 250);
  assert.equal(readNumberOption('1e3', spec), 1000);
  assert.equal(readNumberOption(0, spec), 0);
  assert.equal(readNumberOption(12.5, spec), 12.5);
  for (const bad of ['3s', '', '  ', 'NaN', NaN, -1, '-1', 10_001, Infinity, '0x', true, [], {}, [5]]) {
    assert.equal(readNumberOption(bad, spec), undefined, inspect(bad));
  }
  const integer = { fallback: 100, min: 0, max: 100_000, integer: true };
  assert.equal(readNumberOption('7', integer), 7);
  assert.equal(readNumberOption(7.5, integer), undefined);
});

test('retryDelay has a floor: no retry sooner than MIN_RETRY_DELAY, whatever the settings', () => {
  assert.equal(MIN_RETRY_DELAY, 100);
  const storms = [
    { initialDelay: 0, maxDelay: 0, growth: 1, jitter: 0 },
    { initialDelay: 0, maxDelay: 30000, growth: 2, jitter: 1 },
    { initialDelay: 3000, maxDelay: 30000, growth: 2, jitter: 1 },
    { initialDelay: NaN, maxDelay: NaN, growth: NaN, jitter: NaN },
    { initialDelay: -5, maxDelay: -5, growth: 0.5, jitter: 2 },
  ];
  for (const o of storms) {
    for (let attempt = 1; attempt <= 20; attempt++) {
      for (const r of [0, 0.5, 1]) {
        const d = retryDelay(attempt, o, () => r);
        assert.ok(d >= MIN_RETRY_DELAY, `${JSON.stringify(o)} attempt ${attempt}: ${d}`);
      }
    }
  }
  // From a delay under the floor, later retries still grow from it.
  const zero = { initialDelay: 0, maxDelay: 30000, growth: 2, jitter: 0 };
  assert.deepEqual(
    [1, 2, 3, 4].map((n) => retryDelay(n, zero, () => 1)),
    [100, 200, 400, 800],
  );
});

test('subprotocol tokens: base64url of UTF-8, valid for any string; a server decodes them back', () => {
  for (const token of ['s3cret', 'a+b/c==', 'with space, comma; "quote"', 'é 🔑 \u0000', '='.repeat(50), 'x'.repeat(10_000)]) {
    const protocol = protocolToken(token);
    assert.match(protocol, /^kimi-token\.[A-Za-z0-9_-]*$/, 'only subprotocol token characters');
    assert.equal(Buffer.from(protocol.slice('kimi-token.'.length), 'base64url').toString('utf8'), token);
  }
});

test('compactMessage: strings, lists and objects cut, depth bounded, server keys never reach the prototype', () => {
  const big = 'x'.repeat(1 << 20);
  const message = JSON.parse(
    JSON.stringify({
      type: 'metric_updated',
      n: 1,
      ok: true,
      none: null,
      text: big,
      list: Array.from({ length: 1000 }, (_, i) => i),
      deep: { a: { b: { c: { d: { e: { f: { g: { h: { i: 1 } } } } } } } } },
    }).replace('"n":1', '"n":1,"__proto__":{"polluted":true}'),
  );
  const small = compactMessage(message);
  assert.equal(small.type, 'metric_updated');
  assert.deepEqual([small.n, small.ok, small.none], [1, true, null]);
  assert.equal(small.text.length, MAX_KEPT_STRING);
  assert.ok(small.text.endsWith('…'));
  assert.equal(small.list.length, 50);
  assert.equal(Object.getPrototypeOf(small), Object.prototype);
  assert.equal(small.polluted, undefined);
  assert.ok(JSON.stringify(small).length < 2000);
  let level = small.deep;
  let depth = 1;
  while (level && typeof level === 'object') {
    level = Object.values(level)[0];
    depth++;
  }
  assert.ok(depth <= 9, `depth ${depth}`);
  assert.equal(message.text.length, 1 << 20, 'the original is untouched');
});

test('redact: tokens in URLs and subprotocols never reach a text', () => {
  assert.equal(redact('ws://h/ws?token=abc%2B1&x=1'), 'ws://h/ws?token=[redacted]&x=1');
  assert.equal(
    redact("Failed to construct 'WebSocket': The URL 'ws://h/ws?a=1&token=s3cret' is invalid."),
    "Failed to construct 'WebSocket': The URL 'ws://h/ws?a=1&token=[redacted]' is invalid.",
  );
  assert.equal(redact('protocols kimi, kimi-token.czNjcmV0'), 'protocols kimi, kimi-token.[redacted]');
  assert.equal(redact('nothing to hide'), 'nothing to hide');
});

test('reserved event types: exactly the events the library dispatches itself, without kimi:', () => {
  const names = Object.keys(KIMI_LIBRARY_EVENTS);
  assert.ok(names.length >= 4 && names.every((n) => n.startsWith('kimi:')));
  assert.deepEqual([...RESERVED_EVENT_TYPES].sort(), names.map((n) => n.slice(5)).sort());
  for (const t of ['message', 'status', 'error', 'alert-dismiss']) assert.ok(RESERVED_EVENT_TYPES.has(t), t);
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
  assert.equal(
    retryDelay(1, o, () => 0),
    2400,
  );
  assert.equal(
    retryDelay(1, o, () => 1),
    3600,
  );
  assert.equal(
    retryDelay(3, o, () => 1),
    14400,
  );
  assert.equal(
    retryDelay(10, o, () => 1),
    30000,
  );
  assert.equal(
    retryDelay(10, o, () => 0),
    2400,
  );
  const samples = Array.from({ length: 1000 }, () => retryDelay(1, o));
  assert.ok(Math.min(...samples) >= 2400 && Math.max(...samples) <= 3600);
  assert.ok(new Set(samples).size > 100, 'jitter spreads retries');
});

test('BoundedQueue keeps order, refuses the new item when full, keeps accepted items through a shrink', () => {
  const q = new BoundedQueue(3);
  assert.equal(q.push(1), true);
  q.push(2);
  q.push(3);
  // Full: the new item is refused and the accepted ones stay (a bound refuses; it never forgets).
  assert.equal(q.push(4), false);
  assert.equal(q.size, 3);
  assert.deepEqual([q.shift(), q.shift()], [1, 2]);
  q.push(5);
  q.push(6);
  // Shrinking below the count keeps every accepted item and refuses new ones until it drains below the bound.
  q.resize(1);
  assert.equal(q.size, 3);
  assert.equal(q.push(7), false);
  assert.equal(q.remove(5), true);
  assert.deepEqual([q.shift(), q.shift()], [3, 6]);
  assert.equal(q.push(8), true);
  assert.equal(q.push(9), false);
  assert.deepEqual([q.shift(), q.shift()], [8, undefined]);
  q.resize(4);
  for (let i = 0; i < 6; i++) q.push(i);
  assert.deepEqual([q.shift(), q.shift(), q.shift(), q.shift(), q.shift()], [0, 1, 2, 3, undefined]);
  const zero = new BoundedQueue(0);
  assert.equal(zero.push('x'), false);
  assert.equal(zero.size, 0);
});
