import { expect, fixture, html } from '@open-wc/testing';
import { emulateMedia, resetMouse, sendKeys, sendMouse } from '@web/test-runner-commands';
import '../../src/define.js';
import { deliver } from './helpers/frames.js';
import { KimiMetricChart } from '../../src/components/metric-chart/kimi-metric-chart.js';
import type { KimiRealtime } from '../../src/index.js';
import {
  clockTime,
  compactTokens,
  computeScales,
  nearestIndex,
  niceStep,
  percentCeiling,
  seriesExtent,
  timeTicks,
  yOf,
} from '../../src/components/metric-chart/chart-scales.js';
import { UsageSeries, capacityOf } from '../../src/components/shared/usage-series.js';
import { RingBuffer } from '../../src/internal/ring-buffer.js';
import type { UsagePoint } from '../../src/protocol/context-usage.js';
import { loadFixtures, type Fixtures } from './helpers/fixtures.js';
import { Sim, until } from './helpers/simulator.js';

KimiMetricChart.define();

type Message = Record<string, any>;

const frame = (): Promise<void> => new Promise((r) => requestAnimationFrame(() => r()));
const tokens = new Intl.NumberFormat();

function send(target: Element, message: Message): void {
  deliver(target, message);
}

interface Mounted {
  root: HTMLDivElement;
  realtime: KimiRealtime;
  chart: KimiMetricChart;
}

