import { html, nothing, svg } from 'lit';
import { property } from 'lit/decorators.js';
import type { KimiStatusDetail } from '../../events/kimi-status-event.js';
import { defineElement } from '../../internal/define-element.js';
import type { KimiRealtime, KimiRealtimeStats } from '../realtime/kimi-realtime.js';
import { DashboardElement } from '../shared/dashboard-element.js';
import { themeTokens } from '../shared/theme.js';
import { formatClock, langOf } from '../shared/locale.js';
import { capText } from '../../protocol/text.js';
import { connectionStatusStyles } from './connection-status.styles.js';
import { STATE_TEXT, bytesText, countdownText, sameStats, secondsToRetry, sparkline } from './status-text.js';
import type { KimiConnectionMetrics } from '../../connection/connection-metrics.js';

/** Stats change with every message; reading them once a second keeps the element off the hot path. */
const STATS_POLL_MS = 1000;
const count = new Intl.NumberFormat();

/** Size of the rate chart's drawing, in its own units (it scales with the element). */
const CHART = { width: 120, height: 28 };

/**
 * The connection of a `<kimi-realtime>` at a glance: its state as a badge (colour, shape and words),
 * a countdown to the next retry, its counters and its connection metrics (which tab holds the socket,
 * handshake, rates with a chart of frames per second over the last 30 s, uptime, round trip,
 * compression, the last drops). State comes from `kimi:status`; the counters and metrics are read
 * from `stats` once a second while attached, never per message.
 *
 * @tag kimi-connection-status
 * @summary Connection state, retry countdown and counters of a `<kimi-realtime>`.
 *
 * @csspart badge - The state badge (`data-state` = connecting, open, reconnecting, offline, closed or none).
 * @csspart countdown - "retry 2 in 4 s" while a retry is scheduled.
 * @csspart notice - Why the server gives no live stream, when known (Kimi Proxy 2.x: run `kimi-tap`).
 * @csspart stats - The `<dl>` of counters (absent when `compact`).
 * @csspart rate - The chart of frames per second over the last 30 s (an `<svg>`, while connected).
 *
 * @cssprop [--kimi-connection-status-open=var(--kimi-color-ok)] - Badge when connected.
 * @cssprop [--kimi-connection-status-connecting=var(--kimi-color-accent)] - Badge while connecting.
 * @cssprop [--kimi-connection-status-reconnecting=var(--kimi-color-warning)] - Badge while waiting to retry.
 * @cssprop [--kimi-connection-status-offline=var(--kimi-color-critical)] - Badge when the browser is offline.
 * @cssprop [--kimi-connection-status-closed=var(--kimi-color-muted)] - Badge when closed or without a source.
 * @cssprop [--kimi-connection-status-rate=var(--kimi-color-accent)] - Line of the rate chart.
 *
 * @cssState connecting - The source's first connection attempt is under way.
 * @cssState open - The source is connected.
 * @cssState reconnecting - The source lost its connection and is retrying.
 * @cssState offline - The browser is offline.
 * @cssState closed - The source is not connected and not retrying.
 */
export class KimiConnectionStatus extends DashboardElement {
  static override styles = [themeTokens, connectionStatusStyles];

  /** Registers `<kimi-connection-status>`; warns instead of throwing when another copy already did. */
  static define(tag = 'kimi-connection-status'): void {
    defineElement(tag, this);
  }

  /** Show only the badge (no countdown, no counters, no polling). Reflected: page CSS can size on it. */
  @property({ type: Boolean, reflect: true }) compact = false;

  /** The latest `kimi:status`, or what could be read from the source when attaching. */
  private status: KimiStatusDetail | null = null;
  private stats: KimiRealtimeStats | null = null;
  private statsTimer: ReturnType<typeof setInterval> | undefined;
  private countdownTimer: ReturnType<typeof setTimeout> | undefined;

  protected readonly link = this.linkSource({
    'kimi:status': (e) => {
      this.status = e.detail;
      this.readStats();
      this.requestUpdate();
    },
  });

  /** Nothing to forget: state and counters are read from the source itself. */
  protected clear(): void {}

  protected override sourceAttached(source: KimiRealtime | null): void {
    // A new source has sent its `kimi:status` already: start from what it exposes now. Losing the
    // source shows "No source".
    const stats = source?.stats ?? null;
    this.status = source
      ? { state: source.state, attempt: 0, nextRetryAt: null, closeCode: stats?.lastCloseCode ?? null, closeReason: stats?.lastCloseReason ?? '' }
      : null;
    this.stats = stats;
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopTimers();
  }

  private readStats(): void {
    const stats = this.kimiSource?.stats ?? null;
    if (sameStats(stats, this.stats)) return;
    this.stats = stats;
    this.requestUpdate();
  }

  protected override render() {
    const state = this.status?.state;
    const label = state ? STATE_TEXT[state] : 'No source';
    const countdown = this.compact ? '' : countdownText(this.status);
    return html`
      <div class="head">
        <span part="badge" role="status" data-state=${state ?? 'none'}>
          <span class="dot" aria-hidden="true"></span>
          <span><span class="sr-only">Connection: </span>${label}</span>
        </span>
        ${countdown ? html`<span part="countdown">${countdown}</span>` : nothing}
      </div>
      ${this.status?.notice ? html`<p class="notice" part="notice" role="status">${capText(this.status.notice, 300)}</p>` : nothing}
      ${this.compact ? nothing : this.renderStats()}
    `;
  }

