import { html, nothing, type PropertyValues } from 'lit';
import { property, query } from 'lit/decorators.js';
import { defineElement } from '../../internal/define-element.js';
import type { KimiSource } from '../../internal/source-context.js';
import { THRESHOLDS, type UsagePoint } from '../../protocol/context-usage.js';
import { FrameBatchedElement } from '../shared/frame-batched-element.js';
import type { KimiEventHandlers } from '../shared/source-controller.js';
import { themeTokens } from '../shared/theme.js';
import { clockTime, computeScales, nearestIndex, seriesExtent, xOf, yOf, type ChartScales } from './chart-scales.js';
import { drawChart, type ChartPalette } from './line-renderer.js';
import { metricChartStyles } from './metric-chart.styles.js';
import { DEFAULT_MAX_POINTS, UsageSeries, usageHandlers } from '../shared/usage-series.js';

const SOURCE_TEXT: Record<UsagePoint['source'], string> = {
  init: 'history (init)',
  metric_updated: 'proxy (metric_updated)',
  log_metric: 'logs (log_metric)',
  metric: 'legacy (metric)',
};

const LEVEL_VAR = { caution: '--_th-caution', warning: '--_th-warning', critical: '--_th-critical' } as const;
const tokens = new Intl.NumberFormat();

interface CanvasSize {
  /** CSS px. */
  width: number;
  height: number;
  /** Backing store, device px. */
  deviceWidth: number;
  deviceHeight: number;
}

/**
 * The session's context usage over time: percentage of the context window (0–100 %, above 100 when
 * log frames exceed it) with tokens on the right axis once the window is known, threshold lines at
 * 80 / 90 / 95 %, and a readout of the nearest point under the pointer or the arrow keys. Built from
 * the `init` history and live `metric_updated`, `log_metric` and legacy `metric` frames of its
 * `<kimi-realtime>`; keeps the newest `max-points` readings and draws at most once per frame.
 *
 * @tag kimi-metric-chart
 * @summary Line chart of the context window in use over time.
 *
 * @csspart chart - The focusable plot (`role="img"`) holding the canvas. ←/→ move the readout between points, Home/End jump, Esc clears.
 * @csspart readout - The box with the time, tokens, percentage and source of the highlighted point.
 * @csspart legend - The legend under the plot.
 *
 * @cssprop [--kimi-chart-height=220px] - Height of the plot.
 * @cssprop [--kimi-chart-line=var(--kimi-color-accent)] - Colour of the usage line and its fill.
 * @cssprop [--kimi-chart-grid=var(--kimi-color-border)] - Grid lines.
 * @cssprop [--kimi-chart-axis=var(--kimi-color-muted)] - Baseline, ticks and crosshair.
 * @cssprop [--kimi-chart-text=var(--kimi-color-muted)] - Tick labels.
 * @cssprop [--kimi-chart-caution=var(--kimi-color-caution)] - The 80 % line and its label.
 * @cssprop [--kimi-chart-warning=var(--kimi-color-warning)] - The 90 % line and its label.
 * @cssprop [--kimi-chart-critical=var(--kimi-color-critical)] - The 95 % line and its label.
 */
export class KimiMetricChart extends FrameBatchedElement {
  static override styles = [themeTokens, metricChartStyles];

  /** Registers `<kimi-metric-chart>`; warns instead of throwing when another copy already did. */
  static define(tag = 'kimi-metric-chart'): void {
    defineElement(tag, this);
  }

  /** Most readings kept; the oldest go first. Whole number, at least 2. */
  @property({ type: Number, attribute: 'max-points' }) maxPoints = DEFAULT_MAX_POINTS;

  /** Accessible name of the chart, also the start of its text alternative. */
  @property() label = 'Context usage';

  /**
   * Seconds of time shown, ending at the newest reading; 0 (default) shows every kept reading. An
   * `init` history from hours ago would otherwise squeeze the live readings against the right edge.
   */
  @property({ type: Number, attribute: 'time-window' }) timeWindow = 0;

  @query('canvas') private canvas!: HTMLCanvasElement | null;
  @query('.plot') private plot!: HTMLElement | null;

  private readonly series = new UsageSeries(DEFAULT_MAX_POINTS);
  private hovered: UsagePoint | null = null;
  private scales: ChartScales | null = null;
  private palette: ChartPalette | null = null;
  private paletteKey = '';
  private size: CanvasSize = { width: 0, height: 0, deviceWidth: 0, deviceHeight: 0 };
  /** Something the canvas shows changed since it was last drawn. */
  private stale = true;
  private context: CanvasRenderingContext2D | null = null;
  private resizeObserver: ResizeObserver | null = null;
  private readonly darkScheme = matchMedia('(prefers-color-scheme: dark)');
  /** Where the held readings come from: a different source or session starts over. */
  private heldFrom: { source: KimiSource['source']; sessionId: string | null } | null = null;

  /** The readings held, oldest first (a copy). */
  get points(): UsagePoint[] {
    return this.series.points.toArray();
  }

  /** The newest reading, or null. */
  get latest(): UsagePoint | null {
    return this.series.latest;
  }

  /** The context window in tokens, when a message stated or implied it. */
  get maxContext(): number | null {
    return this.series.maxContext;
  }

