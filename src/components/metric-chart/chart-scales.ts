import { formatClock } from '../shared/locale.js';

/**
 * Geometry of the usage chart: domains, tick values and pixel mapping. Pure (no DOM); the renderer
 * and the element both use it, and it runs once per render, never per point drawn.
 */

/** What the chart needs of a reading. `UsagePoint` fits. */
export interface SeriesPoint {
  readonly time: number;
  readonly percentage: number;
}

/** A read-only series, oldest first. `RingBuffer<UsagePoint>` fits, so nothing is copied to draw. */
export interface PointSeries<P extends SeriesPoint = SeriesPoint> {
  readonly size: number;
  at(i: number): P | undefined;
}

export interface SeriesExtent {
  minTime: number;
  maxTime: number;
  maxPercentage: number;
}

/** Plot area inside the canvas, CSS px. */
export interface PlotRect {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

export interface ChartScales {
  /** Whole drawing size, CSS px. */
  width: number;
  height: number;
  plot: PlotRect;
  /** Time domain, epoch ms. */
  t0: number;
  t1: number;
  /** Percentage domain; p0 is 0, p1 at least 100. */
  p0: number;
  p1: number;
  timeTicks: number[];
  percentTicks: number[];
  /** Token ticks for the right axis; empty when the window is unknown. */
  tokenTicks: number[];
  maxContext: number | null;
  /** The span crosses midnight (or days): time labels carry the date. */
  withDates: boolean;
  /** Label of a value tick: `50 %`, or `1.2 s` in latency mode. */
  valueLabel: (value: number) => string;
}

/** Label widths the layout needs, measured by the caller (the renderer owns the 2D context). */
export type MeasureText = (text: string) => number;

export const MIN_TICK_SPACING_Y = 28;
const MIN_SPAN_MS = 10_000;
const EMPTY_SPAN_MS = 5 * 60_000;
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const TIME_STEPS = [
  SECOND,
  2 * SECOND,
  5 * SECOND,
  10 * SECOND,
  15 * SECOND,
  30 * SECOND,
  MINUTE,
  2 * MINUTE,
  5 * MINUTE,
  10 * MINUTE,
  15 * MINUTE,
  30 * MINUTE,
  HOUR,
  2 * HOUR,
  3 * HOUR,
  6 * HOUR,
  12 * HOUR,
  24 * HOUR,
];

/** Oldest/newest time and highest percentage over one or several series, in one pass. Null when all are empty. */
export function seriesExtent(...series: PointSeries[]): SeriesExtent | null {
  let minTime = Infinity;
  let maxTime = -Infinity;
  let maxPercentage = 0;
  for (const points of series) {
    const n = points.size;
    for (let i = 0; i < n; i++) {
      const p = points.at(i)!;
      if (p.time < minTime) minTime = p.time;
      if (p.time > maxTime) maxTime = p.time;
      if (p.percentage > maxPercentage) maxPercentage = p.percentage;
    }
  }
  return minTime === Infinity ? null : { minTime, maxTime, maxPercentage };
}

/** 1, 2, 2.5 or 5 × 10^k, the smallest at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0) || !Number.isFinite(raw)) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * magnitude >= raw) return m * magnitude;
  return 10 * magnitude;
}

/** Multiples of `step` from `from` to `to` inclusive. */
function ticksBetween(from: number, to: number, step: number): number[] {
  const out: number[] = [];
  const first = Math.ceil(from / step - 1e-9);
  for (let k = first; k * step <= to + step * 1e-9; k++) out.push(k * step);
  return out;
}

/** Local-clock-aligned time ticks (a 1 h step lands on whole hours of the viewer's clock). */
export function timeTicks(t0: number, t1: number, maxTicks: number): number[] {
  const span = t1 - t0;
  const step = TIME_STEPS.find((s) => span / s <= maxTicks) ?? Math.ceil(span / maxTicks / (24 * HOUR)) * 24 * HOUR;
  const offset = -new Date(t0).getTimezoneOffset() * MINUTE;
  const out: number[] = [];
  for (let t = Math.ceil((t0 + offset) / step) * step - offset; t <= t1; t += step) out.push(t);
  return out;
}

/** Upper bound of the percentage axis: 100, or above it in steps of 10 when readings exceed 100. */
export function percentCeiling(maxPercentage: number): number {
  return maxPercentage <= 100 ? 100 : Math.ceil(maxPercentage / 10) * 10;
}

export const PERCENT_LABEL = (p: number): string => `${p} %`;

/** "0", "50k", "262k", "1.5M". Token ticks are nice numbers, so few digits are needed. */
export function compactTokens(n: number): string {
  if (n >= 1e6) return `${+(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${+(n / 1e3).toFixed(1)}k`;
  return String(Math.round(n));
}

/** Time label of a tick: the caller formats it in the page's language (with the date when asked). */
export type TimeLabel = (time: number, withDates: boolean) => string;

/** Whether two times fall on different days of the viewer's calendar. */
export function crossesDays(t0: number, t1: number): boolean {
  return new Date(t0).toDateString() !== new Date(t1).toDateString();
}

/**
 * Domains, ticks and plot rectangle for one render. `measure` is called a handful of times: the
 * widest label of each axis, never each tick.
 */
export function computeScales(
  extent: SeriesExtent | null,
  width: number,
  height: number,
  maxContext: number | null,
  measure: MeasureText,
  now = Date.now(),
  windowMs = 0,
  timeLabel: TimeLabel = (t, withDates) => formatClock(t, undefined, withDates),
  valueLabel: (value: number) => string = PERCENT_LABEL,
): ChartScales {
  const p1 = percentCeiling(extent?.maxPercentage ?? 0);
  const t1 = extent ? extent.maxTime : now;
  let t0 = extent ? extent.minTime : now - EMPTY_SPAN_MS;
  if (windowMs > 0 && t1 - t0 > windowMs) t0 = t1 - windowMs;
  if (t1 - t0 < MIN_SPAN_MS) {
    // One point (or a burst within a few seconds): keep the newest at the right edge.
    t0 = t1 - MIN_SPAN_MS;
  }
  const top = 10;
  const bottom = height - 22;
  const plotHeight = Math.max(1, bottom - top);
  const maxYTicks = Math.max(1, Math.floor(plotHeight / MIN_TICK_SPACING_Y));
  const percentStep = Math.max(10, niceStep(p1 / maxYTicks));
  const percentTicks = ticksBetween(0, p1, percentStep);

  const known = maxContext !== null && maxContext > 0 ? maxContext : null;
  const tokenTop = known ? (p1 / 100) * known : 0;
  const tokenTicks = known ? ticksBetween(0, tokenTop, niceStep(tokenTop / maxYTicks)) : [];

  const left = Math.ceil(measure(valueLabel(percentTicks[percentTicks.length - 1] ?? 100))) + 10;
  const right = width - (tokenTicks.length ? Math.ceil(measure(compactTokens(tokenTicks[tokenTicks.length - 1]!))) + 10 : 12);
  const plotWidth = Math.max(1, right - left);
  const withDates = crossesDays(t0, t1);
  const labelWidth = measure(timeLabel(t1, withDates)) + 24;
  const ticks = timeTicks(t0, t1, Math.max(1, Math.floor(plotWidth / labelWidth)));

  return {
    width,
    height,
    plot: { left, top, right: Math.max(left + 1, right), bottom: Math.max(top + 1, bottom) },
    t0,
    t1,
    p0: 0,
    p1,
    timeTicks: ticks,
    percentTicks,
    tokenTicks,
    maxContext: known,
    withDates,
    valueLabel,
  };
}

export function xOf(s: ChartScales, time: number): number {
  return s.plot.left + ((time - s.t0) / (s.t1 - s.t0)) * (s.plot.right - s.plot.left);
}

export function yOf(s: ChartScales, percentage: number): number {
  return s.plot.bottom - ((percentage - s.p0) / (s.p1 - s.p0)) * (s.plot.bottom - s.plot.top);
}

/** Index of the point nearest to x (CSS px, canvas coordinates); -1 when empty. Ties go to the newer. */
export function nearestIndex(points: PointSeries, s: ChartScales, x: number): number {
  return nearest(points, s, x).index;
}

/** The nearest point to x and its distance in px; index -1 when none is on screen. */
export function nearest(points: PointSeries, s: ChartScales, x: number): { index: number; distance: number } {
  let index = -1;
  let distance = Infinity;
  for (let i = 0; i < points.size; i++) {
    const time = points.at(i)!.time;
    if (time < s.t0) continue; // left of a time window: not on screen
    const d = Math.abs(xOf(s, time) - x);
    if (d <= distance) {
      index = i;
      distance = d;
    }
  }
  return { index, distance };
}
