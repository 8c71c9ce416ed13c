import { LitElement, css, html, nothing } from 'lit';
import { property } from 'lit/decorators.js';
import type { KimiEventMap } from '../../events/event-map.js';
import { KimiHydrateEvent } from '../../events/kimi-hydrate-event.js';
import { KimiMetricEvent } from '../../events/kimi-metric-event.js';
import type { ConnectionState } from '../../events/kimi-status-event.js';
import type { KimiSource } from '../../internal/source-context.js';
import type { KimiMessage } from '../../protocol/messages.js';
import { belongsTo, sessionRefOf } from '../../protocol/session-filter.js';
import { formatClock, langOf } from './locale.js';
import { SourceController, type KimiEventHandlers } from './source-controller.js';

/** What the shown data is worth right now. */
export type DataStatus = 'live' | 'stale' | 'deleted' | 'not-found';

/** Dimming and the notice line, shared by every dashboard element. */
export const dashboardStyles = css`
  /* Stale graphics lose their colour; text keeps its contrast and the notice says why. */
  :host(:state(stale)) .data :is(canvas, .fill, .band),
  :host(:state(deleted)) .data :is(canvas, .fill, .band) {
    filter: grayscale(1);
    opacity: 0.6;
  }
  .notice {
    margin: 4px 0 0;
    font-size: 0.8rem;
    color: var(--_muted);
    text-align: center;
  }
`;

type Handler = (event: Event) => void;

/**
 * Key of each dashboard element's render counter, read by the tests and the benchmark to check "at
 * most one render per frame". A registered symbol so the script-tag bundles share it; not public API.
 */
export const RENDERS: unique symbol = Symbol.for('kimi-realtime.renders');

/**
 * Base of the dashboard elements. Finds its `<kimi-realtime>` (ancestor or `source="id"`), and holds
 * the rules every element shares, in one place:
 * - a different source or session clears the element (`clear()`), which then refills from what the
 *   source kept (its hydration and recent readings); losing the source, as when the element moves,
 *   keeps everything; coming back to the same source and session changes nothing;
 * - the data comes already filtered, from the source's `SessionStream` (through the context): the
 *   session rule is the stream's, not re-decided here (a listener that switches sessions while a frame
 *   is being handed out stops it before the elements after it);
 * - while the connection is not open the data is stale: dimmed, with the time it was last live; a
 *   session deleted on the server, or unknown to it, says so;
 * - renders happen at most once per animation frame, however many events arrived.
 */
export abstract class DashboardElement extends LitElement {
  /** Id of the `<kimi-realtime>` to use when it is not an ancestor. */
  @property() source = '';

  /** @internal Renders so far (see RENDERS). */
  [RENDERS] = 0;

  /** `live`, `stale` (not connected: data as of `asOf`), `deleted` or `not-found`. */
  protected dataStatus: DataStatus = 'live';
  /** Epoch ms the data was last known current (when the connection left `open`); null while live. */
  protected asOf: number | null = null;
  /** The element's custom states (`:state(stale)`…); subclasses may add their own names. */
  protected readonly customStates: CustomStateSet | undefined = this.attachInternals().states;
  private held: KimiSource | null = null;
  private linked: SourceController | null = null;
  private handlers: Record<string, Handler> = {};

  /**
   * Connects the element to its source with its own handlers: called once, from a field
   * initializer of the concrete element (after the fields its handlers use). Each handler only
   * sees events of the shown session.
   */
  protected linkSource(handlers: KimiEventHandlers): SourceController {
    const own = handlers as Record<string, Handler | undefined>;
    const base: Record<string, Handler> = {
      'kimi:status': (e) => this.statusChanged((e as KimiEventMap['kimi:status']).detail.state),
      'kimi:hydrate': (e) => this.sessionHydrated((e as KimiEventMap['kimi:hydrate']).detail.found),
      'kimi:sessions_bulk_deleted': (e) => this.sessionsDeleted((e as KimiEventMap['kimi:sessions_bulk_deleted']).detail),
    };
    const guarded: Record<string, Handler> = {};
    for (const name of new Set([...Object.keys(base), ...Object.keys(own)])) {
      const mine = base[name];
      const theirs = own[name];
      const data = name !== 'kimi:status';
      guarded[name] = (event) => {
        // Data while stale (kept by the source, or a late answer): the notice can now say as of when.
        if (data && this.dataStatus === 'stale' && this.asOf === null) this.asOf = Date.now();
        mine?.(event);
        theirs?.(event);
      };
    }
    this.handlers = guarded;
    this.linked = new SourceController(this, guarded as KimiEventHandlers, (value) => this.sourceChanged(value));
    return this.linked;
  }

