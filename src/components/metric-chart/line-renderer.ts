import { PERCENT_LABEL, compactTokens, type ChartScales, type PointSeries, type TimeLabel } from './chart-scales.js';

/**
 * Canvas drawing of the usage chart: pure functions of a 2D context and what to draw. No Lit, no
 * DOM reads. Cost per render: one path for the series (stroked, then closed and filled), one for
 * the grid, one per threshold; a few `measureText` calls; nothing allocated per point.
 */

/** Resolved colours (any CSS colour string) and the label font, read once per render by the caller. */
export interface ChartPalette {
  /** Colours of the lines, first series first. */
  lines: readonly string[];
  grid: string;
  axis: string;
  /** Tick labels. */
  text: string;
  /** Halo around threshold labels, so they stay legible over grid lines. */
  surface: string;
  /** Colour of each threshold level. */
  levels: Readonly<Record<string, string>>;
  /** CSS font shorthand for labels, e.g. `11px system-ui`. */
  font: string;
}

export interface ChartThreshold {
  level: string;
  percentage: number;
}

/** One line of the chart. */
export interface ChartSeries {
  points: PointSeries;
  /** Any CSS colour. */
  colour: string;
  /** Dash pattern (CSS px); empty for a solid line. Lines are told apart by more than colour. */
  dash: readonly number[];
  /** Fill the area under the line faintly (the primary series only). */
  fill: boolean;
}

export interface ChartFrame {
  scales: ChartScales;
  series: readonly ChartSeries[];
  /** Formats a time tick. */
  timeLabel: TimeLabel;
  palette: ChartPalette;
  thresholds: readonly ChartThreshold[];
  /** Backing-store pixels per CSS pixel, horizontally and vertically. */
  pixelRatioX: number;
  pixelRatioY: number;
  /** Shown in the plot while there are no points. */
  emptyText: string;
}

const TAU = Math.PI * 2;
const DASH = [6, 4];
const SOLID: number[] = [];
const LABEL_HEIGHT = 13;

/** Centre of a 1-device-pixel-per-CSS-pixel line, so it covers whole device pixels. */
function crisp(v: number, ratio: number): number {
  const width = Math.max(1, Math.round(ratio));
  const d = Math.round(v * ratio);
  return (width % 2 ? d + 0.5 : d) / ratio;
}

function hairline(ratio: number): number {
  return Math.max(1, Math.round(ratio)) / ratio;
}

/** Clears and draws the whole chart. Coordinates are CSS px; the context is scaled to the backing store. */
export function drawChart(ctx: CanvasRenderingContext2D, frame: ChartFrame): void {
  const { palette } = frame;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height);
  ctx.setTransform(frame.pixelRatioX, 0, 0, frame.pixelRatioY, 0, 0);
  ctx.font = palette.font;
  ctx.setLineDash(SOLID);
  ctx.globalAlpha = 1;
  drawGrid(ctx, frame);
  drawThresholds(ctx, frame);
  if (frame.series.some((line) => line.points.size > 0)) {
    // With a time window, older readings fall left of the plot: clip them.
    const { left, top, right, bottom } = frame.scales.plot;
    ctx.save();
    ctx.beginPath();
    ctx.rect(left, top - 2, right - left + 2, bottom - top + 4);
    ctx.clip();
    for (const line of frame.series) if (line.points.size) drawSeries(ctx, frame.scales, line);
    ctx.restore();
  } else drawEmpty(ctx, frame);
  drawAxes(ctx, frame);
}

/** Horizontal grid lines at the percentage ticks, in one path. */
export function drawGrid(ctx: CanvasRenderingContext2D, { scales: s, palette, pixelRatioY }: ChartFrame): void {
  const { left, right, top, bottom } = s.plot;
  const ky = (bottom - top) / (s.p1 - s.p0);
  ctx.beginPath();
  for (const p of s.percentTicks) {
    if (p === s.p0) continue;
    const y = crisp(bottom - (p - s.p0) * ky, pixelRatioY);
    ctx.moveTo(left, y);
    ctx.lineTo(right, y);
  }
  ctx.lineWidth = hairline(pixelRatioY);
  ctx.strokeStyle = palette.grid;
  ctx.stroke();
}

/** A series as one path: stroked, then (when `fill`) closed down to the baseline and filled faintly. */
export function drawSeries(ctx: CanvasRenderingContext2D, s: ChartScales, { points, colour, dash, fill }: ChartSeries): void {
  const n = points.size;
  const { left, right, top, bottom } = s.plot;
  const kx = (right - left) / (s.t1 - s.t0);
  const ky = (bottom - top) / (s.p1 - s.p0);
  let firstX = 0;
  let lastX = 0;
  let lastY = 0;
  ctx.beginPath();
  for (let i = 0; i < n; i++) {
    const p = points.at(i)!;
    lastX = left + (p.time - s.t0) * kx;
    lastY = bottom - (p.percentage - s.p0) * ky;
    if (i === 0) {
      firstX = lastX;
      ctx.moveTo(lastX, lastY);
    } else ctx.lineTo(lastX, lastY);
  }
  ctx.lineWidth = 2;
  // Bevel joins: no miter spikes on jagged series, and cheaper to rasterize than round ones.
  ctx.lineJoin = 'bevel';
  ctx.lineCap = 'butt';
  ctx.strokeStyle = colour;
  ctx.setLineDash(dash as number[]);
  ctx.stroke();
  ctx.setLineDash(SOLID);
  ctx.fillStyle = colour;
  if (fill) {
    ctx.lineTo(lastX, bottom);
    ctx.lineTo(firstX, bottom);
    ctx.closePath();
    ctx.globalAlpha = 0.12;
    ctx.fill();
    ctx.globalAlpha = 1;
  }
  // The newest reading, also the only mark when there is a single point.
  ctx.beginPath();
  ctx.arc(lastX, lastY, 3, 0, TAU);
  ctx.fill();
}

