import { html, nothing, type PropertyValues } from 'lit';
import { property, query } from 'lit/decorators.js';
import { defineElement } from '../../internal/define-element.js';
import { numberOption, reportInvalidOption } from '../shared/option-checks.js';
import { exportReadings, type ExportFormat } from '../../protocol/readings-export.js';
import { THRESHOLDS, sourceLabel, type UsageReading, type UsageSource } from '../../protocol/usage-readings.js';
import { DashboardElement, dashboardStyles } from '../shared/dashboard-element.js';
import { formatClock, formatNumber, formatPercent } from '../shared/locale.js';
import { DEFAULT_MAX_POINTS, ReadingSeries } from '../shared/reading-series.js';
import { themeTokens } from '../shared/theme.js';
import { computeScales, nearest, seriesExtent, xOf, yOf, type ChartScales } from './chart-scales.js';
import { drawChart, type ChartPalette, type ChartSeries } from './line-renderer.js';
import { metricChartStyles } from './metric-chart.styles.js';

const LEVEL_VAR = { caution: '--_th-caution', warning: '--_th-warning', critical: '--_th-critical' } as const;
/** Line colours, one per series in order, and dash patterns so lines differ by more than colour. */
const LINE_VARS = ['--_line', '--_line-2', '--_line-3', '--_line-4'] as const;
const DASHES: readonly (readonly number[])[] = [[], [6, 3], [2, 3], [8, 3, 2, 3]];
/** Most series drawn at once (`usage-sources="all"` takes the first sources seen). */
const MAX_SERIES = LINE_VARS.length;

/** What the chart plots: the context in use, or each request's time to first token or duration. */
export type ChartValue = 'context' | 'ttft' | 'duration';
const CHART_VALUES: readonly ChartValue[] = ['context', 'ttft', 'duration'];
const LATENCY_NAME = { ttft: 'time to first token', duration: 'duration' } as const;
/** `850 ms`, `1.2 s`. */
const msLabel = (ms: number): string => (ms >= 1000 ? `${+(ms / 1000).toFixed(2)} s` : `${+ms.toFixed(0)} ms`);

interface CanvasSize {
  /** CSS px. */
  width: number;
  height: number;
  /** Backing store, device px. */
  deviceWidth: number;
  deviceHeight: number;
}

/**
 * Context usage over time: each source's readings (`kimi:metric`) as a line, in percent of that
 * source's own window (above 100 % when a log frame exceeds it), threshold lines at 80 / 90 / 95 %,
 * tokens on the right axis when a single series is drawn, and a readout of the nearest reading under
 * the pointer or the arrow keys. History (`init`, hydration) and live readings merge by request: a
 * reconnect adds what was missed and removes nothing. Times are on this browser's clock (the
 * server's zone and skew are corrected); the axis shows dates when the span crosses days. Keeps the
 * newest `max-points` readings per source and draws at most once per frame.
 *
 * With `series="ttft"` or `series="duration"` it plots each proxied request's time to first token
 * or duration instead (one line per model, the first four), from the facts `kimi-tap` adds
 * (PROTOCOL.md §17); a server that sends no timings shows "No latency data".
 *
 * @tag kimi-metric-chart
 * @summary Line chart of the context window in use over time.
 *
 * @csspart chart - The focusable plot (`role="img"`) holding the canvas. ←/→ move the readout between points, Home/End jump, Esc clears.
 * @csspart readout - The box with the time, tokens, percentage and source of the highlighted point.
 * @csspart legend - The legend under the plot: one entry per source, with its window.
 * @csspart notice - "Data as of …" while not connected; "Session … was deleted" / "not found".
 *
 * @cssprop [--kimi-chart-height=220px] - Height of the plot.
 * @cssprop [--kimi-chart-line=var(--kimi-color-accent)] - Colour of the first series (proxy requests by default) and its fill.
 * @cssprop [--kimi-chart-line-2=#8250df] - Second series (dashed).
 * @cssprop [--kimi-chart-line-3=#1b7c83] - Third series (dotted).
 * @cssprop [--kimi-chart-line-4=#bf3989] - Fourth series (dash-dot).
 * @cssprop [--kimi-chart-grid=var(--kimi-color-border)] - Grid lines.
 * @cssprop [--kimi-chart-axis=var(--kimi-color-muted)] - Baseline, ticks and crosshair.
 * @cssprop [--kimi-chart-text=var(--kimi-color-muted)] - Tick labels.
 * @cssprop [--kimi-chart-caution=var(--kimi-color-caution)] - The 80 % line and its label.
 * @cssprop [--kimi-chart-warning=var(--kimi-color-warning)] - The 90 % line and its label.
 * @cssprop [--kimi-chart-critical=var(--kimi-color-critical)] - The 95 % line and its label.
 */
