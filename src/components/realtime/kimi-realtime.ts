import { ReactiveElement, css } from 'lit';
import { property } from 'lit/decorators.js';
import { ContextProvider } from '@lit/context';
import { KimiErrorEvent, type KimiErrorDetail } from '../../events/kimi-error-event.js';
import { KimiStatusEvent, type ConnectionState, type KimiStatusDetail } from '../../events/kimi-status-event.js';
import { KimiMessageEvent } from '../../events/kimi-message-event.js';
import { KimiMetricEvent } from '../../events/kimi-metric-event.js';
import type { KimiRealtimeStats } from '../../events/kimi-stats-event.js';
import { KimiHydrateEvent } from '../../events/kimi-hydrate-event.js';
import type { KimiCommand, KimiMessage } from '../../protocol/messages.js';
import type { KimiReplyMap, KimiRequestCommand } from '../../protocol/requests.js';
import type { KimiHydration } from '../../protocol/hydration.js';
import type { UsageReading } from '../../protocol/usage-readings.js';
import type { FrameProblem } from '../../protocol/parse-frame.js';
import { relayRoomUrl } from '../../protocol/relay.js';
import { DEFAULT_BACKOFF } from '../../connection/backoff.js';
import { MAX_TIMER_MS, invalidOptionDetail } from '../../internal/options.js';
import { numberOption } from '../shared/option-checks.js';
import { redact } from '../../internal/secrets.js';
import { defineElement } from '../../internal/define-element.js';
import { kimiSourceContext, type KimiSource } from '../../internal/source-context.js';
import type { SocketIdentity } from '../../connection/socket-machine.js';
import { SessionStream } from '../../session/session-stream.js';
import type { KimiRequestOptions } from './requests.js';
import { ConnectionController, type ConnectionSettings, type TokenSource } from './connection-controller.js';
import { HydrationController } from './hydration-controller.js';
import { ServerProbe } from './server-probe.js';
import { StatsController } from './stats-controller.js';

export type { KimiRealtimeStats } from '../../events/kimi-stats-event.js';

/** Default WebSocket address: `/ws` on the page's own host, `wss:` on https pages. */
export function defaultKimiUrl(): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

const MAX_QUEUE = { fallback: 100, min: 0, max: 100_000, integer: true };
const UTC_OFFSET = { fallback: null, min: -14 * 60, max: 14 * 60, integer: true, emptyIsUnset: true };

function toWebSocketUrl(value: string): string {
  const url = new URL(value, location.href);
  if (url.protocol === 'http:') url.protocol = 'ws:';
  else if (url.protocol === 'https:') url.protocol = 'wss:';
  return url.href;
}

