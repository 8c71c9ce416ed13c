import { expect, fixture, html } from '@open-wc/testing';
import { ifDefined } from 'lit/directives/if-defined.js';
import { resetMouse, sendKeys, sendMouse } from '@web/test-runner-commands';
import '../../src/define.js';
import { deliver } from './helpers/frames.js';
import { KimiMetricChart } from '../../src/components/metric-chart/kimi-metric-chart.js';
import type { InitMessage, KimiRealtime, LogMetricMessage, MetricMessage, MetricRow, MetricUpdatedMessage } from '../../src/index.js';
import {
  compactTokens,
  computeScales,
  nearest,
  nearestIndex,
  niceStep,
  percentCeiling,
  seriesExtent,
  timeTicks,
  yOf,
  type TimeLabel,
} from '../../src/components/metric-chart/chart-scales.js';
import { ReadingSeries, capacityOf } from '../../src/components/shared/reading-series.js';
import { formatClock } from '../../src/components/shared/locale.js';
import { levelOf, type UsageReading, type UsageSource } from '../../src/protocol/usage-readings.js';
import { loadFixtures, type Fixtures } from './helpers/fixtures.js';
import { Sim, until } from './helpers/simulator.js';
import { RENDERS } from '../../src/components/shared/dashboard-element.js';
import { setColorScheme, useColorScheme } from './helpers/browser.js';

KimiMetricChart.define();

const WINDOW = 262144;
const frame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => r()));
const tokens = new Intl.NumberFormat();
/** A tick or readout time as the chart writes it (this page has no `lang`: the browser's language). */
const clock = (time: number, withDate = false): string => formatClock(time, undefined, withDate);

function send(target: Element, message: object): void {
  deliver(target, message);
}

interface Mounted {
  root: HTMLDivElement;
  realtime: KimiRealtime;
  chart: KimiMetricChart;
}

interface MountOptions {
  width?: number;
  maxPoints?: number;
  style?: string;
  /** `usage-sources` of the chart; its own default ("proxy") when left out. */
  sources?: string;
  /** `server-utc-offset` of the `<kimi-realtime>`, minutes. */
  offset?: number;
}

/** `<kimi-realtime manual session-id="1"><kimi-metric-chart>`, laid out and drawn once. */
async function mount({ width = 600, maxPoints, style = '', sources, offset }: MountOptions = {}): Promise<Mounted> {
  const root = await fixture<HTMLDivElement>(html`
    <div style="width: ${width}px; ${style}">
      <kimi-realtime manual session-id="1" server-utc-offset=${ifDefined(offset)}>
        <kimi-metric-chart max-points=${maxPoints ?? 300} usage-sources=${ifDefined(sources)}></kimi-metric-chart>
      </kimi-realtime>
    </div>
  `);
  const realtime = root.querySelector('kimi-realtime')!;
  const chart = root.querySelector('kimi-metric-chart')!;
  await settle(chart);
  return { root, realtime, chart };
}

function canvasOf(chart: KimiMetricChart): HTMLCanvasElement {
  return chart.shadowRoot!.querySelector('canvas')!;
}

function part(chart: KimiMetricChart, name: string): HTMLElement {
  return chart.shadowRoot!.querySelector(`[part~="${name}"]`)!;
}

/** The legend entries, text only: "Proxy requests, window 262,144 tokens", "80 % caution", … */
function legend(chart: KimiMetricChart): string[] {
  return [...part(chart, 'legend').querySelectorAll('li')].map((li) => li.textContent!.replace(/\s+/g, ' ').trim());
}

/** The text alternative, and the notice the base class appends while the source is not open (a manual source never is). */
function summaryOf(chart: KimiMetricChart): { text: string; notice: string } {
  const notice = chart.shadowRoot!.querySelector('[part~="notice"]')?.textContent?.trim() ?? '';
  return { text: chart.shadowRoot!.querySelector('#summary')!.textContent!, notice };
}

/** Records every text the chart draws on its canvas from now on (tick and threshold labels). */
function recordCanvasText(chart: KimiMetricChart): string[] {
  const ctx = canvasOf(chart).getContext('2d')!;
  const drawn: string[] = [];
  const fillText = ctx.fillText.bind(ctx);
  ctx.fillText = (text: string, x: number, y: number, maxWidth?: number): void => {
    drawn.push(text);
    if (maxWidth === undefined) fillText(text, x, y);
    else fillText(text, x, y, maxWidth);
  };
  return drawn;
}

/** Waits for the canvas to be sized and every pending render to be done. */
async function settle(chart: KimiMetricChart): Promise<void> {
  await until(() => canvasOf(chart)?.width > 0, { what: 'canvas sized' });
  await frame();
  await chart.updateComplete;
  await frame();
  await chart.updateComplete;
}

let fixtures: Fixtures;
function byType<T extends object = Record<string, unknown>>(type: string, index = 0): T {
  return structuredClone(fixtures.messages.filter((m) => m.type === type)[index]!) as T;
}

/** Every request has its own metric id (the same id is the same request): one per frame built here. */
let nextMetricId = 1000;

/** A metric_updated of a new request near `percentage`, as the server computes it: tokens first, then tokens / window. */
function metricUpdated(percentage: number, session = 1, id = nextMetricId++): MetricUpdatedMessage {
  const m = byType<MetricUpdatedMessage>('metric_updated');
  m.metric_id = id;
  m.session_id = session;
  m.cumulative_tokens = Math.round((percentage * WINDOW) / 100);
  m.cumulative_percentage = (m.cumulative_tokens / WINDOW) * 100;
  m.real_tokens = { ...m.real_tokens, total: m.cumulative_tokens, percentage: m.cumulative_percentage };
  return m;
}

/** A `log_metric` usage line (Continue's by default) with the server's naive local timestamp and its own window. */
function logLine(timestamp: string, total: number, window = WINDOW, source = 'continue_logs', family = source): LogMetricMessage {
  const m = byType<LogMetricMessage>('log_metric');
  m.source = source;
  m.source_family = family;
  m.metrics = { ...m.metrics, total_tokens: total, context_length: window, max_context: window, percentage: (total / window) * 100 };
  m.timestamp = timestamp;
  return m;
}