/** `<kimi-realtime manual session-id="1"><kimi-metric-chart>`, laid out and drawn once. */
async function mount({ width = 600, maxPoints, style = '' }: { width?: number; maxPoints?: number; style?: string } = {}): Promise<Mounted> {
  const root = await fixture<HTMLDivElement>(html`
    <div style="width: ${width}px; ${style}">
      <kimi-realtime manual session-id="1">
        <kimi-metric-chart max-points=${maxPoints ?? 300}></kimi-metric-chart>
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

/** Waits for the canvas to be sized and every pending render to be done. */
async function settle(chart: KimiMetricChart): Promise<void> {
  await until(() => canvasOf(chart)?.width > 0, { what: 'canvas sized' });
  await frame();
  await chart.updateComplete;
  await frame();
  await chart.updateComplete;
}

let fixtures: Fixtures;
const byType = (type: string, index = 0): Message => structuredClone(fixtures.messages.filter((m) => m.type === type)[index]!) as Message;

/** A metric_updated near `percentage`, as the server computes it: tokens first, then tokens / window. */
function metricUpdated(percentage: number, session = 1): Message {
  const m = byType('metric_updated');
  m.session_id = session;
  m.cumulative_tokens = Math.round((percentage * 262144) / 100);
  m.cumulative_percentage = (m.cumulative_tokens / 262144) * 100;
  return m;
}

/** A `continue_logs` frame at a given second of a day after the fixtures' init, so points are spaced in time. */
function logAt(second: number, percentage: number): Message {
  const m = byType('log_metric');
  const total = Math.round((percentage * 262144) / 100);
  m.metrics = { ...m.metrics, total_tokens: total, percentage };
  const mm = String(Math.floor(second / 60)).padStart(2, '0');
  const ss = String(second % 60).padStart(2, '0');
  m.timestamp = `2026-05-08T10:${mm}:${ss}.000000`;
  return m;
}

type RGB = [number, number, number];

/** For each device-pixel row: how many opaque pixels in it are close to `colour`. */
function rowCounts(canvas: HTMLCanvasElement, colour: RGB): number[] {
  const { width, height } = canvas;
  const data = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
  const counts = new Array<number>(height).fill(0);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      if (data[i + 3]! > 200 && Math.abs(data[i]! - colour[0]) < 40 && Math.abs(data[i + 1]! - colour[1]) < 40 && Math.abs(data[i + 2]! - colour[2]) < 40) counts[y]!++;
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
    await emulateMedia({ colorScheme: 'light' });
    await resetMouse();
  });

  it('takes the init history oldest first', async () => {
    const { realtime, chart } = await mount();
    const init = byType('init');
    send(realtime, init);
    await chart.updateComplete;
    expect(chart.points.length).to.equal(init.recent_metrics.length);
    expect(chart.points.map((p) => p.tokens)).to.deep.equal([...init.recent_metrics].reverse().map((r: Message) => r.estimated_tokens));
    expect(chart.points[0]!.time).to.be.below(chart.points[1]!.time);
    expect(chart.points.every((p) => p.source === 'init')).to.equal(true);
    expect(chart.maxContext).to.equal(262144);
  });

  it('appends live metric_updated, log_metric and legacy metric readings', async () => {
    const { realtime, chart } = await mount();
    send(realtime, byType('init'));
    send(realtime, byType('metric_updated'));
    send(realtime, byType('log_metric'));
    send(realtime, byType('metric'));
    await chart.updateComplete;
    expect(chart.points.map((p) => p.source)).to.deep.equal(['init', 'init', 'metric_updated', 'log_metric', 'metric']);
    expect(chart.latest!.tokens).to.equal(20480);
    expect(chart.points[2]!.tokens).to.equal(18716);
  });

  it('keeps init in time order when live frames came first', async () => {
    const { realtime, chart } = await mount();
    send(realtime, logAt(5, 12)); // newer than the init rows (PROTOCOL.md §12.4: frames can precede init)
    send(realtime, byType('init'));
    await chart.updateComplete;
    expect(chart.points.map((p) => p.source)).to.deep.equal(['init', 'init', 'log_metric']);
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

  it('ignores log_metric error frames and window-only frames, but learns the window from them', async () => {
    const { realtime, chart } = await mount();
    const limitError = byType('log_metric', 2);
    expect(limitError.source_family).to.equal('error');
    const apiError: Message = { ...structuredClone(limitError), source: 'continue_api_error', source_label: 'Erreur Continue' };
    apiError.metrics = { ...apiError.metrics, total_tokens: 200000, percentage: 76.3 };
    send(realtime, limitError);
    send(realtime, apiError);
    send(realtime, byType('log_metric', 1)); // kimi_global: window only
    await chart.updateComplete;
    expect(chart.points).to.deep.equal([]);
    expect(chart.maxContext).to.equal(262144);
    send(realtime, byType('log_metric'));
    await chart.updateComplete;
    expect(chart.points.length).to.equal(1);
  });

  it('ignores a legacy metric whose figures are zero (the old server bug)', async () => {
    const { realtime, chart } = await mount();
    const zero = byType('metric');
    zero.metric = { ...zero.metric, estimated_tokens: 0, cumulative_tokens: 0, percentage: 0 };
    send(realtime, zero);
    await chart.updateComplete;
    expect(chart.points).to.deep.equal([]);
    send(realtime, byType('metric'));
    await chart.updateComplete;
    expect(chart.points.length).to.equal(1);
  });

  it('starts over when the session changes', async () => {
    const { realtime, chart } = await mount();
    send(realtime, byType('init'));
    send(realtime, metricUpdated(40));
    await chart.updateComplete;
    expect(chart.points.length).to.equal(3);
    realtime.setAttribute('session-id', '2');
    await chart.updateComplete;
    expect(chart.points).to.deep.equal([]);
    expect(chart.maxContext).to.equal(null);
    expect(chart.shadowRoot!.querySelector('#summary')!.textContent).to.equal('Context usage: no data yet');
    send(realtime, metricUpdated(50, 2));
    await chart.updateComplete;
    expect(chart.points.length).to.equal(1);
  });

  it('renders once for 100 messages that arrive in one task', async () => {
    const { realtime, chart } = await mount();
    const before = chart.renderCount;
    for (let i = 0; i < 100; i++) send(realtime, metricUpdated(i % 100));
    await chart.updateComplete;
    await frame();
    await frame();
    expect(chart.points.length).to.equal(100);
    expect(chart.renderCount - before).to.equal(1);
  });

  it('renders once for messages spread over several tasks of one frame', async () => {
    const { realtime, chart } = await mount();
    await frame(); // start of a frame: the tasks below run well within it
    const before = chart.renderCount;
    const channel = new MessageChannel();
    let tasks = 0;
    const done = new Promise<void>((resolve) => {
      channel.port1.onmessage = () => {
        for (let i = 0; i < 10; i++) send(realtime, metricUpdated(tasks * 10 + i));
        if (++tasks < 10) channel.port2.postMessage(null);
        else resolve();
      };
    });
    channel.port2.postMessage(null);
    await done;
    await chart.updateComplete;
    await frame();
    channel.port1.close();
    expect(chart.points.length).to.equal(100);
    expect(chart.renderCount - before).to.equal(1);
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
    const at = clockTime(chart.latest!.time);
    expect(summary.textContent).to.equal(`Context usage: 62.4 % (${tokens.format(m.cumulative_tokens)} of ${tokens.format(262144)} tokens) at ${at}, 3 points`);
    chart.label = 'Session 1 context';
    await chart.updateComplete;
    expect(plot.getAttribute('aria-label')).to.equal('Session 1 context');
    expect(summary.textContent).to.match(/^Session 1 context: 62\.4 % /);
  });

  it('draws the series and the 80 / 90 / 95 % lines at the right height, in the themed colours', async () => {
    const colours = '--kimi-chart-line: rgb(0, 0, 255); --kimi-chart-caution: rgb(255, 0, 0); --kimi-chart-warning: rgb(0, 160, 0); --kimi-chart-critical: rgb(255, 0, 255); --kimi-chart-axis: rgb(0, 200, 200)';
    const { realtime, chart } = await mount({ style: colours });
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
    expect(rowCounts(canvas, [0, 0, 255]).slice(0, line.y - 4).some((n) => n > 0)).to.equal(false);

    // A reading above 100 % stretches the axis: the thresholds move down towards the baseline.
    const over = logAt(21, 114.2);
    send(realtime, over);
    await chart.updateComplete;
    expect(strongestRow(canvas, [255, 0, 255]).y).to.be.above(y95.y + 3);
  });

  it('draws in the dark scheme with the dark tokens', async () => {
    const { realtime, chart } = await mount();
    for (let s = 0; s < 10; s++) send(realtime, logAt(s, 30));
    await chart.updateComplete;
    const canvas = canvasOf(chart);
    expect(strongestRow(canvas, [0x09, 0x69, 0xda]).count).to.be.above(canvas.width * 0.4);
    await emulateMedia({ colorScheme: 'dark' });
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
    const { realtime, chart } = await mount();
    for (let s = 0; s < 10; s++) send(realtime, logAt(s * 6, 10 + s));
    await chart.updateComplete;
    const readout = part(chart, 'readout');
    expect(readout.classList.contains('active')).to.equal(false);
    const rect = canvasOf(chart).getBoundingClientRect();
    await sendMouse({ type: 'move', position: [Math.round(rect.left + 2), Math.round(rect.top + rect.height / 2)] });
    await until(() => readout.classList.contains('active'), { what: 'readout' });
    await chart.updateComplete;
    const oldest = chart.points[0]!;
    expect(readout.textContent).to.contain(clockTime(oldest.time));
    expect(readout.textContent).to.contain(`${tokens.format(oldest.tokens)} of ${tokens.format(262144)} tokens`);
    expect(readout.textContent).to.contain('10.0 %');
    expect(readout.textContent).to.contain('log_metric');
    await sendMouse({ type: 'move', position: [Math.round(rect.right - 2), Math.round(rect.top + rect.height / 2)] });
    await until(() => readout.textContent!.includes('19.0 %'), { what: 'newest in readout' });
    await sendMouse({ type: 'move', position: [Math.round(rect.right + 50), Math.round(rect.bottom + 50)] });
    await until(() => !readout.classList.contains('active'), { what: 'readout cleared' });
  });

  it('time-window shows only the newest seconds; hidden readings are not offered by the readout', async () => {
    const { realtime, chart } = await mount();
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
    const { realtime, chart } = await mount();
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
  });

  it('charts the live stream of the simulator', async () => {
    const sim = await Sim.create({ sessions: [1], activeSession: 1, rate: 50, autoSession: false, switchEvery: 0 });
    try {
      const root = await fixture<HTMLDivElement>(html`
        <div style="width: 600px">
          <kimi-realtime url=${sim.url} session-id="1"><kimi-metric-chart></kimi-metric-chart></kimi-realtime>
        </div>
      `);
      const realtime = root.querySelector('kimi-realtime')!;
      const chart = root.querySelector('kimi-metric-chart')!;
      await until(() => chart.points.some((p) => p.source === 'init'), { what: 'init history' });
      const fromInit = chart.points.length;
      await until(() => chart.points.filter((p) => p.source !== 'init').length >= 5, { timeout: 8000, what: 'live points' });
      expect(chart.points.length).to.be.above(fromInit);
      await chart.updateComplete;
      const canvas = canvasOf(chart);
      const accent: RGB = [0x09, 0x69, 0xda];
      expect(rowCounts(canvas, accent).reduce((a, b) => a + b, 0)).to.be.above(50);
      expect(realtime.state).to.equal('open');
      const summary = chart.shadowRoot!.querySelector('#summary')!.textContent!;
      expect(summary).to.match(/^Context usage: \d+\.\d % \([\d,]+ (of [\d,]+ )?tokens\) at \d\d:\d\d:\d\d, \d+ points?$/);
    } finally {
      await sim.close();
    }
  });
});

describe('metric chart geometry and series (pure modules)', () => {
  const point = (time: number, percentage: number, source: UsagePoint['source'] = 'metric_updated'): UsagePoint => ({
    time,
    tokens: Math.round((percentage * 262144) / 100),
    percentage,
    maxContext: 262144,
    source,
  });
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
    expect(ticks.map(clockTime)).to.deep.equal(['10:42:00', '10:43:00', '10:44:00', '10:45:00', '10:46:00']);
  });

  it('lays out the plot: 0 % at the bottom, the token axis only with a known window, the newest point on the right', () => {
    const points = new RingBuffer<UsagePoint>(10);
    for (let i = 0; i < 5; i++) points.push(point(1_000_000 + i * 1000, 20 + i));
    const s = computeScales(seriesExtent(points), 600, 220, 262144, measure);
    expect(yOf(s, 0)).to.equal(s.plot.bottom);
    expect(yOf(s, 100)).to.equal(s.plot.top);
    expect(s.percentTicks[0]).to.equal(0);
    expect(s.percentTicks[s.percentTicks.length - 1]).to.equal(100);
    expect(s.tokenTicks.length).to.be.above(1);
    expect(s.t1).to.equal(1_004_000);
    expect(computeScales(seriesExtent(points), 600, 220, null, measure).tokenTicks).to.deep.equal([]);
    expect(nearestIndex(points, s, s.plot.right + 40)).to.equal(4);
    expect(nearestIndex(points, s, 0)).to.equal(0);
    expect(computeScales(null, 600, 220, null, measure, 5_000_000).t1).to.equal(5_000_000);
  });

  it('merges init history with readings that came first, and bounds the window', () => {
    const series = new UsageSeries(4);
    series.add(point(5000, 50));
    series.add(point(500, 40)); // older than the history's newest row: replaced by the history
    series.addHistory([point(1000, 10, 'init'), point(2000, 20, 'init')]);
    expect(series.points.toArray().map((p) => p.time)).to.deep.equal([1000, 2000, 5000]);
    series.add(point(6000, 60));
    series.add(point(7000, 70));
    expect(series.points.toArray().map((p) => p.time)).to.deep.equal([2000, 5000, 6000, 7000]);
    expect(series.add(null)).to.equal(false);
    expect([undefined, 'x', 0, 1, 2.9, 50].map(capacityOf)).to.deep.equal([300, 300, 2, 2, 2, 50]);
  });
});