function drawEmpty(ctx: CanvasRenderingContext2D, { scales: s, palette, emptyText }: ChartFrame): void {
  ctx.fillStyle = palette.text;
  ctx.textAlign = 'center';
  ctx.textBaseline = 'middle';
  ctx.fillText(emptyText, (s.plot.left + s.plot.right) / 2, (s.plot.top + s.plot.bottom) / 2);
}

/**
 * Dashed lines at each threshold, labelled at the left end: the newest readings are on the right, and
 * the series is drawn over these. The highest label sits above its line, the others below theirs, so
 * close thresholds (90 / 95) do not overlap; a label with no room is left out.
 */
export function drawThresholds(ctx: CanvasRenderingContext2D, { scales: s, palette, thresholds, pixelRatioY }: ChartFrame): void {
  const { left, right, top, bottom } = s.plot;
  const ky = (bottom - top) / (s.p1 - s.p0);
  let highest = -Infinity;
  for (const t of thresholds) highest = Math.max(highest, t.percentage);
  ctx.textAlign = 'left';
  ctx.textBaseline = 'middle';
  ctx.lineJoin = 'round';
  for (const t of thresholds) {
    if (t.percentage > s.p1) continue;
    const colour = palette.levels[t.level] ?? palette.axis;
    const y = crisp(bottom - (t.percentage - s.p0) * ky, pixelRatioY);
    ctx.beginPath();
    ctx.setLineDash(DASH);
    ctx.moveTo(left, y);
    ctx.lineTo(right, y);
    ctx.lineWidth = hairline(pixelRatioY);
    ctx.strokeStyle = colour;
    ctx.stroke();
    ctx.setLineDash(SOLID);
    let below = s.p0;
    for (const other of thresholds) if (other.percentage < t.percentage && other.percentage > below) below = other.percentage;
    // Below its line, a label needs room before the next line down; when the plot is too short, the legend says it.
    if (t.percentage !== highest && (t.percentage - below) * ky < LABEL_HEIGHT + 4) continue;
    const text = `${PERCENT_LABEL(t.percentage)} ${t.level}`;
    const cy = t.percentage === highest ? y - 2 - LABEL_HEIGHT / 2 : y + 2 + LABEL_HEIGHT / 2;
    ctx.lineWidth = 3;
    ctx.strokeStyle = palette.surface;
    ctx.strokeText(text, left + 6, cy);
    ctx.fillStyle = colour;
    ctx.fillText(text, left + 6, cy);
  }
}

/** Baseline, time ticks with their labels (dates when the span crosses days), % labels on the left, token labels on the right. */
export function drawAxes(ctx: CanvasRenderingContext2D, { scales: s, palette, pixelRatioX, pixelRatioY, timeLabel }: ChartFrame): void {
  const { left, right, top, bottom } = s.plot;
  const ky = (bottom - top) / (s.p1 - s.p0);
  const kx = (right - left) / (s.t1 - s.t0);
  const baseline = crisp(bottom, pixelRatioY);

  ctx.beginPath();
  ctx.moveTo(left, baseline);
  ctx.lineTo(right, baseline);
  for (const t of s.timeTicks) {
    const x = crisp(left + (t - s.t0) * kx, pixelRatioX);
    ctx.moveTo(x, baseline);
    ctx.lineTo(x, baseline + 5);
  }
  ctx.lineWidth = hairline(pixelRatioY);
  ctx.strokeStyle = palette.axis;
  ctx.stroke();

  ctx.fillStyle = palette.text;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'right';
  for (const p of s.percentTicks) ctx.fillText(s.valueLabel(p), left - 6, bottom - (p - s.p0) * ky);

  if (s.maxContext !== null) {
    const kt = ky * (100 / s.maxContext);
    ctx.textAlign = 'left';
    for (const tokens of s.tokenTicks) ctx.fillText(compactTokens(tokens), right + 6, bottom - tokens * kt);
  }

  ctx.textAlign = 'center';
  ctx.textBaseline = 'top';
  for (const t of s.timeTicks) {
    const x = left + (t - s.t0) * kx;
    const text = timeLabel(t, s.withDates);
    const half = ctx.measureText(text).width / 2;
    if (x - half < 0 || x + half > s.width) continue;
    ctx.fillText(text, x, baseline + 7);
  }
}