/** A `continue_logs` frame at a given second of a day after the fixtures' init, so points are spaced in time. */
function logAt(second: number, percentage: number): LogMetricMessage {
  const mm = String(Math.floor(second / 60)).padStart(2, '0');
  const ss = String(second % 60).padStart(2, '0');
  return logLine(`2026-05-08T10:${mm}:${ss}.000000`, Math.round((percentage * WINDOW) / 100));
}

/** SQLite UTC, as metrics rows are stamped. */
const sqlite = (time: number): string => new Date(time).toISOString().slice(0, 19).replace('T', ' ');

interface Row {
  id: number;
  /** SQLite UTC timestamp. */
  at: string;
  percentage: number;
  estimated?: boolean;
}

/** An `init` of session 1 whose history is `rows` (given oldest first; sent newest first, as the server does). */
function initWith(rows: Row[]): InitMessage {
  const init = byType<InitMessage>('init');
  const template = init.recent_metrics.find((r) => r.is_estimated === 0)!;
  init.recent_metrics = rows
    .map((r): MetricRow => {
      const total = Math.round((r.percentage * WINDOW) / 100);
      return { ...template, id: r.id, timestamp: r.at, estimated_tokens: total, percentage: (total / WINDOW) * 100, is_estimated: r.estimated ? 1 : 0 };
    })
    .reverse();
  return init;
}

const ascending = (times: number[]): boolean => times.every((t, i) => i === 0 || times[i - 1]! <= t);

type RGB = [number, number, number];

/** For each device-pixel row: how many opaque pixels in it are close to `colour`. */
function rowCounts(canvas: HTMLCanvasElement, colour: RGB): number[] {
  const { width, height } = canvas;
  const data = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
  const counts = new Array<number>(height).fill(0);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      if (data[i + 3]! > 200 && Math.abs(data[i]! - colour[0]) < 40 && Math.abs(data[i + 1]! - colour[1]) < 40 && Math.abs(data[i + 2]! - colour[2]) < 40)
        counts[y]!++;
    }
  }
  return counts;
}

/** The row with the most pixels of `colour`, and how many. */
function strongestRow(canvas: HTMLCanvasElement, colour: RGB): { y: number; count: number } {
  const counts = rowCounts(canvas, colour);
  let y = 0;
  for (let i = 1; i < counts.length; i++) if (counts[i]! > counts[y]!) y = i;
  return { y, count: counts[y]! };
}

