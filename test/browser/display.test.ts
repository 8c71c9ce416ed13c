// What the dashboard elements show when the server's times and numbers cannot be trusted, and the
// details of time on screen: times never after arrival (a row stamped 2099, a server clock ahead),
// requests in id order with one time and one point each, numbers in range, one clock format per
// locale, relative alert times right to the second, alerts of a session kept when it comes back.
import { expect, fixture, html, nextFrame } from '@open-wc/testing';
import '../../src/define.js';
import type { KimiAlertFeed, KimiConnectionStatus, KimiContextGauge, KimiErrorDetail, KimiMetricChart, KimiRealtime, UsageReading } from '../../src/index.js';
import { ReadingSeries } from '../../src/components/shared/reading-series.js';
import { UsageRefusal, readingFromLogMetric, readingFromMetricUpdated, readingsFromRows } from '../../src/protocol/usage-readings.js';
import { ServerClock } from '../../src/protocol/server-clock.js';
import { deliver } from './helpers/frames.js';
import { mountRealtime, record } from './helpers/element.js';
import { Sim, sleep, until } from './helpers/simulator.js';

const WINDOW = 262_144;
const text = (el: Element, part: string) => (el.shadowRoot?.querySelector(`[part="${part}"]`)?.textContent ?? '').replace(/\s+/g, ' ').trim();
/** SQLite's UTC format, whole seconds, as Kimi Proxy stamps its metrics rows. */
const sqlite = (time: number) => new Date(time).toISOString().slice(0, 19).replace('T', ' ');
const row = (id: number, pct: number, timestamp: string, extra: Record<string, unknown> = {}) => ({
  id,
  session_id: 1,
  timestamp,
  estimated_tokens: Math.round((pct * WINDOW) / 100),
  percentage: pct,
  is_estimated: 0,
  ...extra,
});
const init = (...rows: object[]) => ({ type: 'init', session: { id: 1, name: 's1' }, recent_metrics: rows });
const updated = (id: number, pct: number, extra: Record<string, unknown> = {}) => {
  const tokens = Math.round((pct * WINDOW) / 100);
  return {
    type: 'metric_updated',
    metric_id: id,
    session_id: 1,
    real_tokens: { total: tokens, prompt: tokens - 10, completion: 10, percentage: pct },
    // As the server computes it: tokens ÷ the session model's window.
    cumulative_tokens: tokens,
    cumulative_percentage: (tokens / WINDOW) * 100,
    alert: pct >= 90 ? { level: pct >= 95 ? 'critical' : 'warning', session_id: 1, timestamp: '2026-12-05T10:00:00' } : null,
    source: 'proxy',
    ...extra,
  };
};

interface Panel {
  source: KimiRealtime;
  gauge: KimiContextGauge;
  any: KimiContextGauge;
  chart: KimiMetricChart;
  feed: KimiAlertFeed;
}

async function panel(): Promise<Panel> {
  const source = await fixture<KimiRealtime>(html`
    <kimi-realtime manual no-hydrate session-id="1">
      <kimi-context-gauge></kimi-context-gauge>
      <kimi-context-gauge usage-source="any"></kimi-context-gauge>
      <kimi-metric-chart style="width: 480px"></kimi-metric-chart>
      <kimi-alert-feed></kimi-alert-feed>
    </kimi-realtime>
  `);
  const [gauge, any] = source.querySelectorAll('kimi-context-gauge');
  return { source, gauge: gauge!, any: any!, chart: source.querySelector('kimi-metric-chart')!, feed: source.querySelector('kimi-alert-feed')! };
}

async function settle(...elements: { updateComplete: Promise<unknown> }[]): Promise<void> {
  await nextFrame();
  await nextFrame();
  await Promise.all(elements.map((e) => e.updateComplete));
}

const axisEnd = (chart: KimiMetricChart) => (chart as unknown as { scales: { t1: number; p1: number } | null }).scales!;

