// <kimi-cost-meter>, <kimi-model-table> and the chart's latency mode, fed through the real socket by
// the simulator: tap frames (PROTOCOL.md §17) pushed verbatim, and Kimi Proxy's own requests. Every
// figure shown is compared with an offline computation over the same requests.
import { expect, fixture, html } from '@open-wc/testing';
import '../../src/define.js';
import type { KimiAlertFeed, KimiCostMeter, KimiMetricChart, KimiModelTable, KimiRealtime } from '../../src/index.js';
import { importReadings, importRequests } from '../../src/index.js';
import type { KimiBudgetDetail } from '../../src/events/kimi-budget-event.js';
import { Sim, sleep, until } from './helpers/simulator.js';
import { record } from './helpers/element.js';
import { useColorScheme } from './helpers/browser.js';

/** Prices the tests set (USD per 1M tokens): the defaults change with models.dev. */
const PRICES = { 'kimi-k2': { input: 0.6, output: 2.5, cachedInput: 0.15 }, 'slow-model': { input: 3, output: 15 } };

interface Tap {
  id: number;
  model: string;
  prompt: number;
  completion: number;
  cached?: number | null;
  ttft?: number | null;
  duration?: number;
  session?: number;
}

/** A `metric_updated` as kimi-tap sends it. */
const tapUpdated = (t: Tap) => ({
  type: 'metric_updated',
  metric_id: t.id,
  session_id: t.session ?? 1,
  real_tokens: { total: t.prompt + t.completion, prompt: t.prompt, completion: t.completion, percentage: 1 },
  cumulative_tokens: t.prompt + t.completion,
  cumulative_percentage: ((t.prompt + t.completion) / 262144) * 100,
  alert: null,
  source: 'proxy',
  model: t.model,
  stream: true,
  status: 200,
  // The tap stamps each request when it happens (the reading's time is its end): stamped now.
  started_at: new Date(Date.now() - (t.duration ?? 1000)).toISOString(),
  ended_at: new Date().toISOString(),
  ttft_ms: t.ttft ?? null,
  duration_ms: t.duration ?? 1000,
  cached_tokens: t.cached ?? null,
  estimated: false,
  max_context: 262144,
  max_context_default: false,
});

const tapFailed = (id: number, model: string, status = 429) => ({
  type: 'request_failed',
  session_id: 1,
  metric_id: id,
  failed_by: 'upstream',
  error: 'rate limited',
  model,
  status,
  ttft_ms: null,
  duration_ms: 120,
});

/** Offline: cost of requests at a price, as the issue defines it. */
function offlineCost(taps: Tap[], price: { input: number; output: number; cachedInput?: number }): number {
  let usd = 0;
  for (const t of taps) {
    const cached = t.cached ?? 0;
    usd += ((t.prompt - cached) * price.input + cached * (price.cachedInput ?? price.input) + t.completion * price.output) / 1e6;
  }
  return usd;
}
/** Offline nearest-rank percentile. */
const rank = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
};

const text = (el: Element, part: string) => (el.shadowRoot?.querySelector(`[part="${part}"]`)?.textContent ?? '').replace(/\s+/g, ' ').trim();

async function mount(sim: Sim, inner: string, attrs: Record<string, string> = { 'session-id': '1', 'no-hydrate': '' }): Promise<KimiRealtime> {
  const source = document.createElement('kimi-realtime');
  source.setAttribute('url', sim.url);
  for (const [k, v] of Object.entries(attrs)) source.setAttribute(k, v);
  source.innerHTML = inner;
  const root = await fixture<HTMLDivElement>(html`<div style="width: 720px">${source}</div>`);
  const el = root.querySelector('kimi-realtime')!;
  await until(() => el.state === 'open', { what: 'open' });
  return el;
}

function seeded(seed: number) {
  return () => (seed = (seed * 16807) % 2147483647) / 2147483647;
}

