import type { KimiErrorDetail } from '../events/kimi-error-event.js';
import { HydrationProblem, hydrationFrom, type KimiHydration } from '../protocol/hydration.js';
import { KNOWN_MESSAGE_TYPES, RESERVED_EVENT_TYPES } from '../protocol/known-types.js';
import type { InitMessage, KimiMessage, LogMetricMessage, MetricMessage, MetricUpdatedMessage } from '../protocol/messages.js';
import { FrameProblem, excerptOf } from '../protocol/parse-frame.js';
import { RELAY_HYDRATION_TYPE } from '../protocol/relay.js';
import { ServerClock } from '../protocol/server-clock.js';
import { SessionFilter, sessionIdOf } from '../protocol/session-filter.js';
import {
  UsageRefusal,
  readingFromLegacyMetric,
  readingFromLogMetric,
  readingFromMetricUpdated,
  readingsFromRows,
  type UsageReading,
} from '../protocol/usage-readings.js';
import { RingBuffer } from '../internal/ring-buffer.js';
import { compactMessage } from '../internal/compact.js';

/** Readings of the shown session kept for dashboard elements that attach later. */
const KEPT_READINGS = 1000;
/**
 * Frames larger than this (bytes) give readings whose `message` is a compact copy
 * (`compactMessage`): readings are kept here and by the dashboard elements, and a kept reading must
 * not keep megabytes of a frame alive. Real Kimi Proxy frames are far below it.
 */
export const MAX_KEPT_FRAME = 64 * 1024;
/** Reports of one kind are made once per key, up to this many distinct keys (the set stays bounded). */
const MAX_REPORTED = 64;

/**
 * What a `SessionStream` yields, in order, synchronously. `<kimi-realtime>` turns each call into its
 * public event; anything else (a test, a tool) may subscribe too.
 */
export interface SessionSink {
  /** A message of the shown session (or a global one) under its own type: `kimi:<type>`. */
  message?(message: KimiMessage): void;
  /** The same message once its readings were yielded: `kimi:message`. */
  delivered?(message: KimiMessage): void;
  /** A usage reading of the shown session: `kimi:metric`. */
  metric?(reading: UsageReading): void;
  /** The shown session's state loaded over HTTP (or through the relay): `kimi:hydrate`. */
  hydrated?(hydration: KimiHydration): void;
  /** A problem with the stream: `kimi:error`. */
  error?(detail: KimiErrorDetail): void;
  /** Another session is shown (pinned or followed); what was kept of the old one is gone. */
  shown?(sessionId: string | null): void;
}

/**
 * The one owner of "the session shown" by one `<kimi-realtime>`: which session it is (pinned, or the
 * server's active one), which frames belong to it (the filter), the counters, its usage readings (the
 * last 1,000, for elements that attach later), its hydration and the server's clock. DOM-free: frames
 * go in through `receive`, what belongs to the session comes out through the subscribed sinks.
 *
 * Every frame is counted exactly once in `delivered`, `filtered` or `malformed`, so
 * `received === delivered + filtered + malformed` always holds. Other sessions' frames cost one
 * comparison and allocate nothing.
 */
export class SessionStream {
  received = 0;
  /** Messages yielded (`message` and `delivered`). */
  delivered = 0;
  /** Messages dropped on purpose: other sessions' ones, and `pong` replies while pinging. */
  filtered = 0;
  /** Frames dropped as unreadable: not a JSON object with a string `type`, or a session reference that is not an id. */
  malformed = 0;
  /** Bytes received: text frames in UTF-8 (as on the wire, before any compression), binary ones as they are. */
  bytesIn = 0;
  /** The last `relay_seq` received (frames through a Kimi relay are numbered), or null. */
  relaySeq: number | null = null;
  /** Log every delivered message to the console (development only). */
  debug = false;
  readonly clock = new ServerClock();
  private readonly filter = new SessionFilter();
  private sinks: SessionSink[] = [];
  private shownId: string | null = null;
  private pinnedValue: unknown = null;
  /** Whether `pinnedValue` is an id (or empty): read per frame, so not tested again. */
  private pinnedValid = true;
  private hydrationValue: KimiHydration | null = null;
  private readonly kept = new RingBuffer<UsageReading>(KEPT_READINGS);
  /** Metric ids of the requests kept: a history row of a request already yielded is not yielded again. */
  private readonly requests = new Set<number>();
  /** The frame being read is large: its readings get a compact copy of it. */
  private compact = false;
  private readonly reported = new Set<string>();

