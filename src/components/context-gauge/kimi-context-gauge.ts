import { css, html, svg, nothing } from 'lit';
import { property } from 'lit/decorators.js';
import { defineElement } from '../../internal/define-element.js';
import { THRESHOLDS, sourceLabel, type UsageLevel, type UsageReading } from '../../protocol/usage-readings.js';
import { exportReadings, type ExportFormat } from '../../protocol/readings-export.js';
import { DashboardElement, dashboardStyles } from '../shared/dashboard-element.js';
import { formatNumber, formatPercent } from '../shared/locale.js';
import { ReadingSeries } from '../shared/reading-series.js';
import { themeTokens } from '../shared/theme.js';

const LEVEL_TEXT: ReadonlyMap<UsageLevel, string> = new Map([
  ['ok', 'OK'],
  ['caution', 'Caution'],
  ['warning', 'Warning'],
  ['critical', 'Critical'],
]);
/** Readings of requests already seen, so history and live count each once. */
const KEPT = 64;

/** Point on the gauge arc for a 0–100 value: a half circle from left (0) to right (100). */
function polar(percent: number, radius: number): [number, number] {
  const angle = Math.PI * (1 - Math.min(Math.max(percent, 0), 100) / 100);
  return [100 + radius * Math.cos(angle), 100 - radius * Math.sin(angle)];
}

function arc(from: number, to: number, radius: number): string {
  const [x1, y1] = polar(from, radius);
  const [x2, y2] = polar(to, radius);
  return `M ${x1.toFixed(2)} ${y1.toFixed(2)} A ${radius} ${radius} 0 0 1 ${x2.toFixed(2)} ${y2.toFixed(2)}`;
}

/**
 * The share of a context window in use, as a green → yellow → red gauge with the value, tokens of
 * the window, the 80 / 90 / 95 % thresholds and the source it reads. Shows the newest `kimi:metric`
 * reading of one source (`usage-source`, default `proxy`: the proxied requests, which the server's
 * alerts are computed on), each with its own window; history rows the provider never confirmed
 * (`estimated`) are left out. Dimmed, with the time, while the connection is not open.
 *
 * @tag kimi-context-gauge
 * @summary Gauge of the context window in use.
 *
 * @csspart gauge - The SVG gauge.
 * @csspart value - The percentage text.
 * @csspart tokens - The "tokens of max" line.
 * @csspart level - The level label (OK, Caution, Warning, Critical).
 * @csspart source - Which source the reading comes from.
 * @csspart notice - "Data as of …" while not connected; "Session … was deleted" / "not found".
 *
 * @cssprop [--kimi-gauge-size=180px] - Width of the gauge.
 * @cssprop [--kimi-gauge-track=var(--kimi-color-border)] - Colour of the empty track.
 * @cssprop [--kimi-gauge-ok=var(--kimi-color-ok)] - Fill below 80 %.
 * @cssprop [--kimi-gauge-caution=var(--kimi-color-caution)] - Fill from 80 %.
 * @cssprop [--kimi-gauge-warning=var(--kimi-color-warning)] - Fill from 90 %.
 * @cssprop [--kimi-gauge-critical=var(--kimi-color-critical)] - Fill from 95 %.
 */
export class KimiContextGauge extends DashboardElement {
  static override styles = [
    themeTokens,
    dashboardStyles,
    css`
      :host {
        display: inline-block;
        width: var(--kimi-gauge-size, 180px);
        background: var(--_surface);
        border-radius: var(--_radius);
        padding: 8px;
        box-sizing: content-box;
        --_track: var(--kimi-gauge-track, var(--_border));
      }
      :host([hidden]) {
        display: none;
      }
      .meter {
        display: grid;
        justify-items: center;
        text-align: center;
      }
      svg {
        width: 100%;
        height: auto;
        overflow: visible;
      }
      .track {
        fill: none;
        stroke: var(--_track);
        stroke-width: 14;
      }
      .band {
        fill: none;
        stroke-width: 4;
      }
      .fill {
        fill: none;
        stroke-width: 14;
        stroke-linecap: butt;
        transition: d 0.2s;
      }
      /* Colours come from classes, not style attributes: the element works under a CSP without 'unsafe-inline'. */
      .ok {
        stroke: var(--kimi-gauge-ok, var(--_ok));
      }
      .caution {
        stroke: var(--kimi-gauge-caution, var(--_caution));
      }
      .warning {
        stroke: var(--kimi-gauge-warning, var(--_warning));
      }
      .critical {
        stroke: var(--kimi-gauge-critical, var(--_critical));
      }
      .tick {
        stroke: var(--_text);
        stroke-width: 1.5;
      }
      .tick-label {
        fill: var(--_muted);
        font-size: 9px;
        font-family: var(--_font);
      }
      .value {
        font-size: 1.6em;
        font-weight: 650;
        font-variant-numeric: tabular-nums;
        margin-top: -1.4em;
      }
      .tokens,
      .source,
      .level {
        font-size: 0.85em;
        color: var(--_muted);
        font-variant-numeric: tabular-nums;
      }
      .level {
        font-weight: 600;
      }
      .level[data-level='caution'] {
        color: var(--kimi-gauge-caution, var(--_caution));
      }
      .level[data-level='warning'] {
        color: var(--kimi-gauge-warning, var(--_warning));
      }
      .level[data-level='critical'] {
        color: var(--kimi-gauge-critical, var(--_critical));
      }
      .level[data-level='ok'] {
        color: var(--kimi-gauge-ok, var(--_ok));
      }
      .level[data-level='none'] {
        font-weight: 400;
      }
    `,
  ];