export class KimiMetricChart extends DashboardElement {
  static override styles = [themeTokens, dashboardStyles, metricChartStyles];

  /** Registers `<kimi-metric-chart>`; warns instead of throwing when another copy already did. */
  static define(tag = 'kimi-metric-chart'): void {
    defineElement(tag, this);
  }

  /** Most readings kept per source; the oldest go first. Whole number, 2 – 100,000. */
  @property({ attribute: 'max-points' })
  @numberOption({ fallback: DEFAULT_MAX_POINTS, min: 2, max: 100_000, integer: true })
  maxPoints: number = DEFAULT_MAX_POINTS;

  /** Accessible name of the chart, also the start of its text alternative. */
  @property() label = 'Context usage';

  /**
   * Seconds of time shown, ending at the newest reading; 0 (default) shows every kept reading. An
   * `init` history from hours ago would otherwise squeeze the live readings against the right edge.
   */
  @property({ attribute: 'time-window' })
  @numberOption({ fallback: 0, min: 0, max: 10 * 365 * 86_400 })
  timeWindow: number = 0;

  /**
   * The sources drawn, space-separated, each its own line: `proxy` (default), `continue`,
   * `kimi-cli`, `log:<source>`; or `all` for every source seen (the first four).
   */
  @property({ attribute: 'usage-sources' }) usageSources = 'proxy';

  /**
   * What is plotted: `context` (default, percent of the window), `ttft` (time to first token per
   * request, ms) or `duration` (request duration, ms; one line per model). Other values fall back
   * to `context` with a `kimi:error`.
   */
  @property() series: ChartValue = 'context';

  @query('canvas') private canvas!: HTMLCanvasElement | null;
  @query('.plot') private plot!: HTMLElement | null;

  /** One series per source drawn, in legend order. */
  private readonly lines = new Map<UsageSource, ReadingSeries>();
  private hovered: UsageReading | null = null;
  private scales: ChartScales | null = null;
  private palette: ChartPalette | null = null;
  private paletteKey = '';
  private size: CanvasSize = { width: 0, height: 0, deviceWidth: 0, deviceHeight: 0 };
  /** Something the canvas shows changed since it was last drawn. */
  private stale = true;
  private context: CanvasRenderingContext2D | null = null;
  private resizeObserver: ResizeObserver | null = null;
  private readonly darkScheme = matchMedia('(prefers-color-scheme: dark)');
  /** In latency mode the points are copies whose `percentage` is the time: the readings they stand for. */
  private readonly originals = new WeakMap<UsageReading, UsageReading>();

  /** The valid `series`, read once per update. */
  private get mode(): ChartValue {
    return CHART_VALUES.includes(this.series) ? this.series : 'context';
  }

  protected readonly link = this.linkSource({
    'kimi:metric': (e) => {
      if (this.addReading(e.detail)) {
        this.stale = true;
        this.requestUpdate();
      }
    },
  });

  protected override showsData(): boolean {
    return this.points.length > 0;
  }