/**
 * Holds one reconnecting WebSocket to a Kimi Proxy server and re-dispatches the messages of its
 * session (and global ones) as bubbling, composed `kimi:<type>` events.
 *
 * @tag kimi-realtime
 * @summary Live connection to a Kimi Proxy dashboard server's `/ws` stream.
 *
 * @slot - Any content; dashboard elements inside find this element as their source.
 *
 * @fires {KimiMessageEvent} kimi:message - Every delivered message, whatever its type. `detail` is the message.
 * @fires {KimiMetricEvent} kimi:metric - A usage reading, from whichever frame carried it (`metric_updated`, a usage `log_metric`, legacy `metric`, each history row of `init` and hydration). `detail`: `{ sessionId, source, tokens, window, percentage, level, time, metricId, estimated, origin, frame, message }`.
 * @fires {KimiHydrateEvent} kimi:hydrate - The session's state loaded over HTTP (`GET /api/sessions/{id}`) on connect, reconnect and session change. `detail`: `{ sessionId, found, error, session, provider, stats, window, readings, at }`.
 * @fires {KimiStatusEvent} kimi:status - The connection state changed or a retry was scheduled. `detail`: `{ state, attempt, nextRetryAt, closeCode, closeReason }`.
 * @fires {KimiErrorEvent} kimi:error - Something went wrong and the element carried on. `detail`: `{ kind, message, excerpt?, recovered?, dropped?, closeCode?, option? }`.
 * @fires {KimiStatsEvent} kimi:stats - `stats`, at most once a second, only while a listener is registered on the element itself.
 * @fires {KimiMessageEvent} kimi:init - Sent by the server on connect when a session is active.
 * @fires {KimiMessageEvent} kimi:metric_updated - A streamed request finished with real token usage; carries the threshold `alert`.
 * @fires {KimiMessageEvent} kimi:log_metric - Token figures read from IDE/CLI logs.
 * @fires {KimiMessageEvent} kimi:memory_metrics_update - Legacy (older servers): memory token split.
 * @fires {KimiMessageEvent} kimi:streaming_error - A stream failed after reporting usage.
 * @fires {KimiMessageEvent} kimi:provider_context_limit_error - The provider rejected a request for its size.
 * @fires {KimiMessageEvent} kimi:compaction_event - A conversation was compacted.
 * @fires {KimiMessageEvent} kimi:compression_event - A compression ran (or declined to).
 * @fires {KimiMessageEvent} kimi:new_session - A session was created and became active.
 * @fires {KimiMessageEvent} kimi:session_activated - Another session became active.
 * @fires {KimiMessageEvent} kimi:auto_session_created - The proxy created and activated a session by itself.
 * @fires {KimiMessageEvent} kimi:auto_session_toggled - Auto-session switched on or off.
 * @fires {KimiMessageEvent} kimi:sessions_bulk_deleted - Sessions were deleted.
 * @fires {KimiMessageEvent} kimi:auto_compaction_toggled - Auto-compaction switched on or off.
 * @fires {KimiMessageEvent} kimi:reserved_tokens_updated - Reserved tokens changed.
 * @fires {KimiMessageEvent} kimi:cline_usage_updated - The Cline usage ledger changed (global).
 * @fires {KimiMessageEvent} kimi:memory_compression_completed - A memory compression ran (global).
 * @fires {KimiMessageEvent} kimi:memory_compress_preview_response - Reply to `memory_compress_preview`.
 * @fires {KimiMessageEvent} kimi:memory_compress_result_response - Reply to `memory_compress_execute`.
 * @fires {KimiMessageEvent} kimi:memory_similarity_result_response - Reply to `memory_similarity_search`.
 * @fires {KimiMessageEvent} kimi:sanitizer_event - In the server code, never sent at 2c68469.
 * @fires {KimiMessageEvent} kimi:auto_memory_stored - In the server code, never sent.
 * @fires {KimiMessageEvent} kimi:context_limit_violation - Legacy.
 * @fires {KimiMessageEvent} kimi:context_performance_alert - Legacy.
 * @fires {KimiMessageEvent} kimi:session_deleted - Legacy.
 *
 * @cssState connecting - The first connection attempt is under way.
 * @cssState open - Connected.
 * @cssState reconnecting - The connection was lost; a retry is scheduled or under way.
 * @cssState offline - The browser is offline; retrying resumes on `online`.
 * @cssState closed - Not connected and not retrying (removed, `disconnect()`, `manual`, or refused credentials).
 */
export class KimiRealtime extends ReactiveElement implements ConnectionSettings {
  static override styles = css`
    :host {
      display: contents;
    }
  `;

  /** Registers `<kimi-realtime>`; warns instead of throwing when another copy already did. */
  static define(tag = 'kimi-realtime'): void {
    defineElement(tag, this);
  }

  /** WebSocket URL; relative and `http(s):` URLs are accepted. Default: `/ws` on the page's host (`wss:` on https). */
  @property({ reflect: false }) url = '';

  /**
   * Host of a Kimi relay (`relay.example.workers.dev`, `127.0.0.1:8787`). With `room`, the element
   * connects to that room (PartySocket's address) instead of `url`, asks it for its session, and
   * resumes from the last `relay_seq` it saw after a reconnect. See relay/README.md.
   */
  @property() host = '';

  /** The relay's party (PartySocket's default: `main`). */
  @property() party = 'main';

  /** The relay room: one per Kimi Proxy instance. */
  @property() room = '';

  /** Connect only through `connect()`. */
  @property({ type: Boolean }) manual = false;

  /**
   * Use a socket of its own. By default, elements with the same URL and credentials (the same `token`
   * string or function, the same `auth-via`) share one socket: in the page, and with the other tabs of
   * the origin where the browser has Web Locks and BroadcastChannel.
   */
  @property({ type: Boolean, attribute: 'own-connection' }) ownConnection = false;

  /** Log connection steps and every message to the console (development only). */
  @property({ type: Boolean }) debug = false;