describe('<kimi-metric-chart>', () => {
  before(async () => {
    fixtures = await loadFixtures();
  });

  afterEach(async () => {
    await setColorScheme('light');
    await resetMouse();
  });

  it('takes the init history oldest first, leaving out the rows the provider never confirmed', async () => {
    const { realtime, chart } = await mount();
    const init = byType<InitMessage>('init');
    send(
      realtime,
      initWith([
        { id: 39, at: '2026-05-07 07:00:10', percentage: 3 },
        { id: 40, at: '2026-05-07 07:01:20', percentage: 4 },
        { id: 41, at: '2026-05-07 07:02:31', percentage: 4.5 },
        { id: 42, at: '2026-05-07 07:05:58', percentage: 7, estimated: true },
      ]),
    );
    await chart.updateComplete;
    expect(chart.points.map((p) => p.metricId)).to.deep.equal([39, 40, 41]);
    expect(ascending(chart.points.map((p) => p.time))).to.equal(true);
    expect(chart.points[0]!.time).to.equal(Date.UTC(2026, 4, 7, 7, 0, 10));
    expect(chart.points.every((p) => p.source === 'proxy' && p.frame === 'init' && p.origin === 'history')).to.equal(true);
    expect(chart.maxContext).to.equal(WINDOW);
    // The fixture's own init: its newest row (42) is an estimate, its other row (41) is drawn.
    const { realtime: other, chart: second } = await mount();
    send(other, init);
    await second.updateComplete;
    expect(init.recent_metrics.map((r) => r.is_estimated)).to.deep.equal([1, 0]);
    expect(second.points.map((p) => p.tokens)).to.deep.equal([init.recent_metrics[1]!.estimated_tokens]);
  });

  it('draws the proxy readings by default; with usage-sources="proxy continue" log readings are a second line with their own window', async () => {
    const { realtime, chart } = await mount();
    send(realtime, byType('init'));
    // The fixture's metric_updated is request 42, whose init row is the unconfirmed estimate: the live reading, with real tokens, is drawn.
    send(realtime, byType('metric_updated'));
    // Continue's IDE runs a 128k model: its log states that window.
    const log = byType<LogMetricMessage>('log_metric');
    log.metrics = { ...log.metrics, context_length: 131072, max_context: 131072 };
    send(realtime, log);
    send(realtime, byType<MetricMessage>('metric'));
    await chart.updateComplete;
    expect(realtime.readings.some((r) => r.source === 'continue')).to.equal(true);
    expect(chart.readingsOf('continue')).to.deep.equal([]);
    // Time order: the legacy metric is stamped 2026-02-20, the init row 2026-05-07, the live one on arrival.
    expect(chart.points.map((p) => p.frame)).to.deep.equal(['metric', 'init', 'metric_updated']);
    expect(chart.points.map((p) => p.metricId)).to.deep.equal([43, 41, 42]);
    expect(chart.points.every((p) => p.source === 'proxy' && p.window === WINDOW)).to.equal(true);
    expect(chart.latest!.tokens).to.equal(18716);
    expect(chart.maxContext).to.equal(WINDOW);
    expect(legend(chart)[0]).to.equal(`Proxy requests, window ${tokens.format(WINDOW)} tokens`);

    chart.setAttribute('usage-sources', 'proxy continue');
    await chart.updateComplete;
    expect(chart.points).to.have.length(4);
    const [continued] = chart.readingsOf('continue');
    expect(continued!.tokens).to.equal(18716);
    expect(continued!.window).to.equal(131072);
    expect(continued!.percentage).to.be.closeTo((18716 / 131072) * 100, 1e-9);
    expect(chart.readingsOf('proxy').map((p) => p.window)).to.deep.equal([WINDOW, WINDOW, WINDOW]);
    expect(chart.maxContext).to.equal(WINDOW); // the newest reading is the live proxy one
    expect(legend(chart).slice(0, 2)).to.deep.equal([
      `Proxy requests, window ${tokens.format(WINDOW)} tokens`,
      `Continue log, window ${tokens.format(131072)} tokens`,
    ]);
  });

  it('keeps init in time order when live frames came first, and each request once', async () => {
    const { realtime, chart } = await mount({ sources: 'proxy continue' });
    // PROTOCOL.md §12.4: frames can precede init. Request 41 arrives live, then again as init's newest row.
    send(realtime, logAt(5, 12));
    send(realtime, metricUpdated(20, 1, 41));
    send(realtime, metricUpdated(22, 1, 44));
    send(
      realtime,
      initWith([
        { id: 39, at: '2026-05-08 09:58:00', percentage: 10 },
        { id: 40, at: '2026-05-08 09:59:00', percentage: 15 },
        { id: 41, at: '2026-05-08 10:00:00', percentage: 19 },
      ]),
    );
    await chart.updateComplete;
    const proxy = chart.readingsOf('proxy');
    expect(proxy.map((p) => p.metricId)).to.deep.equal([39, 40, 41, 44]);
    expect(proxy.map((p) => p.frame)).to.deep.equal(['init', 'init', 'metric_updated', 'metric_updated']);
    expect(proxy[2]!.percentage).to.be.closeTo(20, 0.01); // the live reading of 41 stays
    expect(ascending(proxy.map((p) => p.time))).to.equal(true);
    expect(chart.readingsOf('continue').map((p) => p.frame)).to.deep.equal(['log_metric']);
    expect(chart.points).to.have.length(5);
    expect(ascending(chart.points.map((p) => p.time))).to.equal(true);
  });

  it('merges init history with live readings by request: no duplicate, nothing live removed by a later init', async () => {
    const { realtime, chart } = await mount();
    const t = Date.now();
    send(
      realtime,
      initWith([
        { id: 39, at: sqlite(t - 300_000), percentage: 10 },
        { id: 40, at: sqlite(t - 240_000), percentage: 12 },
      ]),
    );
    send(realtime, metricUpdated(14, 1, 41));
    send(realtime, metricUpdated(16, 1, 42));
    await chart.updateComplete;
    expect(chart.points.map((p) => p.metricId)).to.deep.equal([39, 40, 41, 42]);
    // A reconnect: init again, with rows already shown, one request missed while away (43) and an estimate (44).
    send(
      realtime,
      initWith([
        { id: 40, at: sqlite(t - 240_000), percentage: 12 },
        { id: 41, at: sqlite(t - 10_000), percentage: 14 },
        { id: 42, at: sqlite(t - 5_000), percentage: 16 },
        { id: 43, at: sqlite(t + 2_000), percentage: 18 },
        { id: 44, at: sqlite(t + 3_000), percentage: 19, estimated: true },
      ]),
    );
    await chart.updateComplete;
    expect(chart.points.map((p) => p.metricId)).to.deep.equal([39, 40, 41, 42, 43]);
    expect(chart.points.map((p) => p.origin)).to.deep.equal(['history', 'history', 'live', 'live', 'history']);
    expect(ascending(chart.points.map((p) => p.time))).to.equal(true);
    expect(chart.latest!.metricId).to.equal(43);
  });

  it('keeps at most max-points readings, the newest, and follows a change of the attribute', async () => {
    const { realtime, chart } = await mount({ maxPoints: 5 });
    for (let i = 1; i <= 12; i++) send(realtime, metricUpdated(i));
    await chart.updateComplete;
    expect(chart.points.map((p) => Math.round(p.percentage))).to.deep.equal([8, 9, 10, 11, 12]);
    chart.setAttribute('max-points', '3');
    await chart.updateComplete;
    expect(chart.points.map((p) => Math.round(p.percentage))).to.deep.equal([10, 11, 12]);
  });

  it('takes no reading and no window from log_metric error, CompileChat and window-only frames', async () => {
    const { realtime, chart } = await mount({ sources: 'all' });
    send(realtime, metricUpdated(50));
    await chart.updateComplete;
    expect(chart.maxContext).to.equal(WINDOW);
    const readingsBefore = realtime.readings.length;

    // Each states a 131072 window: none of it may reach any line.
    const limitError = byType<LogMetricMessage>('log_metric', 2);
    expect(limitError.source_family).to.equal('error');
    limitError.metrics = { ...limitError.metrics, max_context: 131072, context_length: 131072 };
    const apiError: LogMetricMessage = { ...structuredClone(limitError), source: 'continue_api_error', source_label: 'Erreur Continue' };
    apiError.metrics = { ...apiError.metrics, total_tokens: 200000, percentage: 76.3 };
    const global = byType<LogMetricMessage>('log_metric', 1);
    expect(global.source_family).to.equal('kimi_global');
    global.metrics = { ...global.metrics, max_context: 131072, context_length: 131072 };
    const compile = byType<LogMetricMessage>('log_metric', 3);
    expect(compile.source_family).to.equal('continue_compile');
    compile.session_id = 1;
    compile.metrics = { ...compile.metrics, max_context: 131072, context_length: 131072, percentage: (compile.metrics.total_tokens / 131072) * 100 };
    expect(compile.metrics.total_tokens).to.be.above(0);
    for (const m of [limitError, apiError, global, compile]) send(realtime, m);
    send(realtime, metricUpdated(60));
    await chart.updateComplete;

    expect(realtime.readings.length - readingsBefore).to.equal(1);
    expect(chart.points.map((p) => p.source)).to.deep.equal(['proxy', 'proxy']);
    expect(chart.readingsOf('proxy').map((p) => p.window)).to.deep.equal([WINDOW, WINDOW]);
    expect(chart.maxContext).to.equal(WINDOW);
    expect(chart.latest!.percentage).to.be.closeTo(60, 0.01);

    // A usage line is a reading of its own source, with the window it states.
    send(realtime, logLine('2026-05-07T09:40:00.000000', 65536, 131072));
    await chart.updateComplete;
    expect(chart.points).to.have.length(3);
    expect(chart.readingsOf('continue').map((p) => [p.window, p.percentage])).to.deep.equal([[131072, 50]]);
    expect(chart.readingsOf('proxy').map((p) => p.window)).to.deep.equal([WINDOW, WINDOW]);
    expect(chart.maxContext).to.equal(WINDOW);
  });

  it('ignores a legacy metric whose figures are zero (the old server bug)', async () => {
    const { realtime, chart } = await mount();
    const zero = byType<MetricMessage>('metric');
    zero.metric = { ...zero.metric, estimated_tokens: 0, cumulative_tokens: 0, percentage: 0 };
    send(realtime, zero);
    await chart.updateComplete;
    expect(chart.points).to.deep.equal([]);
    send(realtime, byType('metric'));
    await chart.updateComplete;
    expect(chart.points.length).to.equal(1);
  });

  it('starts over when the session changes', async () => {
    const { realtime, chart } = await mount({ sources: 'proxy continue' });
    send(realtime, byType('init'));
    send(realtime, metricUpdated(40));
    send(realtime, logAt(3, 30));
    await chart.updateComplete;
    expect(chart.points.length).to.equal(3);
    realtime.setAttribute('session-id', '2');
    // The attribute is read in the source's next update; the chart hears of it then.
    await realtime.updateComplete;
    await chart.updateComplete;
    expect(chart.points).to.deep.equal([]);
    expect(chart.readingsOf('continue')).to.deep.equal([]);
    expect(chart.maxContext).to.equal(null);
    const { text, notice } = summaryOf(chart);
    expect(text).to.equal(notice ? `Context usage: no data yet. ${notice}` : 'Context usage: no data yet');
    send(realtime, metricUpdated(50, 1)); // the old session's frames no longer count
    send(realtime, metricUpdated(50, 2));
    await chart.updateComplete;
    expect(chart.points.length).to.equal(1);
    expect(chart.points[0]!.sessionId).to.equal('2');
  });

  it('renders once for 100 messages that arrive in one task', async () => {
    const { realtime, chart } = await mount();
    const before = chart[RENDERS];
    for (let i = 0; i < 100; i++) send(realtime, metricUpdated(i % 100));
    await chart.updateComplete;
    await frame();
    await frame();
    expect(chart.points.length).to.equal(100);
    expect(chart[RENDERS] - before).to.equal(1);
  });

  it('renders once for messages spread over several tasks of one frame', async () => {
    const { realtime, chart } = await mount();
    await frame(); // start of a frame: the tasks below run well within it
    const before = chart[RENDERS];
    const channel = new MessageChannel();
    let tasks = 0;
    const done = new Promise<void>((resolve) => {
      channel.port1.onmessage = () => {
        for (let i = 0; i < 10; i++) send(realtime, metricUpdated(tasks * 10 + i));
        if (++tasks < 10) channel.port2.postMessage(null);
        else resolve();
      };
    });
    // Frames that begin while the tasks run may each rightly render once: in WebKit, or on a loaded
    // machine, the tasks sometimes spill over a frame boundary.
    let framesDuring = 0;
    let counting = true;
    const tick = () => {
      if (!counting) return;
      framesDuring++;
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
    channel.port2.postMessage(null);
    await done;
    counting = false;
    await chart.updateComplete;
    await frame();
    channel.port1.close();
    expect(chart.points.length).to.equal(100);
    expect(chart[RENDERS] - before).to.be.within(1, 1 + framesDuring);
  });

  it('says the latest values in its text alternative, updated with the render', async () => {
    const { realtime, chart } = await mount();
    const plot = part(chart, 'chart');
    expect(plot.getAttribute('role')).to.equal('img');
    expect(plot.getAttribute('aria-label')).to.equal('Context usage');
    const summary = chart.shadowRoot!.getElementById(plot.getAttribute('aria-describedby')!)!;
    send(realtime, byType('init'));
    const m = metricUpdated(62.4);
    send(realtime, m);
    await chart.updateComplete;
    const values = `Proxy requests 62.4 % (${tokens.format(m.cumulative_tokens)} of ${tokens.format(WINDOW)} tokens) at ${clock(chart.latest!.time)}, 2 points`;
    const { notice } = summaryOf(chart);
    expect(summary.textContent).to.equal(`Context usage: ${values}${notice ? `. ${notice}` : ''}`);
    chart.label = 'Session 1 context';
    await chart.updateComplete;
    expect(plot.getAttribute('aria-label')).to.equal('Session 1 context');
    expect(summary.textContent).to.match(/^Session 1 context: Proxy requests 62\.4 % /);
  });

  it('draws the series and the 80 / 90 / 95 % lines at the right height, in the themed colours', async () => {
    const colours =
      '--kimi-chart-line: rgb(0, 0, 255); --kimi-chart-caution: rgb(255, 0, 0); --kimi-chart-warning: rgb(0, 160, 0); --kimi-chart-critical: rgb(255, 0, 255); --kimi-chart-axis: rgb(0, 200, 200)';
    const { realtime, chart } = await mount({ style: colours, sources: 'continue' });
    const canvas = canvasOf(chart);
    for (let s = 0; s < 20; s++) send(realtime, logAt(s, 47.5));
    await chart.updateComplete;

    const y80 = strongestRow(canvas, [255, 0, 0]);
    const y90 = strongestRow(canvas, [0, 160, 0]);
    const y95 = strongestRow(canvas, [255, 0, 255]);
    const line = strongestRow(canvas, [0, 0, 255]);
    const base = strongestRow(canvas, [0, 200, 200]);
    for (const row of [y80, y90, y95, line, base]) expect(row.count).to.be.above(canvas.width * 0.4);
    expect(y95.y).to.be.below(y90.y);
    expect(y90.y).to.be.below(y80.y);
    // A linear scale from the baseline (0 %) to the 95 % line puts 80 %, 90 % and the 47.5 % series where they are.
    const yAt = (p: number) => base.y + ((y95.y - base.y) * p) / 95;
    expect(Math.abs(y80.y - yAt(80))).to.be.at.most(1.5);
    expect(Math.abs(y90.y - yAt(90))).to.be.at.most(1.5);
    expect(Math.abs(line.y - yAt(47.5))).to.be.at.most(1.5);
    // 95 % is near the top of a 0–100 % axis.
    expect(y95.y / canvas.height).to.be.below(0.15);
    // Above the line (and its end dot), nothing of the series is drawn: the fill is below it.
    expect(
      rowCounts(canvas, [0, 0, 255])
        .slice(0, line.y - 4)
        .some((n) => n > 0),
    ).to.equal(false);

    // A reading above 100 % stretches the axis: the thresholds move down towards the baseline.
    send(realtime, logAt(21, 114.2));
    await chart.updateComplete;
    expect(strongestRow(canvas, [255, 0, 255]).y).to.be.above(y95.y + 3);
  });

  it('draws two sources as two labelled lines, each in percent of its own window, with no token axis', async () => {
    const colours =
      '--kimi-chart-line: rgb(0, 0, 255); --kimi-chart-line-2: rgb(0, 160, 0); --kimi-chart-caution: rgb(255, 0, 0); --kimi-chart-warning: rgb(255, 128, 0); --kimi-chart-critical: rgb(255, 0, 255); --kimi-chart-axis: rgb(0, 200, 200)';
    // Offset 0: the naive log stamps and the SQLite rows are then on the same (UTC) clock, whatever this browser's zone.
    const { realtime, chart } = await mount({ style: colours, sources: 'proxy continue', offset: 0 });
    const canvas = canvasOf(chart);
    const drawn = recordCanvasText(chart);
    const rows: Row[] = [];
    for (let i = 0; i <= 10; i++) rows.push({ id: 100 + i, at: `2026-05-08 10:${String(i).padStart(2, '0')}:00`, percentage: 50 });
    send(realtime, initWith(rows));
    // Continue with a 128k window: 39,322 tokens are 30 % of it (15 % of the proxy's window).
    for (let i = 0; i <= 10; i++) send(realtime, logLine(`2026-05-08T10:${String(i).padStart(2, '0')}:00.000000`, 39322, 131072));
    await chart.updateComplete;

    expect(chart.readingsOf('proxy')).to.have.length(11);
    expect(chart.readingsOf('continue')).to.have.length(11);
    expect(legend(chart)).to.deep.equal([
      `Proxy requests, window ${tokens.format(WINDOW)} tokens`,
      `Continue log, window ${tokens.format(131072)} tokens`,
      '80 % caution',
      '90 % warning',
      '95 % critical',
    ]);
    const { text } = summaryOf(chart);
    expect(text).to.contain(`Proxy requests 50.0 % (${tokens.format(131072)} of ${tokens.format(WINDOW)} tokens)`);
    expect(text).to.contain(`; Continue log 30.0 % (${tokens.format(39322)} of ${tokens.format(131072)} tokens)`);

    const base = strongestRow(canvas, [0, 200, 200]);
    const y95 = strongestRow(canvas, [255, 0, 255]);
    const yAt = (p: number) => base.y + ((y95.y - base.y) * p) / 95;
    const proxyLine = strongestRow(canvas, [0, 0, 255]);
    const continueLine = strongestRow(canvas, [0, 160, 0]); // dashed
    expect(proxyLine.count).to.be.above(canvas.width * 0.4);
    expect(continueLine.count).to.be.above(canvas.width * 0.2);
    expect(Math.abs(proxyLine.y - yAt(50))).to.be.at.most(1.5);
    expect(Math.abs(continueLine.y - yAt(30))).to.be.at.most(1.5);
    // Two windows, so no token axis: no label such as "0", "50k", "1.5M".
    const tokenLabel = /^\d+(\.\d+)?[kM]?$/;
    expect(drawn).to.include('100 %');
    expect(drawn.filter((t) => tokenLabel.test(t))).to.deep.equal([]);

    // One line again: the token axis of its window comes back.
    drawn.length = 0;
    chart.setAttribute('usage-sources', 'continue');
    await chart.updateComplete;
    expect(chart.points).to.have.length(11);
    expect(legend(chart)[0]).to.equal(`Continue log, window ${tokens.format(131072)} tokens`);
    expect(drawn).to.include(compactTokens(0));
    expect(drawn.filter((t) => tokenLabel.test(t)).length).to.be.above(2);
  });

  it('labels the time axis with dates when the readings span two days', async () => {
    const { realtime, chart } = await mount({ sources: 'continue' });
    const drawn = recordCanvasText(chart);
    const bareTime = /^\d\d:\d\d:\d\d(\s[AP]M)?$/;
    // Naive server stamps are read in this browser's zone (no offset known): the days are the stamps' days.
    for (const m of [20, 30, 40, 50]) send(realtime, logLine(`2026-05-07T23:${m}:00.000000`, 40000));
    await chart.updateComplete;
    expect(drawn.some((t) => bareTime.test(t))).to.equal(true);
    expect(drawn).to.not.include(clock(new Date(2026, 4, 7, 23, 30).getTime(), true));

    drawn.length = 0;
    for (const m of ['00', '10', '20']) send(realtime, logLine(`2026-05-08T00:${m}:00.000000`, 50000));
    await chart.updateComplete;
    const midnight = new Date(2026, 4, 8, 0, 0, 0).getTime();
    expect(chart.points.map((p) => p.time)).to.include(midnight);
    expect(drawn).to.include(clock(midnight, true));
    expect(drawn.filter((t) => bareTime.test(t))).to.deep.equal([]);
    // The readout says the day too.
    part(chart, 'chart').focus();
    await sendKeys({ press: 'Home' });
    await chart.updateComplete;
    expect(part(chart, 'readout').querySelector('time')!.textContent).to.equal(clock(new Date(2026, 4, 7, 23, 20).getTime(), true));
    await sendKeys({ press: 'Escape' });
  });

  it('puts log readings of a server in another zone at the right time (server-utc-offset, or learned)', async () => {
    // A server on UTC+1: its naive stamp 11:00 is 10:00 UTC.
    const { realtime, chart } = await mount({ sources: 'continue', offset: 60 });
    expect(realtime.serverUtcOffset).to.equal(60);
    send(realtime, logLine('2026-05-08T11:00:00.000000', 40000));
    await chart.updateComplete;
    expect(realtime.serverTime.utcOffsetMinutes).to.equal(60);
    expect(chart.readingsOf('continue').map((p) => p.time)).to.deep.equal([Date.UTC(2026, 4, 8, 10, 0, 0)]);
    expect(summaryOf(chart).text).to.contain(` at ${clock(Date.UTC(2026, 4, 8, 10, 0, 0))}, 1 point`);

    // Without the attribute (and far from now, so nothing is learned) the stamp is read in this browser's zone.
    const plain = await mount({ sources: 'continue' });
    send(plain.realtime, logLine('2026-05-08T11:00:00.000000', 40000));
    await plain.chart.updateComplete;
    expect(plain.realtime.serverTime.utcOffsetMinutes).to.equal(null);
    expect(plain.chart.readingsOf('continue').map((p) => p.time)).to.deep.equal([new Date(2026, 4, 8, 11, 0, 0).getTime()]);

    // A frame stamped at send time teaches the zone: the server's wall clock is one hour ahead of UTC.
    const learning = await mount({ sources: 'continue' });
    const sent = Date.now();
    send(learning.realtime, logLine(new Date(sent + 3_600_000).toISOString().slice(0, 23), 40000));
    await learning.chart.updateComplete;
    expect(learning.realtime.serverTime.utcOffsetMinutes).to.equal(60);
    expect(Math.abs(learning.chart.readingsOf('continue')[0]!.time - sent)).to.be.below(1000);
  });

  it('draws in the dark scheme with the dark tokens', async function () {
    const { realtime, chart } = await mount({ sources: 'continue' });
    for (let s = 0; s < 10; s++) send(realtime, logAt(s, 30));
    await chart.updateComplete;
    const canvas = canvasOf(chart);
    expect(strongestRow(canvas, [0x09, 0x69, 0xda]).count).to.be.above(canvas.width * 0.4);
    await useColorScheme(this, 'dark');
    await until(() => strongestRow(canvas, [0x44, 0x93, 0xf8]).count > canvas.width * 0.4, { what: 'dark line colour' });
    expect(strongestRow(canvas, [0x09, 0x69, 0xda]).count).to.be.below(canvas.width * 0.05);
    await expect(chart).to.be.accessible();
  });

  it('sizes the canvas in device pixels and follows its container', async () => {
    const { root, chart } = await mount({ width: 600 });
    const canvas = canvasOf(chart);
    const ratio = window.devicePixelRatio;
    const plot = part(chart, 'chart');
    expect(canvas.width).to.equal(Math.round(plot.clientWidth * ratio));
    expect(canvas.height).to.equal(Math.round(220 * ratio));
    root.style.width = '400px';
    await until(() => canvas.width === Math.round(plot.clientWidth * ratio) && plot.clientWidth < 400, { what: 'narrower canvas' });
    chart.style.setProperty('--kimi-chart-height', '300px');
    await until(() => canvas.height === Math.round(300 * ratio), { what: 'taller canvas' });
  });

  it('shows the nearest point under the pointer', async () => {
    const { realtime, chart } = await mount({ sources: 'continue' });
    for (let s = 0; s < 10; s++) send(realtime, logAt(s * 6, 10 + s));
    await chart.updateComplete;
    const readout = part(chart, 'readout');
    expect(readout.classList.contains('active')).to.equal(false);
    const rect = canvasOf(chart).getBoundingClientRect();
    await sendMouse({ type: 'move', position: [Math.round(rect.left + 2), Math.round(rect.top + rect.height / 2)] });
    await until(() => readout.classList.contains('active'), { what: 'readout' });
    await chart.updateComplete;
    const oldest = chart.points[0]!;
    expect(readout.textContent).to.contain(clock(oldest.time));
    expect(readout.textContent).to.contain(`${tokens.format(oldest.tokens)} of ${tokens.format(WINDOW)} tokens`);
    expect(readout.textContent).to.contain('10.0 %');
    expect(readout.textContent).to.contain('Continue log');
    await sendMouse({ type: 'move', position: [Math.round(rect.right - 2), Math.round(rect.top + rect.height / 2)] });
    await until(() => readout.textContent!.includes('19.0 %'), { what: 'newest in readout' });
    await sendMouse({ type: 'move', position: [Math.round(rect.right + 50), Math.round(rect.bottom + 50)] });
    await until(() => !readout.classList.contains('active'), { what: 'readout cleared' });
  });

  it('time-window shows only the newest seconds; hidden readings are not offered by the readout', async () => {
    const { realtime, chart } = await mount({ sources: 'continue' });
    chart.timeWindow = 20;
    for (let s = 0; s < 10; s++) send(realtime, logAt(s * 6, 10 + s));
    await chart.updateComplete;
    await frame();
    const readout = part(chart, 'readout');
    const rect = canvasOf(chart).getBoundingClientRect();
    await sendMouse({ type: 'move', position: [Math.round(rect.left + 2), Math.round(rect.top + rect.height / 2)] });
    await until(() => readout.classList.contains('active'), { what: 'readout' });
    await chart.updateComplete;
    // Readings at 0…54 s; a 20 s window ending at 54 s starts at 34 s: the oldest visible is 36 s (16 %).
    expect(readout.textContent).to.contain('16.0 %');
    expect(chart.points).to.have.length(10);
    await sendMouse({ type: 'move', position: [Math.round(rect.right + 50), Math.round(rect.bottom + 50)] });
  });

  it('moves the readout with the arrow keys and clears it with Escape', async () => {
    const { realtime, chart } = await mount({ sources: 'continue' });
    for (let s = 0; s < 5; s++) send(realtime, logAt(s, 20 + s));
    await chart.updateComplete;
    const plot = part(chart, 'chart');
    const readout = part(chart, 'readout');
    plot.focus();
    expect(chart.shadowRoot!.activeElement).to.equal(plot);
    const shown = async () => {
      await chart.updateComplete;
      return readout.classList.contains('active') ? /(\d+\.\d) %/.exec(readout.textContent!)![1] : null;
    };
    await sendKeys({ press: 'ArrowLeft' });
    expect(await shown()).to.equal('24.0');
    await sendKeys({ press: 'ArrowLeft' });
    expect(await shown()).to.equal('23.0');
    await sendKeys({ press: 'ArrowRight' });
    expect(await shown()).to.equal('24.0');
    await sendKeys({ press: 'Home' });
    expect(await shown()).to.equal('20.0');
    await sendKeys({ press: 'ArrowLeft' });
    expect(await shown()).to.equal('20.0');
    await expect(chart).to.be.accessible();
    await sendKeys({ press: 'Escape' });
    expect(await shown()).to.equal(null);
  });

  it('uses the <kimi-realtime> named by source="id"', async () => {
    const root = await fixture<HTMLDivElement>(html`
      <div style="width: 500px">
        <kimi-realtime id="rt-other" manual session-id="1"></kimi-realtime>
        <kimi-realtime id="rt-chart" manual session-id="1"></kimi-realtime>
        <kimi-metric-chart source="rt-chart"></kimi-metric-chart>
      </div>
    `);
    const chart = root.querySelector('kimi-metric-chart')!;
    await settle(chart);
    send(root.querySelector('#rt-other')!, metricUpdated(33));
    send(root.querySelector('#rt-chart')!, metricUpdated(44));
    await chart.updateComplete;
    expect(chart.points.map((p) => Math.round(p.percentage))).to.deep.equal([44]);
  });

  it('is accessible', async () => {
    const { realtime, chart } = await mount();
    await expect(chart).to.be.accessible();
    send(realtime, byType('init'));
    send(realtime, metricUpdated(91));
    await chart.updateComplete;
    await expect(chart).to.be.accessible();
    chart.setAttribute('usage-sources', 'all');
    send(realtime, logAt(1, 40));
    await chart.updateComplete;
    expect(legend(chart).filter((t) => t.includes('window'))).to.have.length(2);
    await expect(chart).to.be.accessible();
  });

  it('charts the live stream of the simulator', async () => {
    // One session that stays active (no auto-created sessions, no switches): every request is session 1's.
    const sim = await Sim.create({ sessions: [1], activeSession: 1, rate: 50, autoSession: false, switchEvery: 0 });
    try {
      const root = await fixture<HTMLDivElement>(html`
        <div style="width: 600px">
          <kimi-realtime url=${sim.url} session-id="1"><kimi-metric-chart></kimi-metric-chart></kimi-realtime>
        </div>
      `);
      const realtime = root.querySelector('kimi-realtime')!;
      const chart = root.querySelector('kimi-metric-chart')!;
      await until(() => chart.points.some((p) => p.origin === 'history'), { what: 'init history' });
      const fromHistory = chart.points.length;
      await until(() => chart.points.filter((p) => p.origin === 'live').length >= 5, { timeout: 8000, what: 'live points' });
      expect(chart.points.length).to.be.above(fromHistory);
      // History (init and hydration over HTTP) and live frames name each request once.
      const ids = chart.points.map((p) => p.metricId).filter((id) => id !== null);
      expect(new Set(ids).size).to.equal(ids.length);
      expect(chart.points.every((p) => p.source === 'proxy' && !p.estimated)).to.equal(true);
      await chart.updateComplete;
      const canvas = canvasOf(chart);
      const accent: RGB = [0x09, 0x69, 0xda];
      expect(rowCounts(canvas, accent).reduce((a, b) => a + b, 0)).to.be.above(50);
      expect(realtime.state).to.equal('open');
      const { text, notice } = summaryOf(chart);
      expect(notice).to.equal('');
      expect(text).to.match(/^Context usage: Proxy requests \d+\.\d % \([\d,]+ (of [\d,]+ )?tokens\) at \d\d:\d\d:\d\d(\s[AP]M)?, \d+ points?$/);
    } finally {
      await sim.close();
    }
  });
});

describe('metric chart geometry and series (pure modules)', () => {
  const reading = (
    time: number,
    percentage: number,
    metricId: number | null = null,
    source: UsageSource = 'proxy',
    origin: UsageReading['origin'] = 'live',
  ): UsageReading => ({
    sessionId: '1',
    source,
    tokens: Math.round((percentage * WINDOW) / 100),
    window: WINDOW,
    percentage,
    level: levelOf(percentage),
    time,
    metricId,
    estimated: false,
    origin,
    frame: origin === 'history' ? 'init' : 'metric_updated',
    message: { type: 'metric_updated' },
    request: null,
  });
  const seriesOf = (...readings: UsageReading[]): ReadingSeries => {
    const series = new ReadingSeries(50);
    for (const r of readings) series.add(r);
    return series;
  };
  const measure = (text: string) => text.length * 6;

  it('picks 1-2-2.5-5 steps and a percentage ceiling of 100, or above it in tens', () => {
    expect([0.7, 1, 3, 12, 26, 60, 52429].map(niceStep)).to.deep.equal([1, 1, 5, 20, 50, 100, 100000]);
    expect([0, 62.4, 100, 100.1, 114.2].map(percentCeiling)).to.deep.equal([100, 100, 100, 110, 120]);
    expect([0, 950, 50000, 262144, 1500000].map(compactTokens)).to.deep.equal(['0', '950', '50k', '262.1k', '1.5M']);
  });

  it('aligns time ticks to the viewer clock and keeps them within the domain', () => {
    const t0 = new Date(2026, 4, 7, 10, 41, 7).getTime();
    const t1 = t0 + 5 * 60_000;
    const ticks = timeTicks(t0, t1, 6);
    expect(ticks.length).to.be.within(3, 6);
    expect(ticks.every((t) => t >= t0 && t <= t1)).to.equal(true);
    expect(ticks).to.deep.equal([42, 43, 44, 45, 46].map((m) => new Date(2026, 4, 7, 10, m).getTime()));
  });

  it('lays out the plot: 0 % at the bottom, the token axis only with a known window, the newest point on the right', () => {
    const points = seriesOf(...[0, 1, 2, 3, 4].map((i) => reading(1_000_000 + i * 1000, 20 + i, i)));
    const s = computeScales(seriesExtent(points), 600, 220, WINDOW, measure);
    expect(yOf(s, 0)).to.equal(s.plot.bottom);
    expect(yOf(s, 100)).to.equal(s.plot.top);
    expect(s.percentTicks[0]).to.equal(0);
    expect(s.percentTicks[s.percentTicks.length - 1]).to.equal(100);
    expect(s.tokenTicks.length).to.be.above(1);
    expect(s.maxContext).to.equal(WINDOW);
    expect(s.t1).to.equal(1_004_000);
    const noWindow = computeScales(seriesExtent(points), 600, 220, null, measure);
    expect(noWindow.tokenTicks).to.deep.equal([]);
    expect(noWindow.plot.right).to.be.above(s.plot.right); // no room kept for token labels
    expect(nearestIndex(points, s, s.plot.right + 40)).to.equal(4);
    expect(nearestIndex(points, s, 0)).to.equal(0);
    expect(computeScales(null, 600, 220, null, measure, 5_000_000).t1).to.equal(5_000_000);
  });

  it('takes the extent of several series, and finds the nearest reading on screen', () => {
    const a = seriesOf(reading(20_000, 30), reading(40_000, 40));
    const b = seriesOf(reading(10_000, 120, null, 'continue'), reading(30_000, 10, null, 'continue'));
    expect(seriesExtent(a, b)).to.deep.equal({ minTime: 10_000, maxTime: 40_000, maxPercentage: 120 });
    expect(seriesExtent(a)).to.deep.equal({ minTime: 20_000, maxTime: 40_000, maxPercentage: 40 });
    expect(seriesExtent(new ReadingSeries(5), new ReadingSeries(5))).to.equal(null);
    expect(seriesExtent()).to.equal(null);

    const s = computeScales(seriesExtent(a, b), 600, 220, null, measure, 0, 0);
    expect([s.t0, s.t1, s.p1]).to.deep.equal([10_000, 40_000, 120]);
    expect(nearest(b, s, s.plot.left)).to.deep.equal({ index: 0, distance: 0 });
    const hit = nearest(a, s, s.plot.left);
    expect(hit.index).to.equal(0);
    expect(hit.distance).to.be.closeTo((s.plot.right - s.plot.left) / 3, 1e-9);
    expect(nearest(new ReadingSeries(5), s, 100)).to.deep.equal({ index: -1, distance: Infinity });
    // Readings left of a time window are not on screen: never the nearest, however close to the pointer.
    const late = seriesOf(reading(0, 10), reading(30_000, 20), reading(40_000, 30));
    const windowed = computeScales(seriesExtent(late), 600, 220, null, measure, 0, 15_000);
    expect(windowed.t0).to.equal(25_000);
    expect(nearest(late, windowed, 0).index).to.equal(1);
  });

  it('asks for dated time labels when the span crosses days', () => {
    const calls: boolean[] = [];
    const label: TimeLabel = (t, withDates) => {
      calls.push(withDates);
      return clock(t, withDates);
    };
    const sameDay = computeScales(
      { minTime: new Date(2026, 4, 7, 10, 0).getTime(), maxTime: new Date(2026, 4, 7, 23, 0).getTime(), maxPercentage: 50 },
      600,
      220,
      null,
      measure,
      0,
      0,
      label,
    );
    expect(sameDay.withDates).to.equal(false);
    expect(calls.every((d) => !d) && calls.length > 0).to.equal(true);
    calls.length = 0;
    const overnight = computeScales(
      { minTime: new Date(2026, 4, 7, 23, 30).getTime(), maxTime: new Date(2026, 4, 8, 0, 30).getTime(), maxPercentage: 50 },
      600,
      220,
      null,
      measure,
      0,
      0,
      label,
    );
    expect(overnight.withDates).to.equal(true);
    expect(calls.every((d) => d) && calls.length > 0).to.equal(true);
    expect(overnight.timeTicks).to.include(new Date(2026, 4, 8, 0, 0).getTime());
  });

  it('merges history with readings that came first by request, and bounds the window', () => {
    const series = new ReadingSeries(5);
    expect(series.add(reading(5000, 50, 50))).to.equal(true);
    expect(series.add(reading(500, 40, null, 'proxy'))).to.equal(true); // older than the history: slots in by time
    expect(series.add(reading(1000, 10, 10, 'proxy', 'history'))).to.equal(true);
    expect(series.add(reading(2000, 20, 20, 'proxy', 'history'))).to.equal(true);
    // The same request again, from history: kept once, the live reading stays.
    expect(series.add(reading(4900, 49, 50, 'proxy', 'history'))).to.equal(false);
    expect(series.toArray().map((p) => p.time)).to.deep.equal([500, 1000, 2000, 5000]);
    expect(series.toArray().map((p) => p.origin)).to.deep.equal(['live', 'history', 'history', 'live']);
    series.add(reading(6000, 60, 60));
    series.add(reading(7000, 70, 70));
    expect(series.toArray().map((p) => p.time)).to.deep.equal([1000, 2000, 5000, 6000, 7000]);
    expect(series.last!.time).to.equal(7000);
    expect(series.size).to.equal(5);
    // Full: a reading older than all of them would go at once.
    expect(series.add(reading(100, 5, 1))).to.equal(false);
    expect(series.indexOf(series.at(1)!)).to.equal(1);
    expect(series.indexOf(reading(2000, 20, 20, 'proxy', 'history'))).to.equal(-1); // by identity
    expect(series.resize(3)).to.equal(true);
    expect(series.toArray().map((p) => p.time)).to.deep.equal([5000, 6000, 7000]);
    expect(series.resize('3')).to.equal(false);
    series.clear();
    expect(series.size).to.equal(0);
    expect(series.add(reading(5000, 50, 50))).to.equal(true);
    expect([undefined, 'x', 0, 1, 2.9, 50].map(capacityOf)).to.deep.equal([300, 300, 2, 2, 2, 50]);
  });
});