  /** Adds a sink; returns the function that removes it. */
  subscribe(sink: SessionSink): () => void {
    this.sinks = [...this.sinks, sink];
    return () => {
      this.sinks = this.sinks.filter((s) => s !== sink);
    };
  }

  /** The session shown, canonical (`sessionIdOf`): the pinned one, or the server's active one; null while following and none is known. */
  get sessionId(): string | null {
    return this.shownId;
  }

  /** The pinned session, canonical, or null while following the server's active one. */
  get pinned(): string | null {
    return this.filter.following ? null : this.filter.current;
  }

  /** The session's state as last loaded over HTTP or through the relay, or null. */
  get hydration(): KimiHydration | null {
    return this.hydrationValue;
  }

  /** Recent readings of the shown session, oldest first. */
  get readings(): UsageReading[] {
    return this.kept.toArray();
  }

  /**
   * Pins the session shown (`null`, `""`: follow the server's active session). Called with the
   * element's property value before every frame: an unchanged value costs one comparison. Returns
   * false when the value is not an id (then the stream follows).
   */
  show(value: unknown): boolean {
    if (value === this.pinnedValue) return this.pinnedValid;
    this.pinnedValue = value;
    const id = sessionIdOf(value);
    this.pinnedValid = id !== false;
    this.filter.pin(id || null);
    this.shownMaybeChanged();
    return this.pinnedValid;
  }

  /**
   * The server said which session is active outside the stream (the answer of `GET
   * /api/sessions/active`, or another tab): followed like `session_activated`.
   */
  activated(sessionId: string | number): void {
    if (this.filter.observe({ type: 'session_activated', session_id: sessionId } as KimiMessage)) this.shownMaybeChanged();
  }

  /** Whether a message belongs to the session shown (global messages do). */
  accepts(message: KimiMessage): boolean {
    return this.filter.accepts(message);
  }

  /** A frame received for another element of the socket: counted, not read. */
  skip(bytes: number): void {
    this.received++;
    this.filtered++;
    this.bytesIn += bytes;
  }

  /** A frame parsed (once, for every element of its socket), with its size. */
  receive(parsed: KimiMessage | FrameProblem, bytes: number): void {
    this.received++;
    this.bytesIn += bytes;
    let message = parsed;
    if (message instanceof FrameProblem) {
      const { kind, excerpt, recovered } = message;
      this.error({ kind, message: message.message, excerpt, recovered: recovered !== null });
      if (recovered === null) {
        this.malformed++;
        return;
      }
      message = recovered;
    }
    // One property read per frame; the relay replays from this number after a reconnect.
    const seq = (message as { relay_seq?: unknown }).relay_seq;
    if (typeof seq === 'number') this.relaySeq = seq;
    const filter = this.filter;
    if (filter.observe(message)) this.shownMaybeChanged();
    const verdict = filter.classify(message);
    const type = message.type;
    if (verdict !== 'pass') {
      if (verdict === 'invalid') {
        this.malformed++;
        this.report('id', type, 'invalid-session-id', 'its session id is not a string or a finite number; dropped', false);
      } else {
        this.filtered++;
      }
      return;
    }
    this.delivered++;
    if (type === RELAY_HYDRATION_TYPE) {
      this.relayHydration(message);
      return;
    }
    // eslint-disable-next-line no-console
    if (this.debug) console.debug('[kimi-realtime] message', message);
    const version = filter.version;
    if (RESERVED_EVENT_TYPES.has(type)) {
      this.report('reserved', type, 'reserved-type', `it would pass for the element's own kimi:${excerptOf(type)} event; delivered as kimi:message only`);
    } else {
      if (!KNOWN_MESSAGE_TYPES.has(type)) this.report('unknown', type, 'unknown-type', `the type is unknown; delivered as kimi:${excerptOf(type)} anyway`);
      for (const sink of this.sinks) {
        // A sink may switch sessions (a page listener): the sinks after it no longer get this frame.
        if (filter.version !== version && !filter.accepts(message)) return;
        sink.message?.(message);
      }
    }
    // A subscriber may have switched sessions meanwhile (the filter moved): then the frame no longer
    // belongs to what is shown and stops here. Unmoved, this is one comparison per step.
    if (filter.version !== version && !filter.accepts(message)) return;
    this.readingsOf(message, bytes);
    if (filter.version !== version && !filter.accepts(message)) return;
    for (const sink of this.sinks) {
      if (filter.version !== version && !filter.accepts(message)) return;
      sink.delivered?.(message);
    }
  }