  // Numeric options: an invalid value (`"3s"`, NaN, out of range) becomes the default and is
  // reported as `kimi:error` kind `invalid-option`; removing the attribute restores the default.

  /** Base delay of the first retry, ms (0 – 2^31−1; no retry comes sooner than 100 ms). */
  @property({ attribute: 'reconnect-delay' })
  @numberOption({ fallback: DEFAULT_BACKOFF.initialDelay, min: 0, max: MAX_TIMER_MS })
  reconnectDelay: number = DEFAULT_BACKOFF.initialDelay;

  /** Largest retry delay, ms (0 – 2^31−1). */
  @property({ attribute: 'reconnect-delay-max' })
  @numberOption({ fallback: DEFAULT_BACKOFF.maxDelay, min: 0, max: MAX_TIMER_MS })
  reconnectDelayMax: number = DEFAULT_BACKOFF.maxDelay;

  /** Growth of the retry delay ceiling per failed attempt (1–100). */
  @property({ attribute: 'reconnect-growth' })
  @numberOption({ fallback: DEFAULT_BACKOFF.growth, min: 1, max: 100 })
  reconnectGrowth: number = DEFAULT_BACKOFF.growth;

  /** 0–1: random spread of retry delays, so many clients do not return at once. */
  @property({ attribute: 'reconnect-jitter' })
  @numberOption({ fallback: DEFAULT_BACKOFF.jitter, min: 0, max: 1 })
  reconnectJitter: number = DEFAULT_BACKOFF.jitter;

  /** A connection that stays open this long (ms) resets the retry count. Read when an attempt is scheduled, like every connection option. */
  @property({ attribute: 'stable-after' })
  @numberOption({ fallback: 5000, min: 0, max: MAX_TIMER_MS })
  stableAfter = 5000;

  /**
   * Budget of one connection attempt, ms (100 – 2^31−1), the wait for `token` included: a slower
   * attempt is abandoned (close code 4408), reported and retried.
   */
  @property({ attribute: 'connect-timeout' })
  @numberOption({ fallback: 4000, min: 100, max: MAX_TIMER_MS })
  connectTimeout = 4000;

  /**
   * Opt-in half-open detection: when nothing arrives for this many ms, the connection is dropped and
   * reopened. 0 (default) is off: Kimi Proxy has no heartbeat, and a quiet session is normal.
   */
  @property({ attribute: 'idle-timeout' })
  @numberOption({ fallback: 0, min: 0, max: MAX_TIMER_MS })
  idleTimeout = 0;

  /**
   * Opt-in application ping: send `{"type":"ping","id":n}` every this many ms while open, for servers
   * that answer it (Kimi Proxy does not; it logs and ignores it). 0 (default) is off.
   */
  @property({ attribute: 'ping-interval' })
  @numberOption({ fallback: 0, min: 0, max: MAX_TIMER_MS })
  pingInterval = 0;

  /** How the token is sent: `query` (`?token=`) or `protocol` (`Sec-WebSocket-Protocol: kimi, kimi-token.<base64url of the token's UTF-8>`). */
  @property({ attribute: 'auth-via' }) authVia: 'query' | 'protocol' = 'query';

  /** Close codes that mean "bad credentials": no retry, `kimi:error` of kind `auth`. Property only. */
  authCloseCodes: readonly number[] = [1008, 4001, 4003, 4401, 4403];

  /**
   * Credentials, property only (never an attribute, never logged): a string, or a function returning
   * one (or a promise of one), called before every connection attempt. Elements share a socket only
   * with the same token (string or function).
   */
  @property({ attribute: false }) token: TokenSource = null;

  /** Base of the HTTP API used for hydration (`http://host:port`); empty derives it from `url`. */
  @property({ attribute: 'api-url' }) apiUrl = '';

  /** Do not load the session's history over HTTP (`GET /api/sessions/{id}`). */
  @property({ type: Boolean, attribute: 'no-hydrate' }) noHydrate = false;

  /** Budget of one history request over HTTP, headers and body, ms (100 – 2^31−1): a slower answer is aborted and reported (`kimi:error` kind `hydration`). */
  @property({ attribute: 'hydrate-timeout' })
  @numberOption({ fallback: 10_000, min: 100, max: MAX_TIMER_MS })
  hydrateTimeout = 10_000;