  /** Registers `<kimi-context-gauge>`; warns instead of throwing when another copy already did. */
  static define(tag = 'kimi-context-gauge'): void {
    defineElement(tag, this);
  }

  /**
   * Which readings to show: `proxy` (default), `continue`, `kimi-cli`, a `log:<source>` name, or
   * `any` for the newest reading of whichever source.
   */
  @property({ attribute: 'usage-source' }) usageSource = 'proxy';

  private readonly series = new ReadingSeries(KEPT);

  protected readonly link = this.linkSource({
    'kimi:metric': (e) => {
      const reading = e.detail;
      if (reading.estimated || (this.usageSource !== 'any' && reading.source !== this.usageSource)) return;
      if (this.series.add(reading)) this.requestUpdate();
    },
  });

  protected override showsData(): boolean {
    return this.latest !== null;
  }

  /** The reading shown, or null before any. */
  get latest(): UsageReading | null {
    return this.series.last;
  }

  /** The window of the reading shown, in tokens, when known. */
  get maxContext(): number | null {
    return this.series.last?.window ?? null;
  }

  /**
   * The readings it holds (the last 64 of its source, oldest first) as CSV or JSON (columns: README,
   * "Export"); `importReadings()` reads them back.
   */
  exportData(format: ExportFormat = 'csv'): string {
    return exportReadings(this.series.toArray(), format);
  }

  protected clear(): void {
    this.series.clear();
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    super.willUpdate(changed);
    // Another source chosen: refill from what the <kimi-realtime> kept.
    if (changed.has('usageSource') && changed.get('usageSource') !== undefined) {
      this.series.clear();
      for (const reading of this.kimiSource?.readings ?? []) {
        if (!reading.estimated && (this.usageSource === 'any' || reading.source === this.usageSource)) this.series.add(reading);
      }
    }
  }

  protected override render() {
    const point = this.latest;
    const locale = this.locale;
    const percentage = point?.percentage ?? 0;
    const level = point ? point.level : 'none';
    const levelText = point ? (LEVEL_TEXT.get(point.level) ?? '') : this.dataStatus === 'not-found' ? 'No data' : 'Waiting for data';
    const window = point?.window ?? null;
    const tokens = point ? `${formatNumber(point.tokens, locale)} / ${window ? formatNumber(window, locale) : '?'} tokens` : '– / ? tokens';
    const source = point ? sourceLabel(point.source) : sourceLabel(this.usageSource === 'any' ? 'proxy' : this.usageSource);
    const valueText = point
      ? `${formatPercent(percentage, locale)} of the context window (${source})${window ? `, ${formatNumber(point.tokens, locale)} of ${formatNumber(window, locale)} tokens` : ''}, ${levelText}${this.dataStatus === 'live' ? '' : `; ${this.noticeText()}`}`
      : levelText;
    return html`
      <div
        class="meter data"
        role="meter"
        aria-label="Context in use"
        aria-valuemin="0"
        aria-valuemax="100"
        aria-valuenow=${point ? Math.min(percentage, 100).toFixed(1) : nothing}
        aria-valuetext=${valueText}
      >
        <svg part="gauge" viewBox="0 -6 200 112" aria-hidden="true">
          <path class="track" d=${arc(0, 100, 80)}></path>
          <path class="band ok" d=${arc(0, 80, 94)}></path>
          <path class="band caution" d=${arc(80, 90, 94)}></path>
          <path class="band warning" d=${arc(90, 95, 94)}></path>
          <path class="band critical" d=${arc(95, 100, 94)}></path>
          ${point && percentage > 0 ? svg`<path class=${`fill ${point.level}`} d=${arc(0, Math.min(percentage, 100), 80)}></path>` : nothing}
          ${THRESHOLDS.map(({ percentage: t }) => {
            const [x1, y1] = polar(t, 70);
            const [x2, y2] = polar(t, 98);
            const [lx, ly] = polar(t, 106);
            return svg`<line class="tick" x1=${x1} y1=${y1} x2=${x2} y2=${y2}></line>
              <text class="tick-label" x=${lx} y=${ly} text-anchor="middle">${t}</text>`;
          })}
        </svg>
        <div class="value" part="value">${point ? formatPercent(percentage, locale) : '–'}</div>
        <div class="tokens" part="tokens">${tokens}</div>
        <div class="source" part="source">${source}</div>
        <div class="level" part="level" data-level=${level}>${levelText}</div>
      </div>
      ${this.renderNotice()}
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kimi-context-gauge': KimiContextGauge;
  }
}