describe('times the client cannot trust never hide later data', () => {
  it('a history row stamped 2099 does not freeze the gauges, the chart or its axis', async () => {
    const p = await panel();
    deliver(p.source, init(row(1, 10, '2099-01-01 00:00:00')));
    // The tap's stamps can be wrong too: the feed's time is never in the future either.
    deliver(p.source, updated(2, 90), updated(3, 95.4, { ended_at: '2099-01-01T00:00:00.000+00:00' }));
    const delivered = Date.now();
    await settle(p.gauge, p.any, p.chart, p.feed);
    expect(text(p.gauge, 'value')).to.equal('95.4 %');
    expect(text(p.any, 'value')).to.equal('95.4 %');
    expect(p.chart.latest?.percentage).to.be.closeTo(95.4, 0.01);
    expect(p.chart.readingsOf('proxy').map((r) => r.metricId)).to.deep.equal([1, 2, 3]);
    expect(axisEnd(p.chart).t1, 'the axis ends now, not in 2099').to.be.at.most(delivered + 1000);
    for (const r of p.chart.points) expect(r.time, `reading ${r.metricId}`).to.be.at.most(delivered + 1000);
    expect(p.feed.items[0]!.level).to.equal('critical');
    expect(p.feed.items[0]!.lastAt).to.be.at.most(delivered);
  });

  it('through a real socket: a 2099 row in init, then live frames at 90 % and 95.4 %', async function () {
    this.timeout(15_000);
    const sim = await Sim.create({ sessions: [1], activeSession: 1, history: 0 });
    try {
      const root = await fixture<HTMLDivElement>(html`
        <div>
          <kimi-realtime url=${sim.url} no-hydrate session-id="1">
            <kimi-context-gauge></kimi-context-gauge>
            <kimi-context-gauge usage-source="any"></kimi-context-gauge>
            <kimi-metric-chart style="width: 480px"></kimi-metric-chart>
          </kimi-realtime>
        </div>
      `);
      const source = root.querySelector('kimi-realtime')!;
      await until(() => source.state === 'open', { what: 'open' });
      await sim.push(init(row(9001, 10, '2099-01-01 00:00:00')), updated(9002, 90), updated(9003, 95.4));
      const gauges = [...root.querySelectorAll('kimi-context-gauge')];
      await until(() => gauges.every((g) => text(g, 'value') === '95.4 %'), { what: 'both gauges at 95.4 %' });
      const chart = root.querySelector('kimi-metric-chart')!;
      await until(() => chart.readingsOf('proxy').length === 3, { what: 'three points' });
      await settle(chart);
      expect(axisEnd(chart).t1).to.be.at.most(Date.now());
    } finally {
      await sim.close();
    }
  });

  it('a server clock 60 s ahead with no log frame to learn it from: the live readings after its history are the newest', async () => {
    const p = await panel();
    const ahead = Date.now() + 60_000;
    deliver(p.source, init(row(2, 12, sqlite(ahead)), row(1, 10, sqlite(ahead - 1000))));
    deliver(p.source, updated(3, 90));
    await settle(p.gauge, p.any, p.chart);
    expect(text(p.gauge, 'value')).to.equal('90.0 %');
    expect(text(p.any, 'value')).to.equal('90.0 %');
    const points = p.chart.readingsOf('proxy');
    expect(points.map((r) => r.metricId)).to.deep.equal([1, 2, 3]);
    for (let i = 1; i < points.length; i++) expect(points[i]!.time, 'time order').to.be.at.least(points[i - 1]!.time);
  });

  it('a log line stamped in the future does not hide the readings after it (usage-source="any")', async () => {
    const p = await panel();
    deliver(p.source, {
      type: 'log_metric',
      source: 'continue_logs',
      source_family: 'continue_logs',
      session_id: 1,
      timestamp: '2099-06-01T12:00:00.000000',
      metrics: { total_tokens: 50_000, max_context: 131_072, percentage: 38.1 },
    });
    deliver(p.source, updated(4, 70));
    await settle(p.any);
    expect(text(p.any, 'value')).to.equal('70.0 %');
  });

  it('history that arrives after live readings slots in by metric id, whatever its time says', () => {
    const series = new ReadingSeries(10);
    const clock = new ServerClock();
    const now = Date.now();
    const live = readingFromMetricUpdated(updated(5, 80) as never, now, clock) as UsageReading;
    expect(series.add(live)).to.equal(true);
    // Answered later, by a server whose clock is a minute ahead.
    const history = readingsFromRows([row(4, 70, sqlite(now + 60_000)), row(3, 60, sqlite(now + 59_000))], '1', 'hydrate', clock, now + 500);
    for (const r of history) series.add(r);
    const held = series.toArray();
    expect(held.map((r) => r.metricId)).to.deep.equal([3, 4, 5]);
    expect(series.last!.metricId).to.equal(5);
    for (let i = 1; i < held.length; i++) expect(held[i]!.time, 'time order').to.be.at.least(held[i - 1]!.time);
  });

  it('every server time is read no later than its arrival (server clock)', () => {
    const clock = new ServerClock();
    const arrival = Date.now();
    expect(clock.readAt('2099-01-01 00:00:00', arrival)).to.equal(arrival);
    expect(clock.readAt('2099-01-01T00:00:00.5', arrival)).to.equal(arrival);
    expect(clock.readAt(4_102_444_800_000, arrival)).to.equal(arrival);
    expect(clock.readAt('1970-01-01 00:00:01', arrival), 'before 2000: unreadable').to.be.NaN;
    expect(clock.readAt(sqlite(arrival - 5000), arrival)).to.equal(Math.floor((arrival - 5000) / 1000) * 1000);
  });
});