  /** Forgets what is shown: another source or session is coming. */
  protected abstract clear(): void;

  /** The `<kimi-realtime>` in use, or null. */
  protected get kimiSource(): KimiSource['source'] | null {
    return this.linked?.value?.source ?? null;
  }

  /** The session shown, or null while following and none is known. */
  protected get sessionId(): string | null {
    return this.linked?.value?.sessionId ?? null;
  }

  /** The page's language for numbers and times. */
  protected get locale(): string | undefined {
    return langOf(this);
  }

  /** "Data as of 10:42:03 — reconnecting", "Session 3 was deleted", …; nothing while live. */
  protected renderNotice() {
    const text = this.noticeText();
    return text ? html`<p class="notice" part="notice" role="status">${text}</p>` : nothing;
  }

  protected noticeText(): string {
    switch (this.dataStatus) {
      case 'deleted':
        return `Session ${this.sessionId ?? ''} was deleted on the server`;
      case 'not-found':
        return `Session ${this.sessionId ?? ''} not found on the server`;
      case 'stale':
        return this.asOf === null ? 'Not connected' : `Data as of ${formatClock(this.asOf, this.locale, Date.now() - this.asOf > 86_400_000)}, not connected`;
      default:
        return '';
    }
  }

  /** Whether the element shows data of the session now (a reading, a point, an alert): then it is "as of" a time. */
  protected showsData(): boolean {
    return false;
  }

  /** The element attached to a source, or lost it (null). Runs before the refill. */
  protected sourceAttached(_source: KimiSource['source'] | null): void {}

  private sourceChanged(value: KimiSource | null): void {
    if (value?.source !== this.held?.source || !value) this.sourceAttached(value?.source ?? null);
    if (!value) {
      // Moving, or removed: keep what is shown until another source or session says otherwise.
      this.requestUpdate();
      return;
    }
    const same = this.held && this.held.source === value.source && this.held.sessionId === value.sessionId;
    this.held = value;
    if (same) return;
    this.clear();
    this.setStatus('live');
    this.asOf = null;
    // Refilled first: whether the data is stale "as of" a time depends on whether there is any.
    this.refill(value.source);
    this.statusChanged(value.source.state);
    this.requestUpdate();
  }

  /** Fills from what the source kept, through the element's own handlers, as if the events came now. */
  private refill(source: KimiSource['source']): void {
    const handlers = this.handlers;
    const hydration = source.hydration;
    if (hydration && hydration.sessionId === this.sessionId) handlers['kimi:hydrate']?.(new KimiHydrateEvent(hydration));
    const metric = handlers['kimi:metric'];
    if (metric) for (const reading of source.readings) metric(new KimiMetricEvent(reading));
  }

  private statusChanged(state: ConnectionState): void {
    if (this.dataStatus === 'deleted' || this.dataStatus === 'not-found') return;
    if (state === 'open') {
      this.asOf = null;
      this.setStatus('live');
    } else if (this.dataStatus === 'live') {
      // Nothing shown or kept: "Not connected", never "Data as of …" about data that does not exist.
      const source = this.kimiSource;
      const any = this.showsData() || source?.hydration != null || (source?.readings.length ?? 0) > 0;
      this.asOf = any ? (this.asOf ?? Date.now()) : null;
      this.setStatus('stale');
    }
  }

  private sessionHydrated(found: boolean): void {
    if (!found) this.setStatus('not-found');
    else if (this.dataStatus === 'not-found') this.setStatus('live');
  }

  private sessionsDeleted(message: KimiMessage): void {
    // The same canonical ids as the filter: a deletion naming "03" deletes session 3.
    const ids = sessionRefOf(message);
    if (this.sessionId !== null && ids !== null && typeof ids !== 'string' && belongsTo(message, this.sessionId)) this.setStatus('deleted');
  }

  private setStatus(status: DataStatus): void {
    if (status === this.dataStatus && this.customStates?.has(status) !== false) {
      this.requestUpdate();
      return;
    }
    const states = this.customStates;
    if (states) {
      for (const s of ['live', 'stale', 'deleted', 'not-found']) states.delete(s);
      states.add(status);
    }
    this.dataStatus = status;
    this.requestUpdate();
  }

  protected override async scheduleUpdate(): Promise<void> {
    // Wait for the next frame: every event of this frame is folded into one render.
    await new Promise((resolve) => requestAnimationFrame(resolve));
    super.scheduleUpdate();
  }

  protected override update(changed: Map<PropertyKey, unknown>): void {
    this[RENDERS]++;
    super.update(changed);
  }

  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('source') && changed.get('source') !== undefined) this.linked?.refresh();
  }
}