  /**
   * The server's UTC offset in minutes (Paris in winter: 60). Empty (default): learned from the
   * server's `log_metric` timestamps, or the browser's own zone until one arrives.
   */
  @property({ attribute: 'server-utc-offset' })
  @numberOption(UTC_OFFSET)
  serverUtcOffset: number | null = null;

  /**
   * Session whose messages pass (with global ones). Ids compare in canonical form: `3`, `"3"`,
   * `"03"` and `"3.0"` are the same session (`activeSessionId` gives `"3"`). When empty, the element
   * follows the server's active session (`init`, `session_activated`, `new_session`,
   * `auto_session_created`). Takes effect for the very next frame. A value that is not an id (an
   * object, `NaN`) is reported and the element follows.
   */
  @property({ attribute: 'session-id' }) sessionId: string | number | null = null;

  /**
   * Bound of the send queue used while not connected (an integer, 0 – 100,000). A full queue
   * refuses the new message (reported); a queued one is never dropped, also when the bound shrinks.
   */
  @property({ attribute: 'max-queue' })
  @numberOption(MAX_QUEUE)
  maxQueue = 100;

  private readonly internals: ElementInternals = this.attachInternals();
  /** The session shown and everything that belongs to it. */
  private readonly stream = new SessionStream();
  /** `kimi:stats` once a second while listened to; before the provider, whose constructor adds a listener. */
  private readonly ticker = new StatsController(this, () => this.stats);
  /** Hands this element and its session to dashboard children (`@lit/context`). */
  private readonly provider = new ContextProvider(this, {
    context: kimiSourceContext,
    initialValue: { source: this, sessionId: null, stream: this.stream } as KimiSource,
  });
  private readonly connection = new ConnectionController(
    this,
    this.connectionSettings(),
    {
      onFrame: (message, bytes) => this.frame(message, bytes),
      onSkip: (bytes) => this.stream.skip(bytes),
      onStatus: (detail) => this.reportStatus(detail),
      onError: (detail) => this.reportError(detail),
    },
    () => this.socketIdentity(),
  );
  /** Connections opened so far: each one hydrates again. */
  private opened = 0;
  private readonly server = new ServerProbe(
    (detail) => this.reportError(detail),
    // The status says it at once, not at the next attempt.
    () => this.lastStatus && this.reportStatus(this.lastStatus),
  );
  private lastStatus: KimiStatusDetail | null = null;
  /** The pinned session the relay was asked for (its address names it). */
  private relaySession: string | null = null;

  constructor() {
    super();
    // Registered with this element (`hostUpdate`): keyed on what it reads, started from nowhere else.
    new HydrationController(
      this,
      () => ({
        live: this.connection.state === 'open' && !this.viaRelay,
        opened: this.opened,
        resolvedUrl: this.resolvedUrl,
        apiUrl: this.apiUrl,
        noHydrate: this.noHydrate,
        sessionId: this.stream.sessionId,
        timeout: this.hydrateTimeout,
      }),
      this.stream,
      (detail) => this.reportError(detail),
    );
    this.stream.subscribe({
      message: (message) => {
        const event = new KimiMessageEvent(`kimi:${message.type}`, message);
        this.dispatchEvent(event);
        // A listener may have set session-id: the rest of this frame's path already sees it.
        this.stream.show(this.sessionId);
      },
      delivered: (message) => {
        const event = new KimiMessageEvent('kimi:message', message);
        this.dispatchEvent(event);
      },
      metric: (reading) => {
        const event = new KimiMetricEvent(reading);
        this.dispatchEvent(event);
        this.stream.show(this.sessionId);
      },
      hydrated: (hydration) => {
        const event = new KimiHydrateEvent(hydration);
        this.dispatchEvent(event);
      },
      error: (detail) => this.reportError(detail),
      shown: (sessionId) => {
        this.provider.setValue({ source: this, sessionId, stream: this.stream });
        // Hydration is keyed on the session shown.
        this.requestUpdate();
      },
    });
  }

  /** The session whose messages currently pass: the pinned one, or the server's active one when following. */
  get activeSessionId(): string | null {
    return this.stream.sessionId;
  }

  /** The session's state as last loaded over HTTP (`kimi:hydrate`), or null. */
  get hydration(): KimiHydration | null {
    return this.stream.hydration;
  }

