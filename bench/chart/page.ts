// Chart benchmark page (bundled by run.mjs): the same 300-point sliding window, one new reading per
// animation frame (60 updates/s), drawn by (a) our line renderer and (b) uPlot with comparable
// content (time axis, % axis, token axis, filled line, three dashed threshold lines).
import uPlot from 'uplot';
import { RingBuffer } from '../../src/internal/ring-buffer.js';
import { THRESHOLDS } from '../../src/protocol/usage-readings.js';
import { computeScales, seriesExtent, type SeriesPoint, type TimeLabel } from '../../src/components/metric-chart/chart-scales.js';
import { drawChart, type ChartPalette, type ChartSeries } from '../../src/components/metric-chart/line-renderer.js';
import { formatClock } from '../../src/components/shared/locale.js';

const WIDTH = 600;
const HEIGHT = 220;
const WINDOW = 300;
const MAX_CONTEXT = 262144;
const COLOURS = {
  line: '#0969da',
  grid: '#d0d7de',
  axis: '#57606a',
  text: '#57606a',
  surface: '#ffffff',
  caution: '#9a6700',
  warning: '#bc4c00',
  critical: '#cf222e',
};
const FONT = '11px system-ui, sans-serif';

export interface Task {
  variant: 'ours' | 'uplot';
  updates: number;
  /** Force rasterization after each update (1-pixel readback), so deferred canvas work is counted. */
  flush: boolean;
  /** Leave the chart on the page (for a screenshot that checks both draw comparable content). */
  keep?: boolean;
}

export interface Result {
  variant: string;
  flush: boolean;
  /** ms per update. */
  samples: number[];
  /** Updates per second actually achieved. */
  rate: number;
}

/** What the chart draws of a reading (a `UsageReading` has more). */
interface BenchPoint extends SeriesPoint {
  tokens: number;
}

/** Deterministic readings: one per second of data time, a wave with some noise, above 100 % now and then. */
function reading(i: number): BenchPoint {
  const percentage = Math.max(0, 55 + 35 * Math.sin(i / 40) + 12 * Math.sin(i / 7) + ((i * 7919) % 13) - 6);
  const tokens = Math.round((percentage * MAX_CONTEXT) / 100);
  return { time: Date.UTC(2026, 4, 7, 9, 0, 0) + i * 1000, tokens, percentage };
}

type Renderer = { update(point: BenchPoint): void; canvas: HTMLCanvasElement; destroy(): void };

function ours(stage: HTMLElement): Renderer {
  const canvas = document.createElement('canvas');
  const ratio = devicePixelRatio || 1;
  canvas.style.cssText = `width:${WIDTH}px;height:${HEIGHT}px;display:block`;
  canvas.width = Math.round(WIDTH * ratio);
  canvas.height = Math.round(HEIGHT * ratio);
  stage.append(canvas);
  const ctx = canvas.getContext('2d')!;
  const points = new RingBuffer<BenchPoint>(WINDOW);
  for (let i = 0; i < WINDOW; i++) points.push(reading(i));
  const palette: ChartPalette = {
    lines: [COLOURS.line],
    grid: COLOURS.grid,
    axis: COLOURS.axis,
    text: COLOURS.text,
    surface: COLOURS.surface,
    levels: { caution: COLOURS.caution, warning: COLOURS.warning, critical: COLOURS.critical },
    font: FONT,
  };
  const measure = (text: string) => ctx.measureText(text).width;
  // One line (the element's default, proxy requests): solid, filled, with the token axis.
  const series: ChartSeries[] = [{ points, colour: COLOURS.line, dash: [], fill: true }];
  const timeLabel: TimeLabel = (t, withDates) => formatClock(t, undefined, withDates);
  return {
    canvas,
    update(point) {
      // What the element does per render: scales once, then one drawing pass.
      points.push(point);
      ctx.font = FONT;
      const scales = computeScales(seriesExtent(points), WIDTH, HEIGHT, MAX_CONTEXT, measure, Date.now(), 0, timeLabel);
      drawChart(ctx, { scales, series, timeLabel, palette, thresholds: THRESHOLDS, pixelRatioX: ratio, pixelRatioY: ratio, emptyText: '' });
    },
    destroy: () => canvas.remove(),
  };
}

