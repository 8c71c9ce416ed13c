import { css, html, svg, nothing } from 'lit';
import { defineElement } from '../../internal/define-element.js';
import type { KimiSource } from '../../internal/source-context.js';
import { THRESHOLDS, levelOf, type UsagePoint } from '../../protocol/context-usage.js';
import { UsageSeries, usageHandlers } from '../shared/usage-series.js';
import { FrameBatchedElement } from '../shared/frame-batched-element.js';
import type { KimiEventHandlers } from '../shared/source-controller.js';
import { themeTokens } from '../shared/theme.js';

const LEVEL_TEXT = { ok: 'OK', caution: 'Caution', warning: 'Warning', critical: 'Critical' } as const;
const number = new Intl.NumberFormat();

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
 * The share of the context window a session uses, as a green → yellow → red gauge with the value,
 * the max context and the 80 / 90 / 95 % thresholds. Reads `init`, `metric_updated`, `log_metric`
 * and legacy `metric` from its `<kimi-realtime>`.
 *
 * @tag kimi-context-gauge
 * @summary Gauge of the context window in use.
 *
 * @csspart gauge - The SVG gauge.
 * @csspart value - The percentage text.
 * @csspart tokens - The "tokens of max" line.
 * @csspart level - The level label (OK, Caution, Warning, Critical).
 *
 * @cssprop [--kimi-gauge-size=180px] - Width of the gauge.
 * @cssprop [--kimi-gauge-track=var(--kimi-color-border)] - Colour of the empty track.
 * @cssprop [--kimi-gauge-ok=var(--kimi-color-ok)] - Fill below 80 %.
 * @cssprop [--kimi-gauge-caution=var(--kimi-color-caution)] - Fill from 80 %.
 * @cssprop [--kimi-gauge-warning=var(--kimi-color-warning)] - Fill from 90 %.
 * @cssprop [--kimi-gauge-critical=var(--kimi-color-critical)] - Fill from 95 %.
 */
export class KimiContextGauge extends FrameBatchedElement {
  static override styles = [
    themeTokens,
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
    `,
  ];

  /** Registers `<kimi-context-gauge>`; warns instead of throwing when another copy already did. */
  static define(tag = 'kimi-context-gauge'): void {
    defineElement(tag, this);
  }

  /** The gauge shows the newest reading; two are kept because a series needs at least two. */
  private readonly series = new UsageSeries(2);

  /** Latest reading, or null before any. */
  get latest(): UsagePoint | null {
    return this.series.latest;
  }

  /** The context window in tokens, when known. */
  get maxContext(): number | null {
    return this.series.maxContext;
  }

  protected kimiHandlers(): KimiEventHandlers {
    return usageHandlers(() => this.series, () => this.requestUpdate());
  }

  protected override sourceChanged(value: KimiSource | null, previous: KimiSource | null): void {
    if (value?.sessionId !== previous?.sessionId) this.series.clear();
    super.sourceChanged(value, previous);
  }

  protected override render() {
    const point = this.latest;
    const percentage = point?.percentage ?? 0;
    const level = levelOf(percentage);
    const valueText = point
      ? `${percentage.toFixed(1)} % of the context window${this.maxContext ? `, ${number.format(point.tokens)} of ${number.format(this.maxContext)} tokens` : ''}, ${LEVEL_TEXT[level]}`
      : 'No data yet';
    return html`
      <div
        class="meter"
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
          ${point && percentage > 0 ? svg`<path class=${`fill ${level}`} d=${arc(0, Math.min(percentage, 100), 80)}></path>` : nothing}
          ${THRESHOLDS.map(({ percentage: t }) => {
            const [x1, y1] = polar(t, 70);
            const [x2, y2] = polar(t, 98);
            const [lx, ly] = polar(t, 106);
            return svg`<line class="tick" x1=${x1} y1=${y1} x2=${x2} y2=${y2}></line>
              <text class="tick-label" x=${lx} y=${ly} text-anchor="middle">${t}</text>`;
          })}
        </svg>
        <div class="value" part="value">${point ? `${percentage.toFixed(1)} %` : '–'}</div>
        <div class="tokens" part="tokens">
          ${point ? number.format(point.tokens) : '–'} / ${this.maxContext ? number.format(this.maxContext) : '?'} tokens
        </div>
        <div class="level" part="level" data-level=${level}>${point ? LEVEL_TEXT[level] : 'Waiting for data'}</div>
      </div>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kimi-context-gauge': KimiContextGauge;
  }
}