  private renderStats() {
    const s = this.stats;
    const n = (value: number | undefined) => (value === undefined ? '—' : count.format(value));
    // The reason is the server's text (a close frame allows 123 bytes, but a page can pass anything here).
    const reason = capText(s?.lastCloseReason, 120);
    const close = s?.lastCloseCode != null ? `${s.lastCloseCode}${reason ? ` ${reason}` : ''}` : '—';
    const since = s?.connectedSince ?? null;
    return html`
      <dl part="stats">
        <dt>Received</dt>
        <dd>${n(s?.framesReceived)}</dd>
        <dt>Delivered</dt>
        <dd>${n(s?.delivered)}</dd>
        <dt>Filtered</dt>
        <dd>${n(s?.filtered)}</dd>
        <dt>Malformed</dt>
        <dd>${n(s?.malformed)}</dd>
        <dt>Reconnects</dt>
        <dd>${n(s?.reconnects)}</dd>
        <dt>Queued</dt>
        <dd>${n(s?.queueDepth)}</dd>
        <dt>Last close</dt>
        <dd>${close}</dd>
        <dt>Connected since</dt>
        <dd>${since === null ? '—' : html`<time datetime=${new Date(since).toISOString()}>${formatSince(since, langOf(this))}</time>`}</dd>
        ${s?.connection ? this.renderMetrics(s.connection) : nothing}
      </dl>
    `;
  }

  private renderMetrics(m: KimiConnectionMetrics) {
    const ms = (value: number | null) => (value === null ? '—' : `${count.format(value)} ms`);
    const rates = m.frameRates;
    const now = rates.at(-1) ?? 0;
    const label = `Frames per second over the last ${rates.length} s: now ${count.format(now)}, peak ${count.format(Math.max(0, ...rates))}`;
    const drops = m.reconnects.slice(-3).reverse();
    const locale = langOf(this);
    return html`
      <dt>Held by</dt>
      <dd>${m.heldBy === 'this-tab' ? 'this tab' : 'another tab'}${m.sharedBy > 1 ? `, shared by ${m.sharedBy} elements` : ''}</dd>
      <dt>Rate</dt>
      <dd>
        ${count.format(m.framesPerSecond)} frames/s, ${bytesText(m.bytesPerSecond)}/s
        ${
          rates.length >= 2
            ? html`<svg part="rate" viewBox="0 0 ${CHART.width} ${CHART.height}" preserveAspectRatio="none" role="img" aria-label=${label}>
                ${svg`<polyline class="rate-line" points=${sparkline(rates, CHART.width, CHART.height)}></polyline>`}
              </svg>`
            : nothing
        }
      </dd>
      <dt>Bytes in</dt>
      <dd>${bytesText(m.bytes)}</dd>
      <dt>Handshake</dt>
      <dd>${ms(m.handshakeMs)}</dd>
      <dt>First frame</dt>
      <dd>${ms(m.firstFrameMs)}</dd>
      <dt>Uptime</dt>
      <dd>${(m.uptimeRatio * 100).toFixed(1)} %</dd>
      <dt>Round trip</dt>
      <dd>${ms(m.rttMs)}</dd>
      <dt>Compression</dt>
      <dd>${capText(m.extensions, 120) || 'none'}</dd>
      ${
        m.protocol
          ? html`<dt>Subprotocol</dt>
              <dd>${capText(m.protocol, 120)}</dd>`
          : nothing
      }
      <dt>Last drops</dt>
      <dd>
        ${
          drops.length === 0
            ? '—'
            : html`<ul class="drops">
                ${drops.map((d) => html`<li><time datetime=${new Date(d.at).toISOString()}>${formatSince(d.at, locale)}</time> ${d.code}${d.reason ? ` ${capText(d.reason, 60)}` : ''}, ${d.downtimeMs === null ? 'still down' : `down ${(d.downtimeMs / 1000).toFixed(1)} s`}</li>`)}
              </ul>`
        }
      </dd>
    `;
  }

  protected override updated(): void {
    const states = this.customStates;
    if (states) {
      // CustomStateSet has no bulk replace; states are few.
      for (const s of Object.keys(STATE_TEXT)) if (s !== this.status?.state) states.delete(s);
      if (this.status) states.add(this.status.state);
    }
    this.syncTimers();
  }

  /** Timers run only while attached to a source, and the countdown only while a retry is pending. */
  private syncTimers(): void {
    const attached = this.isConnected && this.kimiSource !== null;
    if (attached && !this.compact) this.statsTimer ??= setInterval(() => this.readStats(), STATS_POLL_MS);
    else if (this.statsTimer !== undefined) {
      clearInterval(this.statsTimer);
      this.statsTimer = undefined;
    }
    const seconds = attached && !this.compact ? secondsToRetry(this.status) : null;
    if (seconds !== null && seconds > 0) this.scheduleTick();
    else this.stopCountdown();
  }

  /** Wakes when the shown number of seconds changes, not on an unaligned 1 s beat that would lag. */
  private scheduleTick(): void {
    if (this.countdownTimer !== undefined) return;
    const remaining = (this.status?.nextRetryAt ?? 0) - Date.now();
    const delay = (remaining % 1000 || 1000) + 5;
    this.countdownTimer = setTimeout(() => {
      this.countdownTimer = undefined;
      this.requestUpdate();
    }, delay);
  }

  private stopCountdown(): void {
    if (this.countdownTimer === undefined) return;
    clearTimeout(this.countdownTimer);
    this.countdownTimer = undefined;
  }

  private stopTimers(): void {
    this.stopCountdown();
    if (this.statsTimer !== undefined) clearInterval(this.statsTimer);
    this.statsTimer = undefined;
  }
}

/** The time alone today, with the date otherwise: the same format as every other element's times. */
function formatSince(time: number, locale: string | undefined): string {
  return formatClock(time, locale, new Date(time).toDateString() !== new Date().toDateString());
}

declare global {
  interface HTMLElementTagNameMap {
    'kimi-connection-status': KimiConnectionStatus;
  }
}