function withUplot(stage: HTMLElement): Renderer {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < WINDOW; i++) {
    const p = reading(i);
    xs.push(p.time / 1000);
    ys.push(p.percentage);
  }
  const thresholds: uPlot.Plugin = {
    hooks: {
      draw: [
        (u) => {
          const { ctx } = u;
          const { left, width } = u.bbox;
          ctx.save();
          ctx.lineWidth = devicePixelRatio || 1;
          ctx.setLineDash([6, 4]);
          for (const t of THRESHOLDS) {
            const y = Math.round(u.valToPos(t.percentage, 'y', true)) + 0.5;
            ctx.strokeStyle = COLOURS[t.level];
            ctx.beginPath();
            ctx.moveTo(left, y);
            ctx.lineTo(left + width, y);
            ctx.stroke();
          }
          ctx.restore();
        },
      ],
    },
  };
  const u = new uPlot(
    {
      width: WIDTH,
      height: HEIGHT,
      legend: { show: false },
      cursor: { show: false },
      plugins: [thresholds],
      scales: {
        x: { time: true },
        y: { range: (_u, _min, max) => [0, max <= 100 ? 100 : Math.ceil(max / 10) * 10] },
        tokens: { range: (u) => [0, ((u.scales['y']!.max ?? 100) / 100) * MAX_CONTEXT] },
      },
      axes: [
        { stroke: COLOURS.text, grid: { show: false }, font: FONT, values: '{HH}:{mm}:{ss}' },
        { stroke: COLOURS.text, grid: { stroke: COLOURS.grid, width: 1 }, font: FONT, values: (_u, vals) => vals.map((v) => `${v} %`) },
        {
          scale: 'tokens',
          side: 1,
          stroke: COLOURS.text,
          grid: { show: false },
          font: FONT,
          values: (_u, vals) => vals.map((v) => `${Math.round(v / 1000)}k`),
        },
      ],
      series: [{}, { stroke: COLOURS.line, width: 2, fill: 'rgba(9, 105, 218, 0.12)', points: { show: false } }, { scale: 'tokens', show: false }],
    },
    [xs, ys, ys.map((p) => (p / 100) * MAX_CONTEXT)],
    stage,
  );
  return {
    canvas: u.ctx.canvas,
    update(point) {
      xs.shift();
      ys.shift();
      xs.push(point.time / 1000);
      ys.push(point.percentage);
      // batch() commits synchronously (no microtask), so the time below is the whole redraw.
      u.batch(() => u.setData([xs, ys, ys.map((p) => (p / 100) * MAX_CONTEXT)]));
    },
    destroy: () => u.destroy(),
  };
}

const frame = () => new Promise<number>((r) => requestAnimationFrame(r));

async function run(task: Task): Promise<Result> {
  const stage = document.getElementById('stage')!;
  const renderer = task.variant === 'ours' ? ours(stage) : withUplot(stage);
  const flushCtx = renderer.canvas.getContext('2d')!;
  const samples: number[] = [];
  // Warm-up: JIT, font and layout caches.
  for (let i = 0; i < 60; i++) {
    await frame();
    renderer.update(reading(WINDOW + i));
  }
  const start = await frame();
  for (let i = 0; i < task.updates; i++) {
    await frame();
    const point = reading(WINDOW + 60 + i);
    const t0 = performance.now();
    renderer.update(point);
    if (task.flush) flushCtx.getImageData(0, 0, 1, 1);
    samples.push(performance.now() - t0);
  }
  const seconds = (performance.now() - start) / 1000;
  if (!task.keep) renderer.destroy();
  return { variant: task.variant, flush: task.flush, samples, rate: task.updates / seconds };
}

(window as unknown as { runChartBench: typeof run }).runChartBench = run;
document.getElementById('status')!.textContent = 'ready';
