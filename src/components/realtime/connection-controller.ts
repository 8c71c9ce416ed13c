import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { retryDelay } from '../../internal/backoff.js';
import { BoundedQueue } from '../../internal/bounded-queue.js';
import { FramePump } from '../../internal/frame-pump.js';
import { CONNECT_TIMEOUT_CODE, ConnectTimeout, KimiSocket, type SocketTarget } from '../../internal/partysocket-adapter.js';
import type { KimiErrorDetail } from '../../events/kimi-error-event.js';
import type { ConnectionState, KimiStatusDetail } from '../../events/kimi-status-event.js';
import { excerptOf } from '../../protocol/parse-frame.js';
import { protocolToken, redact } from '../../internal/secrets.js';

/** A token, or a function that returns one (called before every connection attempt). */
export type TokenSource = string | (() => string | null | undefined | Promise<string | null | undefined>) | null;

/** What the controller reads from its host, live, each time it needs it. */
export interface ConnectionSettings {
  readonly resolvedUrl: string;
  reconnectDelay: number;
  reconnectDelayMax: number;
  reconnectGrowth: number;
  reconnectJitter: number;
  stableAfter: number;
  connectTimeout: number;
  maxQueue: number;
  idleTimeout: number;
  pingInterval: number;
  token: TokenSource;
  authVia: 'query' | 'protocol';
  authCloseCodes: readonly number[];
  debug: boolean;
}

export interface ConnectionEvents {
  onFrame(data: unknown): void;
  onStatus(detail: KimiStatusDetail): void;
  onError(detail: KimiErrorDetail): void;
}

/** Close code the page uses when it closes the socket itself. */
const CLOSED_BY_PAGE = 1000;

/** A token provider that failed; the message names what went wrong, never a token. */
class TokenProblem extends Error {}
/** Close code sent when the idle timeout recycles a silent connection. */
export const IDLE_CLOSE_CODE = 4000;

/**
 * Holds the WebSocket of a `<kimi-realtime>`: opens it when the host is attached, closes it when the
 * host leaves (unless it comes back in the same task), reconnects with backoff, queues what the page
 * sends while not open, and watches `online`/visibility. Connection counters live here.
 */
export class ConnectionController implements ReactiveController {
  state: ConnectionState = 'closed';
  attempt = 0;
  nextRetryAt: number | null = null;
  lastCloseCode: number | null = null;
  lastCloseReason = '';
  connectedSince: number | null = null;
  reconnects = 0;
  framesSeen = 0;
  /** When false the host connects only through `connect()`. */
  auto = true;

  private socket: KimiSocket | null = null;
  /** Frames are handled through the pump: a burst yields to input between slices (frame-pump.ts). */
  private readonly pump = new FramePump<unknown>((data) => {
    this.framesSeen++;
    this.events.onFrame(data);
  });
  private everOpened = false;
  private readonly queue: BoundedQueue<string>;
  private departure: ReturnType<typeof setTimeout> | null = null;
  private pingTimer: ReturnType<typeof setInterval> | null = null;
  private idleTimer: ReturnType<typeof setInterval> | null = null;
  private pingId = 0;
  /** The URL of the current attempt, without its token, for reports. */
  private targetUrl = '';

  constructor(
    host: ReactiveControllerHost & HTMLElement,
    private readonly settings: ConnectionSettings,
    private readonly events: ConnectionEvents,
  ) {
    this.queue = new BoundedQueue(settings.maxQueue);
    host.addController(this);
  }

  get queueDepth(): number {
    return this.queue.size;
  }

  hostConnected(): void {
    if (this.departure !== null) {
      // Moved within the page in one task: keep the connection.
      clearTimeout(this.departure);
      this.departure = null;
      return;
    }
    if (this.auto) this.connect();
  }

  hostDisconnected(): void {
    if (!this.socket) return;
    this.departure = setTimeout(() => {
      this.departure = null;
      this.disconnect();
    }, 0);
  }

  /** Opens the connection, or retries at once when a retry is waiting. */
  connect(): void {
    if (this.socket) {
      this.retryNow();
      return;
    }
    this.attempt = 0;
    this.nextRetryAt = null;
    this.setState('connecting');
    this.listenToEnvironment(true);
    const socket: KimiSocket = new KimiSocket(
      {
        target: () => this.nextTarget(),
        stableAfter: this.settings.stableAfter,
        connectTimeout: () => this.settings.connectTimeout,
      },
      {
        onFrame: (data) => this.pump.push(data),
        onOpen: () => this.socket === socket && this.handleOpen(),
        onClose: (code, reason) => this.socket === socket && this.handleClose(code, reason),
        afterClose: () => this.socket === socket && this.afterClose(),
        delayFor: (attempt) => retryDelay(attempt, this.backoff()),
        onRetryScheduled: (attempt, delay) => this.socket === socket && this.handleRetryScheduled(attempt, delay),
        onAttemptFailed: (error) => this.socket === socket && this.handleAttemptFailed(error),
        shouldReconnect: (code) => !this.settings.authCloseCodes.includes(code),
      },
    );
    this.socket = socket;
  }

