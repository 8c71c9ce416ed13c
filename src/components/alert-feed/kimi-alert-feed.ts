import { html, nothing } from 'lit';
import { property } from 'lit/decorators.js';
import { defineElement } from '../../internal/define-element.js';
import { MAX_TIMER_MS } from '../../internal/options.js';
import { numberOption } from '../shared/option-checks.js';
import type { KimiMessage } from '../../protocol/messages.js';
import type { UsageReading } from '../../protocol/usage-readings.js';
import { DashboardElement, dashboardStyles } from '../shared/dashboard-element.js';
import { themeTokens } from '../shared/theme.js';
import { alertFeedStyles } from './alert-feed.styles.js';
import {
  READING_ALERT_TYPES,
  AlertList,
  type AlertCandidate,
  DEFAULT_COLLAPSE_WINDOW,
  DEFAULT_MAX_ITEMS,
  alertFromMessage,
  levelText,
  type AlertItem,
  alertFromBudget,
} from './alert-model.js';
import { KimiAlertDismissEvent } from './kimi-alert-dismiss-event.js';
import { formatDateTime, langOf, relativeTime, relativeTimeChangesIn } from '../shared/locale.js';

/** Sessions whose alerts are kept for when they are shown again (each list at most `max-items`). */
const KEPT_SESSIONS = 8;

const spoken = (item: AlertItem): string => `${levelText(item.level)}: ${item.text}${item.count > 1 ? ` (${item.count} times)` : ''}`;

/**
 * What needs attention in a session, newest first: context thresholds (`metric_updated`, legacy
 * `metric`), streaming errors, provider context-limit errors, compactions and compressions, and
 * context warnings (`sanitizer_event` `context_warning`, legacy `context_performance_alert` and
 * `context_limit_violation`). Repeats are folded into one row with a count; each row can be
 * dismissed. New items are announced to screen readers, critical ones assertively.
 *
 * A `null` threshold alert means "below 80 % now" and does not clear earlier items (PROTOCOL.md §12.11).
 * Times are arrival times: `metric_updated` has none, and the server's carry no zone. Relative times
 * ("12 sec. ago") are redrawn when their text changes, so they are right to the second.
 *
 * The alerts of a session are kept when another session is shown and come back with it (for the
 * last eight sessions shown): the server keeps no alerts (errors, compactions and threshold crossings
 * exist only in the stream), so they cannot be reloaded. Alerts of a session sent while another
 * one was shown were not received and are not there.
 *
 * @tag kimi-alert-feed
 * @summary Feed of context alerts, errors, compactions and compressions.
 *
 * @slot empty - Shown when there is nothing to show. Default: "No alerts".
 *
 * @fires {KimiAlertDismissEvent} kimi:alert-dismiss - A person dismissed an item; it is already removed. `detail` is the item.
 *
 * @csspart list - The list of items.
 * @csspart item - One item (`data-level` = info, caution, warning, error or critical; `data-kind` = what it is about).
 * @csspart dismiss - The dismiss button of an item.
 * @csspart empty - The text shown when the feed is empty.
 *
 * @cssprop [--kimi-alert-feed-info=var(--kimi-color-accent)] - Compactions and compressions.
 * @cssprop [--kimi-alert-feed-caution=var(--kimi-color-caution)] - Context ≥ 80 %.
 * @cssprop [--kimi-alert-feed-warning=var(--kimi-color-warning)] - Context ≥ 90 %, context warnings.
 * @cssprop [--kimi-alert-feed-error=var(--kimi-color-critical)] - Streaming errors.
 * @cssprop [--kimi-alert-feed-critical=var(--kimi-color-critical)] - Context ≥ 95 %, provider context-limit errors.
 * @cssprop [--kimi-alert-feed-max-height=none] - Height after which the list scrolls.
 */
export class KimiAlertFeed extends DashboardElement {
  static override styles = [themeTokens, dashboardStyles, alertFeedStyles];

  /** Registers `<kimi-alert-feed>`; warns instead of throwing when another copy already did. */
  static define(tag = 'kimi-alert-feed'): void {
    defineElement(tag, this);
  }

  /** Most items kept; the oldest go first. Whole number, 1 – 10,000. Takes effect at once. */
  @property({ attribute: 'max-items' })
  @numberOption({ fallback: DEFAULT_MAX_ITEMS, min: 1, max: 10_000, integer: true })
  maxItems: number = DEFAULT_MAX_ITEMS;

  /** A repeat this many ms after its previous occurrence joins it even when other items came between; 0 folds only consecutive repeats. */
  @property({ attribute: 'collapse-window' })
  @numberOption({ fallback: DEFAULT_COLLAPSE_WINDOW, min: 0, max: MAX_TIMER_MS })
  collapseWindow: number = DEFAULT_COLLAPSE_WINDOW;