  protected kimiHandlers(): KimiEventHandlers {
    return usageHandlers(() => this.series, () => {
      this.stale = true;
      this.requestUpdate();
    });
  }

  protected override sourceChanged(value: KimiSource | null, previous: KimiSource | null): void {
    // Losing the source keeps the readings (the element may just be moving); another one starts over.
    if (value && (value.source !== this.heldFrom?.source || value.sessionId !== this.heldFrom.sessionId)) {
      if (this.heldFrom) {
        this.series.clear();
        this.hovered = null;
        this.stale = true;
      }
      this.heldFrom = { source: value.source, sessionId: value.sessionId };
    }
    super.sourceChanged(value, previous);
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
    if (changed.has('maxPoints') && this.series.resize(this.maxPoints)) this.stale = true;
    if (changed.has('timeWindow')) this.stale = true;
    if (this.hovered && this.series.indexOf(this.hovered) < 0) this.hovered = null;
    this.readPalette();
    if (this.stale) this.layout();
  }

  /** Colours from the computed custom properties, once per render; a change (theme, page tokens) redraws. */
  private readPalette(): void {
    const style = getComputedStyle(this);
    const v = (name: string) => style.getPropertyValue(name).trim();
    const palette: ChartPalette = {
      line: v('--_line'),
      grid: v('--_grid'),
      axis: v('--_axis'),
      text: v('--_axis-text'),
      surface: v('--_surface'),
      levels: { caution: v(LEVEL_VAR.caution), warning: v(LEVEL_VAR.warning), critical: v(LEVEL_VAR.critical) },
      font: `11px ${v('--_font') || 'sans-serif'}`,
    };
    const key = `${palette.line}|${palette.grid}|${palette.axis}|${palette.text}|${palette.surface}|${palette.levels['caution']}|${palette.levels['warning']}|${palette.levels['critical']}|${palette.font}`;
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
    this.scales = computeScales(seriesExtent(this.series.points), width, height, this.series.maxContext, (text) => ctx.measureText(text).width, Date.now(), this.timeWindow > 0 ? this.timeWindow * 1000 : 0);
  }

  protected override updated(): void {
    this.placeHover();
    if (!this.stale || !this.scales || !this.context || !this.palette || !this.canvas) return;
    const { deviceWidth, deviceHeight, width, height } = this.size;
    if (this.canvas.width !== deviceWidth) this.canvas.width = deviceWidth;
    if (this.canvas.height !== deviceHeight) this.canvas.height = deviceHeight;
    drawChart(this.context, {
      scales: this.scales,
      points: this.series.points,
      palette: this.palette,
      thresholds: THRESHOLDS,
      pixelRatioX: deviceWidth / width,
      pixelRatioY: deviceHeight / height,
      emptyText: 'Waiting for data',
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

  private setHovered(point: UsagePoint | null): void {
    if (point === this.hovered) return;
    this.hovered = point;
    this.requestUpdate();
  }

  private onPointerMove(event: PointerEvent): void {
    const s = this.scales;
    if (!s || !this.canvas || !this.series.points.size) return;
    const rect = this.canvas.getBoundingClientRect();
    const x = ((event.clientX - rect.left) * s.width) / (rect.width || 1);
    const i = nearestIndex(this.series.points, s, x);
    this.setHovered(i < 0 ? null : this.series.points.at(i)!);
  }

  private onKeyDown(event: KeyboardEvent): void {
    if (event.key === 'Escape') {
      if (this.hovered) event.preventDefault();
      this.setHovered(null);
      return;
    }
    const n = this.series.points.size;
    if (!n) return;
    let i = this.series.indexOf(this.hovered);
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
    this.setHovered(this.series.points.at(i)!);
  }

  /** "Context usage: 62.4 % (163,512 of 262,144 tokens) at 10:42:03, 120 points". */
  private summary(): string {
    const p = this.series.latest;
    if (!p) return `${this.label}: no data yet`;
    const max = this.series.maxContext;
    const n = this.series.points.size;
    return `${this.label}: ${p.percentage.toFixed(1)} % (${tokens.format(p.tokens)}${max ? ` of ${tokens.format(max)}` : ''} tokens) at ${clockTime(p.time)}, ${n} ${n === 1 ? 'point' : 'points'}`;
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
    const max = p ? (p.maxContext ?? this.series.maxContext) : null;
    return html`
      <div class="frame">
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
          ${p && s
            ? html`<time>${clockTime(p.time)}</time>
                <span>${tokens.format(p.tokens)}${max ? ` of ${tokens.format(max)}` : ''} tokens</span>
                <span>${p.percentage.toFixed(1)} %</span>
                <span class="source">${SOURCE_TEXT[p.source] ?? p.source}</span>`
            : nothing}
        </div>
      </div>
      <p id="summary" class="sr-only">${this.summary()}</p>
      <ul part="legend" class="legend">
        <li><span class="swatch line"></span>Context in use, % of the window${this.series.maxContext ? html`; tokens on the right (max ${tokens.format(this.series.maxContext)})` : nothing}</li>
        ${THRESHOLDS.map(
          (t) => html`<li><span class=${`swatch dashed ${t.level}`}></span>${t.percentage} % ${t.level}</li>`,
        )}
      </ul>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kimi-metric-chart': KimiMetricChart;
  }
}