  /** Closes the connection and stops retrying. Queued messages are kept for the next `connect()`. */
  disconnect(): void {
    if (this.departure !== null) {
      clearTimeout(this.departure);
      this.departure = null;
    }
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    this.stopKeepAlive();
    this.listenToEnvironment(false);
    socket.close(CLOSED_BY_PAGE, 'closed by page');
    if (this.state === 'open') {
      this.lastCloseCode = CLOSED_BY_PAGE;
      this.lastCloseReason = 'closed by page';
    }
    this.connectedSince = null;
    this.nextRetryAt = null;
    this.setState('closed');
  }

  /** Retries at once if a retry is waiting. Returns whether it did. */
  retryNow(): boolean {
    if (!this.socket?.isWaiting) return false;
    this.log('retrying now');
    this.nextRetryAt = Date.now();
    return this.socket.retryNow();
  }

  /** Serializes and sends, or queues while not open. Returns true when sent now. */
  send(message: unknown): boolean {
    let text: string | undefined;
    try {
      text = JSON.stringify(message);
    } catch (error) {
      this.events.onError({ kind: 'unserializable', message: `send() could not serialize the message: ${(error as Error).message}` });
      return false;
    }
    if (text === undefined) {
      this.events.onError({ kind: 'unserializable', message: 'send() was given a value JSON cannot represent.' });
      return false;
    }
    if (this.socket?.isOpen && this.queue.size === 0) {
      this.socket.send(text);
      return true;
    }
    this.enqueue(text);
    return false;
  }

  /** Applies a new `max-queue`; the oldest messages beyond it are dropped and reported. */
  resizeQueue(capacity: number): void {
    if (capacity === this.queue.capacity) return;
    for (const dropped of this.queue.resize(capacity)) this.reportDropped(dropped);
  }

  private enqueue(text: string): void {
    const overflow = this.queue.push(text);
    if (overflow) this.reportDropped(overflow.dropped);
  }

  private reportDropped(text: string): void {
    this.events.onError({
      kind: 'queue-overflow',
      message: `The send queue is full (max-queue ${this.queue.capacity}); the oldest queued message was dropped.`,
      excerpt: excerptOf(text),
      dropped: JSON.parse(text),
    });
  }

  private handleOpen(): void {
    if (this.everOpened) this.reconnects++;
    this.everOpened = true;
    this.attempt = 0;
    this.nextRetryAt = null;
    this.connectedSince = Date.now();
    this.setState('open');
    // Sent once and in order: the queue is emptied as it is sent, on this one path.
    let text: string | undefined;
    while (this.socket?.isOpen && (text = this.queue.shift()) !== undefined) this.socket.send(text);
    this.startKeepAlive();
  }

  private handleClose(code: number, reason: string): void {
    const wasOpen = this.state === 'open';
    this.lastCloseCode = code;
    this.lastCloseReason = reason;
    this.connectedSince = null;
    this.stopKeepAlive();
    this.log('closed', code, reason);
    if (!this.settings.authCloseCodes.includes(code)) {
      // A connection that never opened is a failed attempt; the loss of an open one is a status change.
      if (!wasOpen) {
        const timedOut = code === CONNECT_TIMEOUT_CODE;
        this.reportFailure('connection', timedOut ? `no answer within connect-timeout (${this.settings.connectTimeout} ms)` : `closed with code ${code}${reason ? ` (${reason})` : ''}`, code);
      }
    } else {
      const socket = this.socket;
      this.socket = null;
      this.listenToEnvironment(false);
      socket?.close();
      this.setState('closed');
      this.events.onError({
        kind: 'auth',
        message: `The server refused the credentials (close code ${code}${reason ? `: ${reason}` : ''}); not retrying. Set a valid token and call connect().`,
        closeCode: code,
      });
    }
  }

  /** A close that scheduled no wait (an immediate retry) still leaves the open state. */
  private afterClose(): void {
    if (this.state === 'open') this.setState(navigator.onLine === false ? 'offline' : 'reconnecting');
  }

  private handleRetryScheduled(attempt: number, delay: number): void {
    this.attempt = attempt;
    this.nextRetryAt = Date.now() + delay;
    this.log(`retry ${attempt} in ${delay} ms`);
    this.setState(navigator.onLine === false ? 'offline' : 'reconnecting', true);
  }