describe('Dashboard II: costs, models, latency, export', function () {
  this.timeout(30_000);
  let sim: Sim;
  afterEach(async () => {
    // A test skipped before it made its own simulator must not close the previous one again.
    await sim?.close();
    sim = null as unknown as Sim;
  });

  it('the model table equals an offline computation over the same tap requests, failures counted', async () => {
    sim = await Sim.create({ sessions: [1], activeSession: 1, history: 0 });
    const source = await mount(sim, '<kimi-model-table time-window="0"></kimi-model-table>');
    const table = source.querySelector<KimiModelTable>('kimi-model-table')!;
    table.prices = PRICES;
    const rnd = seeded(42);
    const taps: Tap[] = [];
    for (let i = 1; i <= 60; i++) {
      const model = i % 3 ? 'kimi-k2' : 'slow-model';
      const prompt = 1000 + Math.round(rnd() * 20000);
      taps.push({
        id: i,
        model,
        prompt,
        completion: Math.round(rnd() * 2000),
        cached: Math.round(rnd() * 500),
        ttft: Math.round((model === 'slow-model' ? 2000 : 200) + rnd() * 900),
        duration: Math.round(3000 + rnd() * 9000),
      });
    }
    await sim.push(...taps.map(tapUpdated), tapFailed(61, 'kimi-k2'), tapFailed(62, 'slow-model', 500), tapFailed(63, 'kimi-k2'));
    // A repeat of a request (the same metric id) is not counted again.
    await sim.push(tapUpdated(taps[0]!));
    await until(() => table.rows.reduce((n, r) => n + r.requests, 0) === 63, { what: '63 requests' });
    for (const model of ['kimi-k2', 'slow-model'] as const) {
      const mine = taps.filter((t) => t.model === model);
      const row = table.rows.find((r) => r.key === model)!;
      const failures = model === 'kimi-k2' ? 2 : 1;
      expect(row.requests, model).to.equal(mine.length + failures);
      expect(row.errors).to.equal(failures);
      expect(row.promptTokens).to.equal(mine.reduce((s, t) => s + t.prompt, 0));
      expect(row.completionTokens).to.equal(mine.reduce((s, t) => s + t.completion, 0));
      expect(row.cachedTokens).to.equal(mine.reduce((s, t) => s + (t.cached ?? 0), 0));
      expect(row.cost.usd).to.equal(offlineCost(mine, PRICES[model]));
      expect(row.ttftP50).to.equal(
        rank(
          mine.map((t) => t.ttft!),
          50,
        ),
      );
      expect(row.ttftP95).to.equal(
        rank(
          mine.map((t) => t.ttft!),
          95,
        ),
      );
      // Failures have a duration (120 ms) and count in its percentiles, as an offline pass over every request would.
      const durations = [...mine.map((t) => t.duration!), ...Array(failures).fill(120)];
      expect(row.durationP50).to.equal(rank(durations, 50));
      expect(row.durationP95).to.equal(rank(durations, 95));
    }
    // Rendered as a real table, sorted by cost (descending) by default, and sortable by its headers.
    await table.updateComplete;
    const bodyKeys = () => [...table.shadowRoot!.querySelectorAll('tbody th[scope="row"]')].map((th) => th.textContent!.trim());
    const byCost = [...table.rows].sort((a, b) => b.cost.usd! - a.cost.usd!).map((r) => r.key);
    expect(bodyKeys()).to.deep.equal(byCost);
    const headers = [...table.shadowRoot!.querySelectorAll<HTMLButtonElement>('th button')];
    const ttftHeader = headers.find((b) => b.textContent!.trim().startsWith('TTFT p95'))!;
    expect(ttftHeader, headers.map((b) => b.textContent).join('|')).to.exist;
    ttftHeader.click();
    await until(() => ttftHeader.closest('th')!.getAttribute('aria-sort') === 'descending', { what: 'sorted by TTFT p95' });
    await table.updateComplete;
    expect(bodyKeys()[0]).to.equal('slow-model');
    ttftHeader.click();
    await until(() => ttftHeader.closest('th')!.getAttribute('aria-sort') === 'ascending');
    await table.updateComplete;
    expect(bodyKeys()[0]).to.equal('kimi-k2');
    // Export → import gives the same requests.
    for (const format of ['csv', 'json'] as const) expect(importRequests(table.exportData(format)), format).to.deep.equal(table.requests);
  });

  it('Kimi Proxy without the tap: tokens priced with the session model, "no latency data", unknown models "No price"', async () => {
    sim = await Sim.create({ sessions: [1], activeSession: 1, history: 0 });
    const { session } = await sim.createSession({ via: 'http', model: 'kimi-k2' });
    const source = await mount(sim, '<kimi-model-table time-window="0"></kimi-model-table><kimi-cost-meter></kimi-cost-meter>', {
      'session-id': String(session.id),
    });
    const table = source.querySelector<KimiModelTable>('kimi-model-table')!;
    const meter = source.querySelector<KimiCostMeter>('kimi-cost-meter')!;
    table.prices = PRICES;
    meter.prices = JSON.stringify(PRICES);
    const booked = [];
    for (const [tokens, completion] of [
      [12000, 300],
      [15000, 800],
      [17000, 100],
    ] as const)
      booked.push({ ...(await sim.request({ tokens, completion })), tokens, completion });
    await until(() => table.rows[0]?.requests === 3, { what: '3 requests' });
    await table.updateComplete;
    const expected = offlineCost(
      booked.map((b) => ({ id: b.metricId!, model: 'kimi-k2', prompt: b.tokens - b.completion, completion: b.completion })),
      PRICES['kimi-k2'],
    );
    expect(table.rows[0]!.key).to.equal('kimi-k2');
    expect(table.rows[0]!.cost.usd).to.be.closeTo(expected, 1e-12);
    expect(table.rows[0]!.ttftP50).to.equal(null);
    expect(text(table, 'caption')).to.contain('no latency data');
    await until(() => meter.spent.usd !== null && Math.abs(meter.spent.usd - expected) < 1e-12, { what: 'meter total' });
    // A session whose model nobody prices: "No price", never $0.
    table.prices = null;
    const unknownSim = sim;
    const failing = await unknownSim.createSession({ via: 'http', model: 'model-nobody-prices' });
    source.setAttribute('session-id', String(failing.session.id));
    await sim.request({ tokens: 1000, completion: 10 });
    await until(() => table.rows[0]?.key === 'model-nobody-prices', { what: 'row of the unpriced model' });
    await until(() => meter.requestCount === 1, { what: 'the meter follows the session' });
    await table.updateComplete;
    await meter.updateComplete;
    expect(table.rows[0]!.cost.usd).to.equal(null);
    expect(text(meter, 'total')).to.equal('No price');
    expect(text(meter, 'details')).to.contain('1 without a price');
    expect(table.shadowRoot!.querySelector('tbody td:nth-of-type(6)')!.textContent!.trim()).to.equal('No price');
  });

  it('a reconnect with hydration counts no request twice: totals equal the offline computation', async () => {
    sim = await Sim.create({ sessions: [1], activeSession: 1, history: 0 });
    const { session } = await sim.createSession({ via: 'http', model: 'kimi-k2' });
    let hydrations = 0;
    const source = await mount(sim, '<kimi-model-table time-window="0"></kimi-model-table><kimi-cost-meter></kimi-cost-meter>', {
      'session-id': String(session.id),
      'reconnect-delay': '200',
    });
    source.addEventListener('kimi:hydrate', () => hydrations++);
    const table = source.querySelector<KimiModelTable>('kimi-model-table')!;
    const meter = source.querySelector<KimiCostMeter>('kimi-cost-meter')!;
    table.prices = PRICES;
    meter.prices = PRICES;
    const booked: { metricId: number; tokens: number; completion: number }[] = [];
    for (let i = 0; i < 4; i++) {
      const live = i !== 2;
      const b = await sim.request({ tokens: 10_000 + i * 1000, completion: 100 + i, live });
      // A row the provider never confirmed has no split: its estimated tokens count as input.
      booked.push({ metricId: b.metricId!, tokens: 10_000 + i * 1000, completion: live ? 100 + i : 0 });
    }
    await until(() => table.rows[0]?.requests === 3, { what: 'the 3 live requests' });
    await sim.drop();
    await until(() => source.state !== 'open');
    await until(() => source.state === 'open', { what: 'reopened' });
    await until(() => hydrations >= 1, { what: 'hydrated' });
    // The row never broadcast comes with the history; the others come again and must not count twice.
    await until(() => table.rows[0]?.requests === 4, { what: 'the 4th request from history' });
    await sleep(200);
    await table.updateComplete;
    const ids = table.requests.map((r) => r.metricId);
    expect(new Set(ids).size).to.equal(ids.length);
    expect(ids.sort()).to.deep.equal(booked.map((b) => b.metricId).sort());
    const expected = offlineCost(
      booked.map((b) => ({ id: b.metricId, model: 'kimi-k2', prompt: b.tokens - b.completion, completion: b.completion })),
      PRICES['kimi-k2'],
    );
    expect(table.rows[0]!.requests).to.equal(4);
    expect(table.rows[0]!.cost.usd, JSON.stringify(table.requests)).to.be.closeTo(expected, 1e-12);
    await until(() => meter.requestCount === 4);
    expect(meter.spent.usd).to.be.closeTo(expected, 1e-12);
  });

  it('<kimi-cost-meter budget>: share, projection, kimi:budget once per crossing, shown in the alert feed', async () => {
    sim = await Sim.create({ sessions: [1], activeSession: 1, history: 0 });
    const source = await mount(sim, '<kimi-cost-meter budget="1"></kimi-cost-meter><kimi-alert-feed></kimi-alert-feed>');
    const meter = source.querySelector<KimiCostMeter>('kimi-cost-meter')!;
    const feed = source.querySelector<KimiAlertFeed>('kimi-alert-feed')!;
    meter.prices = { big: { input: 8, output: 0 } };
    const events = record<KimiBudgetDetail>(source, 'kimi:budget');
    // 15,625 input tokens at $8 / 1M = $0.125 per request (exact in binary: sums are exact too).
    const taps = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => tapUpdated({ id: from + i, model: 'big', prompt: 15625, completion: 0, ttft: 10 }));
    await sim.push(...taps(1, 3));
    await until(() => meter.requestCount === 3);
    await meter.updateComplete;
    expect(events).to.have.length(0);
    expect(text(meter, 'projection')).to.match(/^Budget \$1\.00: 37\.5 % used, reached in about/);
    await sim.push(...taps(4, 1)); // 50 %
    await until(() => events.length === 1, { what: 'the 50 % crossing' });
    expect(events[0]).to.include({ level: 50, budget: 1, spent: 0.5, share: 50 });
    await sim.push(...taps(5, 1)); // 62.5 %: no new level
    await until(() => meter.requestCount === 5);
    await sleep(50);
    expect(events).to.have.length(1);
    await sim.push(...taps(6, 3)); // 100 %: 80 and 95 at once, each once
    await until(() => events.length === 3, { what: '80 and 95' });
    expect(events.map((e) => e.level)).to.deep.equal([50, 80, 95]);
    await meter.updateComplete;
    expect(text(meter, 'projection')).to.equal('Budget $1.00: 100.0 % used, reached');
    const budget = meter.shadowRoot!.querySelector('[part="budget"]')!;
    expect(budget.getAttribute('role')).to.equal('meter');
    expect(budget.getAttribute('aria-valuenow')).to.equal('100');
    // The owner raising the budget fires nothing; the spend rising past a level again does.
    meter.budget = 2;
    await meter.updateComplete;
    await sleep(50);
    expect(events).to.have.length(3);
    // Prices set by the owner move the share (to 100 % of $2, and back) without a request: no event either.
    meter.prices = { big: { input: 16, output: 0 } };
    await meter.updateComplete;
    await sleep(50);
    expect(meter.share).to.equal(100);
    expect(events).to.have.length(3);
    meter.prices = { big: { input: 8, output: 0 } };
    await meter.updateComplete;
    await sleep(50);
    expect(meter.share).to.equal(50);
    await sim.push(...taps(9, 5)); // $1.625 of $2: 81.25 %; 50 % was passed silently when the budget changed
    await until(() => events.length === 4, { what: '80 % of the new budget' });
    expect(events[3]!.level).to.equal(80);
    await feed.updateComplete;
    // The second 80 % crossing folds into the first (same words within a minute): 3 rows, the top one twice.
    await until(() => feed.items[0]?.count === 2, { what: 'feed items' });
    expect(feed.items.filter((i) => i.kind === 'budget').map((i) => [i.text, i.level, i.count])).to.deep.equal([
      ['80 % of the budget spent', 'warning', 2],
      ['95 % of the budget spent', 'critical', 1],
      ['50 % of the budget spent', 'caution', 1],
    ]);
  });

  it('<kimi-metric-chart series="ttft">: one line per model, exports what it plots; "No latency data" without timings', async () => {
    sim = await Sim.create({ sessions: [1], activeSession: 1, history: 0 });
    const source = await mount(sim, '<kimi-metric-chart series="ttft"></kimi-metric-chart><kimi-metric-chart series="duration"></kimi-metric-chart>');
    const [ttft, duration] = [...source.querySelectorAll<KimiMetricChart>('kimi-metric-chart')];
    await sim.push(
      tapUpdated({ id: 1, model: 'kimi-k2', prompt: 10, completion: 1, ttft: 250, duration: 900 }),
      tapUpdated({ id: 2, model: 'slow-model', prompt: 10, completion: 1, ttft: 4200, duration: 9000 }),
    );
    await until(() => ttft!.points.length === 2 && duration!.points.length === 2, { what: 'points' });
    expect(ttft!.points.map((p) => p.percentage)).to.deep.equal([250, 4200]);
    expect(duration!.points.map((p) => p.percentage)).to.deep.equal([900, 9000]);
    await ttft!.updateComplete;
    const summary = ttft!.shadowRoot!.querySelector('#summary')!.textContent!;
    expect(summary).to.contain('kimi-k2 time to first token 250 ms').and.contain('slow-model time to first token 4.2 s');
    // The export holds the readings, not the plotted copies.
    const exported = importReadings(ttft!.exportData('json'));
    expect(exported.map((r) => r.percentage)).to.not.deep.equal([250, 4200]);
    expect(exported.map((r) => r.request?.ttftMs)).to.deep.equal([250, 4200]);
    expect(importReadings(ttft!.exportData('csv'))).to.deep.equal(exported);
    // Without timings (Kimi Proxy alone): nothing plotted, said so.
    const bare = document.createElement('kimi-metric-chart');
    bare.setAttribute('series', 'ttft');
    const plain = await mount(sim, '');
    plain.append(bare);
    await sim.push({ ...tapUpdated({ id: 3, model: 'x', prompt: 1, completion: 1 }), ttft_ms: undefined, duration_ms: undefined, model: undefined });
    await sleep(200);
    await bare.updateComplete;
    expect(bare.points).to.have.length(0);
    expect(bare.shadowRoot!.querySelector('#summary')!.textContent).to.contain('no latency data');
    await expect(ttft).to.be.accessible();
  });

  it('prices-url loads a price list; a bad list or URL is refused with kimi:error and the other prices stay; the gauge exports its readings', async () => {
    sim = await Sim.create({ sessions: [1], activeSession: 1, history: 0 });
    const source = await mount(sim, '<kimi-model-table time-window="0"></kimi-model-table><kimi-context-gauge></kimi-context-gauge>');
    const table = source.querySelector<KimiModelTable>('kimi-model-table')!;
    const errors = record<{ kind: string; option?: string; message: string }>(table, 'kimi:error');
    table.pricesUrl = new URL('../fixtures/prices.json', import.meta.url).href;
    await sim.push(tapUpdated({ id: 1, model: 'fixture-model', prompt: 1000, completion: 100, cached: 200, ttft: 5 }));
    await until(() => table.rows[0]?.cost.usd !== null && table.rows[0]?.cost.usd !== undefined, { what: 'priced from prices-url' });
    expect(table.rows[0]!.cost.usd).to.equal((800 * 4 + 200 * 1 + 100 * 8) / 1e6);
    // A bad list in the attribute: refused whole, reported, the URL's prices stay.
    table.setAttribute('prices', '{"fixture-model": {"input": -1, "output": 1}}');
    await until(() => errors.some((e) => e.option === 'prices'), { what: 'kimi:error for prices' });
    expect(errors[0]!.kind).to.equal('invalid-option');
    expect(errors[0]!.message).to.contain('fixture-model');
    await table.updateComplete;
    expect(table.rows[0]!.cost.usd).to.equal((800 * 4 + 200 * 1 + 100 * 8) / 1e6);
    // An unreachable list: reported, and the defaults (no price for this model) are used.
    table.pricesUrl = new URL('../fixtures/no-such-prices.json', import.meta.url).href;
    await until(() => errors.some((e) => e.option === 'prices-url'), { what: 'kimi:error for prices-url' });
    await table.updateComplete;
    expect(table.rows[0]!.cost.usd).to.equal(null);
    const gauge = source.querySelector('kimi-context-gauge')!;
    await until(() => gauge.latest !== null);
    const [reading] = importReadings(gauge.exportData('csv'));
    expect(reading!.request).to.include({ model: 'fixture-model', ttftMs: 5, cachedTokens: 200, promptTokens: 1000 });
  });

  it('scope="all" keeps counting across the sessions a following source passes; scope="session" starts afresh', async () => {
    sim = await Sim.create({ sessions: [1, 2], activeSession: 1, history: 0 });
    const source = await mount(sim, '<kimi-cost-meter scope="all"></kimi-cost-meter><kimi-cost-meter></kimi-cost-meter>', { 'no-hydrate': '' });
    const [all, one] = [...source.querySelectorAll<KimiCostMeter>('kimi-cost-meter')];
    await until(() => source.sessionId === '1' || source.activeSessionId === '1', { what: 'following session 1' });
    await sim.request({ tokens: 1000, completion: 10 });
    await sim.request({ tokens: 2000, completion: 20 });
    await until(() => all!.requestCount === 2 && one!.requestCount === 2, { what: 'session 1 requests' });
    await sim.setActive(2);
    await until(() => source.activeSessionId === '2', { what: 'following session 2' });
    await sim.request({ tokens: 3000, completion: 30 });
    await until(() => all!.requestCount === 3 && one!.requestCount === 1, { what: 'session 2 request' });
    expect(new Set(all!.requests.map((r) => r.sessionId))).to.deep.equal(new Set(['1', '2']));
    expect(one!.requests.map((r) => r.sessionId)).to.deep.equal(['2']);
  });

  it('an invalid series falls back to the context chart with a kimi:error', async () => {
    sim = await Sim.create({ sessions: [1], activeSession: 1, history: 0 });
    const source = await mount(sim, '<kimi-metric-chart></kimi-metric-chart>');
    const chart = source.querySelector<KimiMetricChart>('kimi-metric-chart')!;
    const errors = record<{ kind: string; option?: string }>(chart, 'kimi:error');
    chart.setAttribute('series', 'latency');
    await until(() => errors.length === 1, { what: 'kimi:error' });
    expect(errors[0]).to.include({ kind: 'invalid-option', option: 'series' });
    await sim.push(tapUpdated({ id: 1, model: 'kimi-k2', prompt: 1000, completion: 10, ttft: 100 }));
    await until(() => chart.points.length === 1);
    expect(chart.points[0]!.percentage).to.be.closeTo((1010 / 262144) * 100, 1e-9);
  });

  for (const scheme of ['light', 'dark'] as const) {
    it(`the cost meter and the model table are accessible in the ${scheme} scheme`, async function () {
      await useColorScheme(this, scheme);
      sim = await Sim.create({ sessions: [1], activeSession: 1, history: 0 });
      const source = await mount(sim, '<kimi-cost-meter budget="0.001"></kimi-cost-meter><kimi-model-table></kimi-model-table>');
      const meter = source.querySelector<KimiCostMeter>('kimi-cost-meter')!;
      const table = source.querySelector<KimiModelTable>('kimi-model-table')!;
      meter.prices = PRICES;
      table.prices = PRICES;
      await sim.push(tapUpdated({ id: 1, model: 'kimi-k2', prompt: 1000, completion: 10, ttft: 100 }), tapFailed(2, 'kimi-k2'));
      await until(() => table.rows[0]?.errors === 1 && meter.requestCount === 2, { what: 'data' });
      await table.updateComplete;
      await meter.updateComplete;
      await expect(meter).to.be.accessible();
      await expect(table).to.be.accessible();
    });
  }
});