  /**
   * The shown session's HTTP state arrived. An answer for another session than the one shown is
   * refused (returns false): it belongs to a request a newer session replaced, or to a server that
   * answered for the wrong session.
   */
  hydrated(hydration: KimiHydration): boolean {
    if (hydration.sessionId !== this.shownId) return false;
    this.hydrationValue = hydration;
    for (const sink of this.sinks) {
      if (this.shownId !== hydration.sessionId) return true;
      sink.hydrated?.(hydration);
    }
    // An HTTP answer has no size at hand here, and comes once per connection or session: always compact.
    this.compact = true;
    for (const reading of hydration.readings) this.emit(reading);
    this.compact = false;
    return true;
  }

  /** Reports a problem through the sinks (`kimi:error`). */
  error(detail: KimiErrorDetail): void {
    for (const sink of this.sinks) sink.error?.(detail);
  }

  /** Through a relay: the answer of `GET /api/sessions/{id}` for the session of the room's address. */
  private relayHydration(message: KimiMessage): void {
    const id = sessionIdOf((message as { session_id?: unknown }).session_id);
    try {
      if (!id) throw new HydrationProblem('it names no session');
      const hydration = hydrationFrom(id, message, Date.now(), this);
      if (!this.hydrated(hydration)) throw new HydrationProblem(`it is for session ${id}, not the session shown (${this.shownId ?? 'none'})`);
    } catch (error) {
      this.error({ kind: 'hydration', message: `Relay hydration refused: ${(error as Error).message}.` });
    }
  }

  private shownMaybeChanged(): void {
    const shown = this.filter.current;
    if (shown === this.shownId) return;
    this.shownId = shown;
    this.kept.clear();
    this.requests.clear();
    this.hydrationValue = null;
    for (const sink of this.sinks) sink.shown?.(shown);
  }

  private readingsOf(message: KimiMessage, bytes: number): void {
    this.compact = bytes > MAX_KEPT_FRAME;
    switch (message.type) {
      case 'metric_updated':
        this.emit(readingFromMetricUpdated(message as MetricUpdatedMessage, Date.now(), this.clock));
        break;
      case 'log_metric': {
        const now = Date.now();
        this.clock.observe((message as LogMetricMessage).timestamp, now);
        this.emit(readingFromLogMetric(message as LogMetricMessage, now, this.clock));
        break;
      }
      case 'metric':
        this.emit(readingFromLegacyMetric(message as MetricMessage, Date.now(), this.clock));
        break;
      case 'init': {
        const init = message as InitMessage;
        const id = init.session && typeof init.session === 'object' ? init.session.id : null;
        const session = sessionIdOf(id) || null;
        for (const reading of readingsFromRows(init.recent_metrics, session, 'init', this.clock, Date.now(), this.refused)) this.emit(reading);
        break;
      }
      default:
    }
  }

  /**
   * Keeps and yields a reading. Each reconnect brings `init` and hydration rows again: a row of a
   * request already yielded (live or from earlier history) is dropped here, so pages see every
   * request once. Live frames always pass: they are new by nature (and confirm an estimated row).
   */
  private emit(reading: UsageReading | UsageRefusal | null): void {
    if (!reading) return;
    if (reading instanceof UsageRefusal) return this.refused(reading);
    const id = reading.metricId;
    if (id !== null) {
      if (reading.origin === 'history' && this.requests.has(id)) return;
      this.requests.add(id);
    }
    if (this.kept.size === this.kept.capacity) {
      const evicted = this.kept.at(0)!.metricId;
      if (evicted !== null) this.requests.delete(evicted);
    }
    if (this.compact) reading.message = compactMessage(reading.message);
    this.kept.push(reading);
    const shown = this.shownId;
    for (const sink of this.sinks) {
      if (this.shownId !== shown) return;
      sink.metric?.(reading);
    }
  }

  /** A usage frame (or history row) whose figures gave no reading: reported once per frame type and field. */
  readonly refused = ({ frame, field, value }: UsageRefusal): void => {
    // Stringified before the once-per-type check: O(size) only for a refused frame, as its parse was.
    this.report(field, frame, 'out-of-range', `${field} ${excerptOf(JSON.stringify(value))} is out of range`);
  };

  /** Reports a problem with messages of `type`, once per group and type, for at most MAX_REPORTED of them. */
  private report(group: string, type: string, kind: KimiErrorDetail['kind'], what: string, recovered = true): void {
    const shown = excerptOf(type);
    const key = `${group}:${shown}`;
    if (this.reported.has(key) || this.reported.size >= MAX_REPORTED) return;
    this.reported.add(key);
    this.error({ kind, message: `A message of type "${shown}": ${what}. Reported once per type.`, excerpt: shown, recovered });
  }
}