  /** The latest usage readings of the shown session (at most 1,000), oldest first: what `kimi:metric` carried. */
  get readings(): UsageReading[] {
    return this.stream.readings;
  }

  /** The server's clock as learned: UTC offset in minutes (null while unknown) and skew against this browser, ms. */
  get serverTime(): { utcOffsetMinutes: number | null; skewMs: number } {
    return { utcOffsetMinutes: this.stream.clock.offsetMinutes, skewMs: this.stream.clock.skew };
  }

  /** The WebSocket URL in use (read before every connection attempt). */
  get resolvedUrl(): string {
    if (this.viaRelay) return relayRoomUrl({ host: this.host, party: this.party, room: this.room }, this.stream.pinned, this.stream.relaySeq);
    return toWebSocketUrl(this.url || defaultKimiUrl());
  }

  /** Whether the element connects through a Kimi relay (`host` and `room` set). */
  get viaRelay(): boolean {
    return this.host !== '' && this.room !== '';
  }

  /** Connection state: `connecting`, `open`, `reconnecting`, `offline` or `closed`. */
  get state(): ConnectionState {
    return this.connection.state;
  }

  /** A snapshot of the counters. */
  get stats(): KimiRealtimeStats {
    const s = this.stream;
    const c = this.connection;
    return {
      framesReceived: s.received,
      delivered: s.delivered,
      filtered: s.filtered,
      malformed: s.malformed,
      bytesIn: s.bytesIn,
      reconnects: c.reconnects,
      lastCloseCode: c.lastCloseCode,
      lastCloseReason: c.lastCloseReason,
      queueDepth: c.queueDepth,
      connectedSince: c.connectedSince,
      connection: c.metrics,
    };
  }