  /** The readings drawn, every source, oldest first (a copy). */
  get points(): UsageReading[] {
    return [...this.lines.values()].flatMap((line) => line.toArray()).sort((a, b) => a.time - b.time);
  }

  /** The readings of one source, oldest first (a copy). */
  readingsOf(source: UsageSource): UsageReading[] {
    return this.lines.get(source)?.toArray() ?? [];
  }

  /** The newest reading drawn, or null. */
  get latest(): UsageReading | null {
    let newest: UsageReading | null = null;
    for (const line of this.lines.values()) {
      const last = line.last;
      if (last && (!newest || last.time >= newest.time)) newest = last;
    }
    return newest;
  }

  /**
   * The readings drawn as CSV or JSON (columns: README, "Export"); in latency mode the requests
   * plotted. `importReadings()` reads them back.
   */
  exportData(format: ExportFormat = 'csv'): string {
    return exportReadings(
      this.points.map((p) => this.originals.get(p) ?? p),
      format,
    );
  }

  /** The window of the newest reading drawn, in tokens, when known. */
  get maxContext(): number | null {
    return this.latest?.window ?? null;
  }

  protected clear(): void {
    this.lines.clear();
    this.hovered = null;
    this.stale = true;
  }

  /** Adds a reading to its source's line; false when the source is not drawn or it was already there. */
  private addReading(reading: UsageReading): boolean {
    // History rows the provider never confirmed are guesses made before sending: not drawn (README).
    if (reading.estimated) return false;
    const mode = this.mode;
    if (mode !== 'context') return this.takeLatency(reading, mode);
    let line = this.lines.get(reading.source);
    if (!line) {
      if (!this.draws(reading.source) || this.lines.size >= MAX_SERIES) return false;
      line = new ReadingSeries(this.maxPoints);
      this.lines.set(reading.source, line);
    }
    return line.add(reading);
  }

  /** A request's time as a point of its model's line (`percentage` holds the ms). */
  private takeLatency(reading: UsageReading, mode: 'ttft' | 'duration'): boolean {
    const request = reading.request;
    const ms = request ? (mode === 'ttft' ? request.ttftMs : request.durationMs) : null;
    if (reading.source !== 'proxy' || ms === null) return false;
    // Lines are keyed by model here; a model name is shown as it is (sourceLabel caps it).
    const key = (request!.model ?? 'proxy') as UsageSource;
    let line = this.lines.get(key);
    if (!line) {
      if (this.lines.size >= MAX_SERIES) return false;
      line = new ReadingSeries(this.maxPoints);
      this.lines.set(key, line);
    }
    const point = { ...reading, percentage: ms };
    if (!line.add(point)) return false;
    this.originals.set(point, reading);
    return true;
  }

  private draws(source: UsageSource): boolean {
    const wanted = this.usageSources.trim().split(/\s+/);
    return wanted.includes('all') || wanted.includes(source);
  }

  override connectedCallback(): void {
    super.connectedCallback();
    this.darkScheme.addEventListener('change', this.onSchemeChange);
    if (this.hasUpdated) this.observeSize();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.darkScheme.removeEventListener('change', this.onSchemeChange);
    this.resizeObserver?.disconnect();
    this.resizeObserver = null;
  }

  protected override firstUpdated(): void {
    this.observeSize();
  }

  private readonly onSchemeChange = (): void => {
    this.stale = true;
    this.requestUpdate();
  };

  private observeSize(): void {
    if (!this.plot || this.resizeObserver) return;
    this.resizeObserver = new ResizeObserver((entries) => this.resized(entries[entries.length - 1]!));
    try {
      this.resizeObserver.observe(this.plot, { box: 'device-pixel-content-box' });
    } catch {
      this.resizeObserver.observe(this.plot);
    }
  }