describe('numbers out of range', () => {
  const now = Date.now();
  const clock = new ServerClock();
  // A reading, or the field a refusal names (no reading is made from these figures).
  const outcome = (r: UsageReading | UsageRefusal | null) => (r instanceof UsageRefusal ? `refused ${r.field}` : r);
  const fromUpdate = (fields: Record<string, unknown>) =>
    outcome(readingFromMetricUpdated({ ...updated(9, 50), ...fields } as never, now, clock)) as UsageReading;
  const fromLog = (metrics: Record<string, unknown>) =>
    outcome(readingFromLogMetric({ type: 'log_metric', source: 'continue_logs', session_id: 1, timestamp: '', metrics } as never, now, clock)) as UsageReading;

  it('readings are made only from figures in range that agree with each other; a refusal names the figure', () => {
    expect(fromUpdate({ cumulative_percentage: 1e308 }), 'percentage 1e308').to.equal('refused cumulative_percentage');
    expect(fromUpdate({ cumulative_tokens: 1e308 }), 'tokens 1e308').to.equal('refused cumulative_tokens');
    expect(fromUpdate({ cumulative_tokens: 2 ** 60 }), 'huge int').to.equal('refused cumulative_tokens');
    expect(fromUpdate({ cumulative_tokens: -5 }), 'negative tokens').to.equal('refused cumulative_tokens');
    expect(fromUpdate({ cumulative_percentage: -1 }), 'negative percentage').to.equal('refused cumulative_percentage');
    expect(fromUpdate({ cumulative_tokens: 0, cumulative_percentage: 97 }), '0 tokens at 97 %').to.equal('refused cumulative_percentage');
    expect(fromUpdate({ cumulative_tokens: 5, cumulative_percentage: 90 }), 'a window of 6 tokens').to.equal('refused cumulative_percentage');
    expect(fromUpdate({ cumulative_tokens: 'NaN' }), 'a string').to.equal('refused cumulative_tokens');
    expect(fromUpdate({ cumulative_percentage: '97' }), 'a numeric string').to.equal('refused cumulative_percentage');
    expect(fromLog({ total_tokens: 500, max_context: 0.4, percentage: 125_000 }), 'window 0.4').to.equal('refused metrics.max_context');
    expect(fromLog({ total_tokens: 1e308, max_context: 131_072 }), 'log tokens 1e308').to.equal('refused metrics.total_tokens');
    expect(fromLog({ total_tokens: 500 }), 'no window and no share: nothing to refuse').to.equal(null);
    expect(fromUpdate({ cumulative_tokens: null }), 'no tokens: nothing to refuse').to.equal(null);
    // A window out of range is not stated: the server's percentage and the window it implies stand.
    const fallback = fromLog({ total_tokens: 65_536, max_context: 0.4, percentage: 50 })!;
    expect([fallback.window, fallback.percentage]).to.deep.equal([131_072, 50]);
    const fine = fromUpdate({ cumulative_tokens: 131_072.4, cumulative_percentage: 50 })!;
    expect([fine.tokens, fine.window]).to.deep.equal([131_072, WINDOW]);
    expect(fromUpdate({ cumulative_tokens: 0, cumulative_percentage: 0 })?.percentage).to.equal(0);
    expect(fromUpdate({ metric_id: 1e308 })?.metricId, 'an id past 2^53').to.equal(null);
    expect(fromUpdate({ metric_id: -4 })?.metricId, 'a negative id').to.equal(null);
  });

  it('a frame whose figures give no reading says so: one kimi:error out-of-range per frame type and field, the frame still delivered', async () => {
    const sim = await Sim.create({ sessions: [1], activeSession: 1, history: 0 });
    try {
      const el = await mountRealtime({ url: sim.url, 'session-id': '1', 'no-hydrate': true });
      const errors = record<KimiErrorDetail>(el, 'kimi:error');
      const raw = record(el, 'kimi:metric_updated');
      const logs = record(el, 'kimi:log_metric');
      const readings = record<UsageReading>(el, 'kimi:metric');
      await sim.push(
        updated(1, 40),
        updated(2, 50, { cumulative_percentage: 1e308 }),
        updated(3, 50, { cumulative_percentage: 5e307 }),
        updated(4, 97, { cumulative_tokens: 0 }),
        { type: 'log_metric', source: 'continue_logs', session_id: 1, timestamp: '', metrics: { total_tokens: 500, max_context: 0.4, percentage: 125_000 } },
        { type: 'log_metric', source: 'continue_logs', session_id: 1, timestamp: '', metrics: { total_tokens: 500, max_context: 0.4 } },
        init(row(7, 30, sqlite(Date.now() - 5000)), row(8, 30, sqlite(Date.now() - 4000), { percentage: 1e9 })),
        updated(5, 60),
      );
      await until(() => raw.length === 5 && logs.length === 2, { what: 'every frame delivered' });
      const ranges = errors.filter((e) => e.kind === 'out-of-range');
      // Each names the frame type (also the excerpt), the field and its value.
      expect(ranges.map((e) => [e.excerpt, e.message.match(/type "\w+": ([\w.]+) (\S+) is out of range/)?.slice(1)])).to.deep.equal([
        ['metric_updated', ['cumulative_percentage', '1e+308']],
        ['log_metric', ['metrics.max_context', '0.4']],
        ['init', ['percentage', '1000000000']],
      ]);
      expect(ranges.every((e) => e.recovered === true)).to.equal(true);
      expect(readings.map((r) => r.metricId)).to.deep.equal([1, 7, 5]);
    } finally {
      await sim.close();
    }
  });

  it('the panels never print absurd figures, and the threshold alert of a refused frame still reaches the feed', async () => {
    const p = await panel();
    deliver(p.source, updated(1, 40));
    deliver(
      p.source,
      updated(2, 50, { cumulative_percentage: 1e308 }),
      updated(3, 50, { cumulative_tokens: 1e308 }),
      updated(4, 97, { cumulative_tokens: 0, real_tokens: { total: 0, prompt: 0, completion: 0, percentage: 97 } }),
      { type: 'log_metric', source: 'continue_logs', session_id: 1, timestamp: '', metrics: { total_tokens: 500, max_context: 0.4, percentage: 125_000 } },
    );
    await settle(p.gauge, p.any, p.chart, p.feed);
    for (const g of [p.gauge, p.any]) {
      expect(text(g, 'value')).to.equal('40.0 %');
      expect(text(g, 'tokens')).to.equal('104,858 / 262,144 tokens');
    }
    expect(axisEnd(p.chart).p1, 'the axis is not flattened').to.equal(100);
    expect(p.chart.points.map((r) => r.metricId)).to.deep.equal([1]);
    // The server's own alert of the frame with 0 tokens at 97 %, at the server's level.
    expect(p.feed.items.map((i) => i.level)).to.deep.equal(['critical']);
    expect(p.feed.items[0]!.detail, 'no 0-token figures').to.not.contain('0 tokens');
  });

  it('alert details leave out figures out of range', async () => {
    const p = await panel();
    deliver(p.source, {
      type: 'compaction_event',
      session_id: 1,
      compaction: { tokens_saved: 1e308, original_tokens: -3, compacted_tokens: 100, messages_before: 1e300, messages_after: 2, compaction_ratio: 1e308 },
    });
    await settle(p.feed);
    const item = p.feed.items[0]!;
    expect(`${item.text} ${item.detail}`).to.not.match(/\d{12,}|Infinity|NaN|e\+/);
    expect(item.text).to.equal('Compaction saved ? tokens');
  });
});