  /** An attempt that failed before a socket existed. */
  private handleAttemptFailed(error: unknown): void {
    if (error instanceof TokenProblem) this.reportFailure('token', error.message);
    else if (error instanceof ConnectTimeout) this.reportFailure('token', `the token provider did not settle within connect-timeout (${this.settings.connectTimeout} ms)`);
    else this.reportFailure('connection', String((error as Error | undefined)?.message ?? error));
  }

  private reportFailure(kind: 'connection' | 'token', what: string, closeCode?: number): void {
    const message = redact(`Connection attempt to ${this.targetUrl} failed: ${what}. Retrying with backoff.`);
    this.log(message);
    this.events.onError(closeCode === undefined ? { kind, message } : { kind, message, closeCode });
  }

  private backoff() {
    const s = this.settings;
    return { initialDelay: s.reconnectDelay, maxDelay: s.reconnectDelayMax, growth: s.reconnectGrowth, jitter: s.reconnectJitter };
  }

  /** Where the next attempt connects: the URL, with the token from the provider in the query or a subprotocol. */
  private async nextTarget(): Promise<SocketTarget> {
    const { resolvedUrl: url, token, authVia } = this.settings;
    this.targetUrl = url;
    const value = token ? await readToken(token) : null;
    if (!value) return { url, protocols: null };
    if (authVia === 'protocol') return { url, protocols: ['kimi', protocolToken(value)] };
    const withToken = new URL(url);
    withToken.searchParams.set('token', value);
    return { url: withToken.href, protocols: null };
  }

  private startKeepAlive(): void {
    const { pingInterval, idleTimeout } = this.settings;
    if (pingInterval > 0) {
      this.pingTimer = setInterval(() => {
        if (this.socket?.isOpen) this.socket.send(JSON.stringify({ type: 'ping', id: ++this.pingId }));
      }, pingInterval);
    }
    if (idleTimeout > 0) {
      // Counts frames instead of stamping each one: the per-frame path stays a single increment.
      let seen = this.framesSeen;
      let quietSince = Date.now();
      this.idleTimer = setInterval(() => {
        const now = Date.now();
        if (this.framesSeen !== seen) {
          seen = this.framesSeen;
          quietSince = now;
        } else if (now - quietSince >= idleTimeout) {
          this.events.onError({
            kind: 'idle-timeout',
            message: `Nothing arrived for ${idleTimeout} ms (idle-timeout); the connection was dropped and is being reopened.`,
          });
          this.stopKeepAlive();
          this.socket?.recycle(IDLE_CLOSE_CODE, 'idle timeout');
        }
      }, Math.max(Math.min(idleTimeout / 4, 1000), 10));
    }
  }

  private stopKeepAlive(): void {
    if (this.pingTimer !== null) clearInterval(this.pingTimer);
    if (this.idleTimer !== null) clearInterval(this.idleTimer);
    this.pingTimer = this.idleTimer = null;
  }

  private listenToEnvironment(on: boolean): void {
    const method = on ? 'addEventListener' : 'removeEventListener';
    window[method]('online', this.handleOnline);
    window[method]('offline', this.handleOffline);
    document[method]('visibilitychange', this.handleVisibility);
  }

  private readonly handleOnline = (): void => {
    if (this.state === 'offline') this.setState('reconnecting', true);
    this.retryNow();
  };

  private readonly handleOffline = (): void => {
    if (this.socket && this.state !== 'open') this.setState('offline');
  };

  private readonly handleVisibility = (): void => {
    if (document.visibilityState === 'visible') this.retryNow();
  };

  private setState(state: ConnectionState, always = false): void {
    if (state === this.state && !always) return;
    this.state = state;
    this.log('state', state);
    // The close that led to this state; `connecting` and `open` follow no close.
    const fresh = state === 'open' || state === 'connecting';
    this.events.onStatus({
      state,
      attempt: this.attempt,
      nextRetryAt: this.nextRetryAt,
      closeCode: fresh ? null : this.lastCloseCode,
      closeReason: fresh ? '' : this.lastCloseReason,
    });
  }

  /** Debug log; every text goes through `redact`, so no token reaches the console. */
  private log(...args: unknown[]): void {
    // eslint-disable-next-line no-console
    if (this.settings.debug) console.debug('[kimi-realtime]', ...args.map((a) => (typeof a === 'string' ? redact(a) : a)));
  }
}

/** The token from a source: a string, or null for none (`null`, `undefined`, `""`). */
async function readToken(token: NonNullable<TokenSource>): Promise<string | null> {
  let value: unknown;
  try {
    value = typeof token === 'function' ? await token() : token;
  } catch (error) {
    // The error's own message could hold anything (a token too): only its name is passed on.
    throw new TokenProblem(`the token provider threw ${(error as Error | null)?.name ?? typeof error}`);
  }
  if (value === null || value === undefined || value === '') return null;
  if (typeof value !== 'string') throw new TokenProblem(`the token provider returned a ${typeof value}, not a string`);
  return value;
}