  private resized(entry: ResizeObserverEntry): void {
    const box = entry.contentBoxSize?.[0];
    const width = box ? box.inlineSize : entry.contentRect.width;
    const height = box ? box.blockSize : entry.contentRect.height;
    const device = entry.devicePixelContentBoxSize?.[0];
    const ratio = window.devicePixelRatio || 1;
    const deviceWidth = device ? device.inlineSize : Math.round(width * ratio);
    const deviceHeight = device ? device.blockSize : Math.round(height * ratio);
    const s = this.size;
    if (s.width === width && s.height === height && s.deviceWidth === deviceWidth && s.deviceHeight === deviceHeight) return;
    this.size = { width, height, deviceWidth, deviceHeight };
    this.stale = true;
    this.requestUpdate();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    super.willUpdate(changed);
    if (changed.has('maxPoints')) for (const line of this.lines.values()) if (line.resize(this.maxPoints)) this.stale = true;
    if (changed.has('timeWindow')) this.stale = true;
    if (changed.has('series') && !CHART_VALUES.includes(this.series)) reportInvalidOption(this, 'series', this.series, 'context, ttft or duration', 'context');
    if ((changed.has('usageSources') && changed.get('usageSources') !== undefined) || (changed.has('series') && changed.get('series') !== undefined)) {
      // Other sources chosen: redraw from what the <kimi-realtime> kept.
      this.clear();
      for (const reading of this.kimiSource?.readings ?? []) this.addReading(reading);
    }
    if (this.hovered && (this.lines.get(this.hovered.source)?.indexOf(this.hovered) ?? -1) < 0) this.hovered = null;
    this.readPalette();
    if (this.stale) this.layout();
  }

  /** Colours from the computed custom properties, once per render; a change (theme, page tokens) redraws. */
  private readPalette(): void {
    const style = getComputedStyle(this);
    const v = (name: string) => style.getPropertyValue(name).trim();
    const palette: ChartPalette = {
      lines: LINE_VARS.map(v),
      grid: v('--_grid'),
      axis: v('--_axis'),
      text: v('--_axis-text'),
      surface: v('--_surface'),
      levels: { caution: v(LEVEL_VAR.caution), warning: v(LEVEL_VAR.warning), critical: v(LEVEL_VAR.critical) },
      font: `11px ${v('--_font') || 'sans-serif'}`,
    };
    const key = `${palette.lines.join()}|${palette.grid}|${palette.axis}|${palette.text}|${palette.surface}|${palette.levels['caution']}|${palette.levels['warning']}|${palette.levels['critical']}|${palette.font}`;
    if (key !== this.paletteKey) {
      this.paletteKey = key;
      this.palette = palette;
      this.stale = true;
    }
  }

  private layout(): void {
    const { width, height } = this.size;
    const ctx = this.context ?? (this.context = this.canvas?.getContext('2d') ?? null);
    if (!ctx || !this.palette || width <= 0 || height <= 0) {
      this.scales = null;
      return;
    }
    ctx.font = this.palette.font;
    const lines = [...this.lines.values()];
    const locale = this.locale;
    const latency = this.mode !== 'context';
    this.scales = computeScales(
      seriesExtent(...lines),
      width,
      height,
      // Tokens on the right only when one line is drawn: each source has its own window.
      !latency && lines.length === 1 ? (lines[0]!.last?.window ?? null) : null,
      (text) => ctx.measureText(text).width,
      Date.now(),
      this.timeWindow > 0 ? this.timeWindow * 1000 : 0,
      (t, withDates) => formatClock(t, locale, withDates),
      latency ? msLabel : undefined,
    );
  }