  /** Accessible name of the list. */
  @property() label = 'Alerts';

  private log = new AlertList(DEFAULT_MAX_ITEMS);
  /** The source and session whose alerts `log` holds; lists of other sessions shown before, by session. */
  private shownSource: unknown = null;
  private shownSession: string | null = null;
  private readonly kept = new Map<string | null, AlertList>();
  /** A reading came from the frame being dispatched: its threshold alert was taken from the reading. */
  private readingTaken = false;
  private pendingPolite: AlertItem | null = null;
  private pendingAssertive: AlertItem | null = null;
  private politeText = '';
  private assertiveText = '';
  private refreshTimer: ReturnType<typeof setTimeout> | undefined;
  /** Index to move focus to after a dismiss that had focus, so keyboard users stay in the list. */
  private focusIndex: number | null = null;

  protected override showsData(): boolean {
    return this.items.length > 0;
  }

  /** The items, newest first. Read-only: use `dismiss()` and `clear()`. */
  get items(): readonly AlertItem[] {
    // `max-items` takes effect at once, not at the next render.
    this.log.maxItems = this.maxItems;
    return this.log.items;
  }

  /** Removes an item without firing `kimi:alert-dismiss` (the page did it, not a person). */
  dismiss(id: number): void {
    if (this.log.remove(id)) this.requestUpdate();
  }

  /** Removes every item. */
  clear(): void {
    const source = this.kimiSource;
    const session = this.sessionId;
    if (source !== null && (source !== this.shownSource || session !== this.shownSession)) this.showSession(source, session);
    else this.log.clear();
    this.requestUpdate();
  }

  /** Another session (or source) is shown: keep the alerts of the one shown so far, bring back its own. */
  private showSession(source: unknown, session: string | null): void {
    if (source !== this.shownSource) this.kept.clear();
    else if (this.log.items.length) {
      this.kept.delete(this.shownSession);
      this.kept.set(this.shownSession, this.log);
      if (this.kept.size > KEPT_SESSIONS) this.kept.delete(this.kept.keys().next().value!);
    }
    this.shownSource = source;
    this.shownSession = session;
    this.log = this.kept.get(session) ?? new AlertList(this.maxItems, this.collapseWindow);
    this.kept.delete(session);
  }

  private readonly onFrame = (e: { detail: KimiMessage }): void => this.addFromFrame(e.detail);

  protected readonly link = this.linkSource({
    'kimi:streaming_error': this.onFrame,
    'kimi:provider_context_limit_error': this.onFrame,
    'kimi:compaction_event': this.onFrame,
    'kimi:compression_event': this.onFrame,
    'kimi:sanitizer_event': this.onFrame,
    'kimi:context_performance_alert': this.onFrame,
    'kimi:context_limit_violation': this.onFrame,
    // Threshold alerts come with their reading: the level is the reading's, the one the gauge shows.
    'kimi:metric': (e) => this.takeReading(e.detail),
    // Dispatched after the frame's reading, if any: a frame whose figures made no reading (out of
    // range, contradicting each other) still alerts, with the server's level.
    'kimi:message': (e) => {
      const message = e.detail;
      if (READING_ALERT_TYPES.has(message.type) && !this.readingTaken) this.addFromFrame(message);
      this.readingTaken = false;
    },
    // A <kimi-cost-meter> of this source crossed a budget level.
    'kimi:budget': (e) => this.add(alertFromBudget(e.detail), { type: 'budget', ...e.detail }, Date.now()),
  });

  private takeReading(reading: UsageReading): void {
    if (reading.origin !== 'live' || !READING_ALERT_TYPES.has(reading.frame)) return;
    // Until the frame's kimi:message (same task); a reading replayed to a late element has none.
    if (!this.readingTaken) queueMicrotask(() => (this.readingTaken = false));
    this.readingTaken = true;
    const candidate = alertFromMessage(reading.message as KimiMessage);
    if (!candidate) return;
    // The server's text names the threshold; the level follows the figures shown everywhere else.
    // Feed times are arrival times: `metric_updated` readings are stamped on arrival (and keep that
    // stamp when replayed to a late element); a legacy `metric` carries the server's own time.
    const time = reading.frame === 'metric_updated' ? reading.time : Date.now();
    this.add({ ...candidate, level: reading.level === 'ok' ? 'caution' : reading.level }, reading.message as KimiMessage, time);
  }

  private addFromFrame(message: KimiMessage): void {
    const candidate = alertFromMessage(message);
    if (candidate) this.add(candidate, message, Date.now());
  }

  private add(candidate: AlertCandidate, message: KimiMessage, time: number): void {
    this.log.collapseWindow = this.collapseWindow;
    this.log.maxItems = this.maxItems;
    const item = this.log.add(candidate, message, time);
    if (item.level === 'critical') this.pendingAssertive = item;
    else this.pendingPolite = item;
    this.requestUpdate();
  }