describe('history order and one time per request', () => {
  it('rows of the same second are drawn in id order (no backward spike)', async () => {
    const p = await panel();
    const second = sqlite(Date.now() - 5000);
    // Newest first by timestamp; within a second SQLite leaves them in id order.
    deliver(p.source, init(row(1, 30, second), row(2, 60, second)));
    await settle(p.gauge, p.chart);
    expect(p.chart.readingsOf('proxy').map((r) => r.percentage)).to.deep.equal([30, 60]);
    expect(text(p.gauge, 'value')).to.equal('60.0 %');
  });

  it('a request seen live and in history keeps one point at its live time, whichever came first', async () => {
    const p = await panel();
    const started = Date.now() - 3000;
    deliver(p.source, init(row(7, 50, sqlite(started))));
    deliver(p.source, updated(7, 50));
    const live = Date.now();
    deliver(p.source, updated(8, 55));
    deliver(p.source, init(row(8, 55, sqlite(started + 1000)), row(7, 50, sqlite(started))));
    await settle(p.chart, p.gauge);
    const points = p.chart.readingsOf('proxy');
    expect(points.map((r) => r.metricId)).to.deep.equal([7, 8]);
    expect(points.map((r) => r.origin)).to.deep.equal(['live', 'live']);
    expect(points[0]!.time).to.be.within(live - 100, live + 5);
    expect(text(p.gauge, 'value')).to.equal('55.0 %');
  });

  it("the tap's ended_at is the request's time, live and in history", async () => {
    const p = await panel();
    const ended = Date.now() - 2500;
    const iso = (t: number) => new Date(t).toISOString().replace('Z', '+00:00');
    deliver(p.source, updated(11, 40, { started_at: iso(ended - 900), ended_at: iso(ended) }));
    const other = await fixture<KimiRealtime>(html`<kimi-realtime manual no-hydrate session-id="1"><kimi-metric-chart></kimi-metric-chart></kimi-realtime>`);
    deliver(other, init(row(11, 40, sqlite(ended - 900), { started_at: iso(ended - 900), ended_at: iso(ended) })));
    const chart = other.querySelector('kimi-metric-chart')!;
    await settle(p.chart, chart);
    expect(p.chart.readingsOf('proxy')[0]!.time).to.equal(ended);
    expect(chart.readingsOf('proxy')[0]!.time).to.equal(ended);
  });
});