  protected override updated(): void {
    this.placeHover();
    if (!this.stale || !this.scales || !this.context || !this.palette || !this.canvas) return;
    const { deviceWidth, deviceHeight, width, height } = this.size;
    if (this.canvas.width !== deviceWidth) this.canvas.width = deviceWidth;
    if (this.canvas.height !== deviceHeight) this.canvas.height = deviceHeight;
    const locale = this.locale;
    const palette = this.palette;
    const series: ChartSeries[] = [...this.lines.values()].map((points, i) => ({
      points,
      colour: palette.lines[i] ?? palette.axis,
      dash: DASHES[i] ?? [],
      fill: this.lines.size === 1,
    }));
    drawChart(this.context, {
      scales: this.scales,
      series,
      timeLabel: (t, withDates) => formatClock(t, locale, withDates),
      palette,
      thresholds: this.mode === 'context' ? THRESHOLDS : [],
      pixelRatioX: deviceWidth / width,
      pixelRatioY: deviceHeight / height,
      emptyText: this.dataStatus === 'not-found' ? 'Session not found' : this.mode !== 'context' ? 'No latency data' : 'Waiting for data',
    });
    this.stale = false;
  }

  /**
   * Positions the hover overlay through the CSSOM: a CSP without 'unsafe-inline' blocks `style`
   * attributes, including the first render of Lit's styleMap, but allows `element.style`.
   */
  private placeHover(): void {
    const root = this.renderRoot as ShadowRoot;
    const crosshair = root.querySelector<HTMLElement>('.crosshair');
    if (crosshair) {
      const d = crosshair.dataset;
      crosshair.style.transform = `translate(${d['x']}px, ${d['top']}px)`;
      crosshair.style.height = `${d['height']}px`;
    }
    const marker = root.querySelector<HTMLElement>('.marker');
    if (marker) marker.style.transform = `translate(${marker.dataset['x']}px, ${marker.dataset['y']}px)`;
    const readout = root.querySelector<HTMLElement>('.readout');
    const p = this.hovered;
    const s = this.scales;
    if (!readout || !p || !s) return;
    const x = xOf(s, p.time);
    const right = x > s.width / 2;
    readout.style.left = right ? '' : `${x + 10}px`;
    readout.style.right = right ? `${s.width - x + 10}px` : '';
    readout.style.top = `${s.plot.top}px`;
  }

  private setHovered(point: UsageReading | null): void {
    if (point === this.hovered) return;
    this.hovered = point;
    this.requestUpdate();
  }

  private onPointerMove(event: PointerEvent): void {
    const s = this.scales;
    if (!s || !this.canvas) return;
    const rect = this.canvas.getBoundingClientRect();
    const x = ((event.clientX - rect.left) * s.width) / (rect.width || 1);
    let best: UsageReading | null = null;
    let distance = Infinity;
    for (const line of this.lines.values()) {
      const found = nearest(line, s, x);
      if (found.index >= 0 && found.distance <= distance) {
        best = line.at(found.index)!;
        distance = found.distance;
      }
    }
    this.setHovered(best);
  }