  private onDismiss(item: AlertItem, index: number): void {
    const hadFocus = this.shadowRoot?.activeElement != null;
    const removed = this.log.remove(item.id);
    if (!removed) return;
    if (hadFocus) this.focusIndex = index;
    this.requestUpdate();
    // Built apart from dispatchEvent() so the manifest analyzer takes the name from @fires, not the argument.
    const event = new KimiAlertDismissEvent(removed);
    this.dispatchEvent(event);
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.stopRefresh();
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    super.willUpdate(changed);
    this.log.maxItems = this.maxItems;
    // Only the newest item of the frame is announced; a repeat of the same words gets a trailing
    // no-break space so the live region changes and it is read again.
    if (this.pendingAssertive) this.assertiveText = announce(spoken(this.pendingAssertive), this.assertiveText);
    if (this.pendingPolite) this.politeText = announce(spoken(this.pendingPolite), this.politeText);
    this.pendingAssertive = this.pendingPolite = null;
  }

  protected override render() {
    const items = this.log.items;
    const now = Date.now();
    const locale = langOf(this);
    return html`
      ${
        items.length
          ? html`<ul part="list" class="data" aria-label=${this.label}>
              ${items.map((item, index) => this.renderItem(item, index, now, locale))}
            </ul>`
          : html`<p part="empty" tabindex="-1"><slot name="empty">${this.dataStatus === 'not-found' ? 'No alerts: session not found' : 'No alerts'}</slot></p>`
      }
      ${this.renderNotice()}
      <div class="sr-only" role="status" aria-live="polite" aria-atomic="true">${this.politeText}</div>
      <div class="sr-only" role="alert" aria-live="assertive" aria-atomic="true">${this.assertiveText}</div>
    `;
  }

  /**
   * One row. Rows are matched by position, not by key: Lit 3.3's `repeat()` leaves a marker comment
   * behind for every removed item (lit/lit#5298), which grows a busy feed without bound. A row that
   * cannot be drawn is replaced by a notice instead of stopping the whole list from rendering.
   */
  private renderItem(item: AlertItem, index: number, now: number, locale: string | undefined) {
    try {
      const level = levelText(item.level);
      return html`
        <li part="item" class="item" data-level=${item.level} data-kind=${item.kind}>
          <span class="level">${level}</span>
          <span class="main">
            <span class="text">${item.text}</span>
            ${item.detail ? html`<span class="detail">${item.detail}</span>` : nothing}
          </span>
          <span class="meta">
            ${
              item.count > 1
                ? html`<span class="count"><span aria-hidden="true">×${item.count}</span><span class="sr-only">${item.count} times</span></span>`
                : nothing
            }
            <time datetime=${new Date(item.lastAt).toISOString()} title=${formatDateTime(item.lastAt, locale)}>${relativeTime(item.lastAt, now, locale)}</time>
          </span>
          <button part="dismiss" type="button" aria-label=${`Dismiss ${level.toLowerCase()}: ${item.text}`} @click=${() => this.onDismiss(item, index)}>
            <span aria-hidden="true">×</span>
          </button>
        </li>
      `;
    } catch {
      return html`<li part="item" class="item" data-level="warning" data-kind="unreadable">
        <span class="level">Warning</span><span class="main">An alert could not be shown.</span>
      </li>`;
    }
  }

  protected override updated(): void {
    if (this.focusIndex !== null) {
      const buttons = this.renderRoot.querySelectorAll<HTMLElement>('[part="dismiss"]');
      const target = buttons[Math.min(this.focusIndex, buttons.length - 1)] ?? this.renderRoot.querySelector<HTMLElement>('[part="empty"]');
      target?.focus();
      this.focusIndex = null;
    }
    // The timer only runs while there is a time to refresh and someone can see it.
    this.stopRefresh();
    if (this.isConnected && this.log.items.length) this.startRefresh();
  }

  /** One timer, for the moment the first relative time shown changes its text ("now" → "5 sec. ago"). */
  private startRefresh(): void {
    const now = Date.now();
    let wait = Infinity;
    for (const item of this.log.items) wait = Math.min(wait, relativeTimeChangesIn(item.lastAt, now));
    this.refreshTimer = setTimeout(
      () => {
        this.refreshTimer = undefined;
        this.requestUpdate();
      },
      Math.min(wait, MAX_TIMER_MS),
    );
  }

  private stopRefresh(): void {
    if (this.refreshTimer === undefined) return;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = undefined;
  }
}

function announce(text: string, current: string): string {
  return text === current ? `${text}\u00a0` : text;
}

declare global {
  interface HTMLElementTagNameMap {
    'kimi-alert-feed': KimiAlertFeed;
  }
}