describe('times on screen', function () {
  this.timeout(20_000);
  let sim: Sim | undefined;
  afterEach(async () => {
    await sim?.close();
    sim = undefined;
  });

  const CLOCK = /\d{1,2}:\d{2}:\d{2}(?:\s?[AP]M)?/;
  const clockIn = (s: string) => CLOCK.exec(s)?.[0] ?? '';

  it('one time format per page locale, the same in every element (12 h in en-US, 24 h in en-GB)', async () => {
    sim = await Sim.create({ sessions: [1], activeSession: 1 });
    const mount = (lang: string) => html`
      <div lang=${lang}>
        <kimi-realtime url=${sim!.url} no-hydrate session-id="1" reconnect-delay="5000">
          <kimi-connection-status></kimi-connection-status>
          <kimi-context-gauge></kimi-context-gauge>
          <kimi-metric-chart style="width: 480px"></kimi-metric-chart>
          <kimi-alert-feed></kimi-alert-feed>
        </kimi-realtime>
      </div>
    `;
    const root = await fixture<HTMLDivElement>(html`<div>${mount('en-US')}${mount('en-GB')}</div>`);
    const sources = [...root.querySelectorAll('kimi-realtime')];
    await until(() => sources.every((s) => s.state === 'open'), { what: 'open' });
    for (const s of sources) deliver(s, updated(1, 42));
    await sleep(50);
    const sinceOf = (s: KimiRealtime) => clockIn(s.querySelector<KimiConnectionStatus>('kimi-connection-status')!.shadowRoot!.textContent!);
    // The status reads its stats once a second.
    await until(() => sources.every((s) => sinceOf(s) !== ''), { what: 'connected since' });
    const since = sources.map(sinceOf);
    const summaries = sources.map((s) => clockIn(s.querySelector('kimi-metric-chart')!.shadowRoot!.querySelector('#summary')!.textContent!));
    await sim.restart(3000);
    await until(() => sources.every((s) => s.state !== 'open'), { what: 'closed' });
    await sleep(100);
    for (const [i, s] of sources.entries()) {
      const times = [
        since[i]!,
        summaries[i]!,
        ...['kimi-context-gauge', 'kimi-metric-chart', 'kimi-alert-feed'].map((tag) => clockIn(text(s.querySelector(tag)!, 'notice'))),
      ];
      const twelve = i === 0;
      for (const t of times) {
        expect(t, `${s.parentElement!.lang}: ${times.join(' | ')}`).to.match(twelve ? /^\d{2}:\d{2}:\d{2}\s?[AP]M$/ : /^\d{2}:\d{2}:\d{2}$/);
      }
    }
  });

  it('relative alert times are redrawn when their text changes, not every 15 s', async () => {
    const p = await panel();
    deliver(p.source, updated(1, 92));
    await settle(p.feed);
    const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto', style: 'short' });
    const shown = () => p.feed.shadowRoot!.querySelector('time')!.textContent!.trim();
    expect(shown()).to.equal(rtf.format(0, 'second'));
    // As if the alert had come 4.5 s ago: within a second it is 5 s old and says so.
    (p.feed.items[0] as { lastAt: number }).lastAt -= 4500;
    p.feed.requestUpdate();
    await settle(p.feed);
    await until(() => shown() !== rtf.format(0, 'second'), { timeout: 2000, what: 'the time moved on' });
    expect([rtf.format(-5, 'second'), rtf.format(-6, 'second')]).to.include(shown());
  });

  it("a session's alerts are kept when another session is shown and come back with it", async () => {
    const p = await panel();
    deliver(p.source, updated(1, 92), { type: 'streaming_error', session_id: 1, metric_id: 1, error_type: 'read_error', error_message: 'Stream cut' });
    await settle(p.feed);
    const before = p.feed.items.map((i) => `${i.level}|${i.text}|${i.count}`);
    expect(before.length).to.equal(2);
    p.source.setAttribute('session-id', '2');
    await until(() => p.feed.items.length === 0, { what: 'session 2 shows its own alerts' });
    deliver(p.source, { ...updated(5, 96), session_id: 2 });
    await settle(p.feed);
    expect(p.feed.items.length).to.equal(1);
    p.source.setAttribute('session-id', '1');
    await until(() => p.feed.items.length === 2, { what: 'session 1 again' });
    expect(p.feed.items.map((i) => `${i.level}|${i.text}|${i.count}`)).to.deep.equal(before);
    p.source.setAttribute('session-id', '2');
    await until(() => p.feed.items.length === 1, { what: 'session 2 again' });
    expect(p.feed.items[0]!.level).to.equal('critical');
    // clear() still clears.
    p.feed.clear();
    expect(p.feed.items.length).to.equal(0);
  });
});

export type { UsageReading };