  private onKeyDown(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      if (this.hovered) event.preventDefault();
      this.setHovered(null);
      return;
    }
    // The keys walk every reading drawn, in time order.
    const all = this.points;
    const n = all.length;
    if (!n) return;
    let i = this.hovered ? all.indexOf(this.hovered) : -1;
    switch (event.key) {
      case 'ArrowLeft':
        i = i < 0 ? n - 1 : Math.max(0, i - 1);
        break;
      case 'ArrowRight':
        i = i < 0 ? n - 1 : Math.min(n - 1, i + 1);
        break;
      case 'Home':
        i = 0;
        break;
      case 'End':
        i = n - 1;
        break;
      default:
        return;
    }
    event.preventDefault();
    this.setHovered(all[i]!);
  }

  /** "Context usage: Proxy requests 62.4 % (163,512 of 262,144 tokens) at 10:42:03, 120 points". */
  private summary(): string {
    const locale = this.locale;
    const parts: string[] = [];
    const mode = this.mode;
    for (const [source, line] of this.lines) {
      const p = line.last;
      if (!p) continue;
      const n = line.size;
      if (mode !== 'context') {
        parts.push(
          `${sourceLabel(source)} ${LATENCY_NAME[mode]} ${msLabel(p.percentage)} at ${formatClock(p.time, locale)}, ${n} ${n === 1 ? 'request' : 'requests'}`,
        );
        continue;
      }
      parts.push(
        `${sourceLabel(source)} ${formatPercent(p.percentage, locale)} (${formatNumber(p.tokens, locale)}${p.window ? ` of ${formatNumber(p.window, locale)}` : ''} tokens) at ${formatClock(p.time, locale)}, ${n} ${n === 1 ? 'point' : 'points'}`,
      );
    }
    const notice = this.noticeText();
    const none = mode === 'context' ? 'no data yet' : 'no latency data (the server sends no request timings)';
    return `${this.label}: ${parts.length ? parts.join('; ') : none}${notice ? `. ${notice}` : ''}`;
  }

  private renderHover() {
    const p = this.hovered;
    const s = this.scales;
    if (!p || !s) return nothing;
    const x = xOf(s, p.time);
    const y = yOf(s, p.percentage);
    return html`
      <div class="crosshair" data-x=${x} data-top=${s.plot.top} data-height=${s.plot.bottom - s.plot.top}></div>
      <div class="marker" data-x=${x} data-y=${y}></div>
    `;
  }

  protected override render() {
    const p = this.hovered;
    const s = this.scales;
    const locale = this.locale;
    const lines = [...this.lines];
    return html`
      <div class="frame data">
        <div
          part="chart"
          class="plot"
          role="img"
          tabindex="0"
          aria-label=${this.label}
          aria-describedby="summary"
          @pointermove=${this.onPointerMove}
          @pointerdown=${this.onPointerMove}
          @pointerleave=${() => this.setHovered(null)}
          @keydown=${this.onKeyDown}
          @focusout=${() => this.setHovered(null)}
        >
          <canvas aria-hidden="true"></canvas>
          ${this.renderHover()}
        </div>
        <div part="readout" class="readout ${p && s ? 'active' : ''}" aria-live="polite">
          ${
            p && s
              ? this.mode !== 'context'
                ? html`<time>${formatClock(p.time, locale, s.withDates)}</time>
                    <span>${LATENCY_NAME[this.mode as 'ttft' | 'duration']} ${msLabel(p.percentage)}</span>
                    <span class="source">${sourceLabel(p.source === 'proxy' && p.request?.model ? p.request.model : p.source)}</span>`
                : html`<time>${formatClock(p.time, locale, s.withDates)}</time>
                    <span>${formatNumber(p.tokens, locale)}${p.window ? ` of ${formatNumber(p.window, locale)}` : ''} tokens</span>
                    <span>${formatPercent(p.percentage, locale)}</span>
                    <span class="source">${sourceLabel(p.source)}${p.origin === 'history' ? ' (history)' : ''}</span>`
              : nothing
          }
        </div>
      </div>
      ${this.renderNotice()}
      <p id="summary" class="sr-only">${this.summary()}</p>
      <ul part="legend" class="legend">
        ${(lines.length
          ? lines
          : [[this.usageSources.trim().split(/\s+/)[0] === 'all' ? 'proxy' : (this.usageSources.trim().split(/\s+/)[0] ?? 'proxy'), null] as const]
        ).map(
          ([source, line], i) =>
            html`<li>
              <span class=${`swatch line line-${i + 1}`}></span
              >${sourceLabel(source)}${this.mode === 'context' && line?.last?.window ? `, window ${formatNumber(line.last.window, locale)} tokens` : ''}
            </li>`,
        )}
        ${this.mode === 'context' ? THRESHOLDS.map((t) => html`<li><span class=${`swatch dashed ${t.level}`}></span>${t.percentage} % ${t.level}</li>`) : nothing}
      </ul>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kimi-metric-chart': KimiMetricChart;
  }
}