  // `kimi:stats` runs only while someone listens on the element: the DOM cannot be asked, so listeners
  // of that event are reported to the ticker as they come and go.
  /** As on any element; a `kimi:stats` listener also starts the once-a-second `kimi:stats` events (the first one does). */
  override addEventListener<K extends keyof HTMLElementEventMap>(
    type: K,
    listener: (this: HTMLElement, ev: HTMLElementEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  /** @internal */
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void;
  /** @internal */
  override addEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | AddEventListenerOptions): void {
    super.addEventListener(type, listener, options);
    if (type === 'kimi:stats') this.ticker.added(listener, options);
  }

  /** As on any element; removing the last `kimi:stats` listener stops the `kimi:stats` events. */
  override removeEventListener<K extends keyof HTMLElementEventMap>(
    type: K,
    listener: (this: HTMLElement, ev: HTMLElementEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  /** @internal */
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void;
  /** @internal */
  override removeEventListener(type: string, listener: EventListenerOrEventListenerObject, options?: boolean | EventListenerOptions): void {
    super.removeEventListener(type, listener, options);
    if (type === 'kimi:stats') this.ticker.removed(listener, options);
  }

  /** Opens the connection (or retries now when waiting to retry). */
  connect(): void {
    this.connection.connect();
  }

  /** Closes the connection and stops retrying; queued messages wait for the next `connect()`. */
  disconnect(): void {
    this.connection.disconnect();
  }

  /**
   * Sends a command as JSON. While not connected it waits in an ordered queue (bounded by
   * `max-queue`) and goes out once, in order, when the connection opens. Returns true when sent now;
   * false when queued, or refused by a full queue (then a `kimi:error` `queue-overflow` holds it).
   */
  send(message: KimiCommand | Record<string, unknown>): boolean {
    return this.connection.send(message);
  }

  /**
   * Sends a command and resolves with its direct reply, matched by `requestId` (generated when
   * absent): `memory_compress_preview` → `memory_compress_preview_response`, `memory_compress_execute`
   * → `memory_compress_result_response`, `memory_similarity_search` →
   * `memory_similarity_result_response`. A failure reply (`error`, no `result`) resolves too. The reply
   * is also dispatched as events, on this element only (other elements on a shared socket never see
   * it). Rejects with a `KimiRequestError` (`kind`: `timeout`, `aborted`, `disconnected`,
   * `queue-overflow`, `invalid`). While the connection is being (re)established the command waits in
   * the send queue.
   */
  request<C extends KimiRequestCommand>(command: C, options?: KimiRequestOptions): Promise<KimiReplyMap[C['type']]> {
    return this.connection.request(command, options);
  }

  override connectedCallback(): void {
    this.connection.auto = !this.manual;
    // The session shown before the socket's first frame (a property set before upgrade included).
    this.stream.show(this.sessionId);
    super.connectedCallback();
  }

  protected override createRenderRoot(): HTMLElement | DocumentFragment {
    const root = super.createRenderRoot();
    root.appendChild(document.createElement('slot'));
    return root;
  }

  /** Reads the attributes, once per update; controllers then read what they need (`hostUpdate`). */
  protected override willUpdate(changed: Map<PropertyKey, unknown>): void {
    if (changed.has('sessionId') && !this.stream.show(this.sessionId)) {
      this.reportError(invalidOptionDetail('sessionId', this.sessionId, 'a string or a finite number', 'none (following)'));
    }
    if (changed.has('debug')) this.stream.debug = this.debug;
    if (changed.has('manual')) this.connection.auto = !this.manual;
    if (changed.has('maxQueue')) this.connection.resizeQueue(this.maxQueue);
    if (changed.has('serverUtcOffset')) this.stream.clock.fixedOffset = this.serverUtcOffset;
    const moved = ['url', 'host', 'party', 'room'].some((name) => changed.has(name) && changed.get(name) !== undefined);
    // The relay sends the session asked for in its address: another pinned session is a new connection.
    const relayMoved = this.viaRelay && this.stream.pinned !== this.relaySession;
    this.relaySession = this.stream.pinned;
    // A new address: reconnect there. New credentials or `own-connection`: the socket they name (a
    // reconnection, unless only the credentials changed, alike for every element on the socket).
    if (moved || relayMoved) this.reconnectElsewhere();
    else if (this.hasUpdated && (changed.has('authVia') || changed.has('ownConnection') || changed.has('token'))) this.connection.identityChanged();
  }

  /** A frame of the socket, parsed once for all its elements. */
  private frame(message: KimiMessage | FrameProblem, bytes: number): void {
    // A session-id set by a listener of the previous frame applies to this one (one comparison when unchanged).
    this.stream.show(this.sessionId);
    this.stream.receive(message, bytes);
  }

  /** The settings the socket reads before each attempt: the element's, with retries at the longest delay once the server is known to have no live endpoint. */
  private connectionSettings(): ConnectionSettings & { readonly maxQueue: number } {
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const el = this;
    return Object.create(el, {
      reconnectDelay: { get: () => (el.server.noLiveEndpoint ? el.reconnectDelayMax : el.reconnectDelay) },
    }) as KimiRealtime;
  }

  /** Connects again at the current address, as a new viewer of the relay (no `since`). */
  private reconnectElsewhere(): void {
    this.stream.relaySeq = null;
    if (this.state === 'closed') return;
    this.connection.disconnect();
    this.connection.connect();
  }

  /**
   * The socket this element uses: shared by the elements with the same address and credentials,
   * unless `own-connection` is set or it goes through a relay (whose room sends the one session in
   * its address, from this element's own `relay_seq`).
   */
  private socketIdentity(): SocketIdentity {
    const viaRelay = this.viaRelay;
    return {
      url: viaRelay ? relayRoomUrl({ host: this.host, party: this.party, room: this.room }, null, null) : this.resolvedUrl,
      token: this.token,
      authVia: this.authVia,
      own: this.ownConnection || viaRelay,
    };
  }

  private reportStatus(detail: KimiStatusDetail): void {
    this.lastStatus = detail;
    if (detail.state === 'open') {
      this.opened++;
      this.server.opened();
    } else if (!this.viaRelay && detail.state === 'reconnecting' && this.opened === 0) {
      this.server.failed(this.resolvedUrl, this.apiUrl);
    }
    // Hydration is keyed on the connection state.
    this.requestUpdate();
    const states = this.internals.states;
    if (states) {
      states.clear();
      states.add(detail.state);
    }
    const event = new KimiStatusEvent(this.server.noLiveEndpoint ? { ...detail, notice: this.server.noLiveEndpoint } : detail);
    this.dispatchEvent(event);
  }

  private reportError(detail: KimiErrorDetail): void {
    // Every report of this element, whichever part made it, leaves any token out of its sentence.
    detail.message = redact(detail.message);
    const event = new KimiErrorEvent(detail);
    this.dispatchEvent(event);
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'kimi-realtime': KimiRealtime;
  }
}
