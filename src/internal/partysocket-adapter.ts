import ReconnectingWebSocket from 'partysocket/ws';
import { MAX_TIMER_MS } from './options.js';

/**
 * partysocket 1.3.0 (pinned) internals this library hooks, on the instance and before the first
 * connection. The constructor checks they exist, and a test covers each, so an upgrade that changes
 * them fails loudly.
 * - `_handleMessage`: partysocket copies every MessageEvent before re-dispatching it; the hook hands
 *   the frame straight to us instead (the copy cost up to 20 % of throughput in measurements on a
 *   2-core machine, more on larger frames).
 * - `_handleError`: partysocket turns every error into a synthetic close with code 1000, hiding the
 *   real code. The browser's own `error` event is always followed by `close`, so we wait for it; an
 *   attempt that failed before a socket existed (token, URL, constructor) is reported and retried.
 * - `_handleClose`: to record the close before partysocket schedules the retry.
 * - `_wait`: partysocket's retry timer is a bare `setTimeout` that survives `close()` and has no jitter;
 *   ours can be cancelled, cut short on `online`, and reports when it fires.
 * - `_connect` (retry after a failure before any socket) and `_disconnect` (abandon a slow attempt
 *   with our own close code: partysocket's timeout reports 1000, and does not cover the token wait).
 */
interface PartysocketInternals {
  _retryCount: number;
  _handleMessage: (event: MessageEvent) => void;
  _handleError: (event: Event) => void;
  _handleClose: (event: CloseEvent) => void;
  _wait: () => Promise<void>;
  _connect: () => void;
  _disconnect: (code?: number, reason?: string) => void;
}

/** Close code reported for an attempt abandoned after `connect-timeout` (4000 + HTTP 408, Request Timeout). */
export const CONNECT_TIMEOUT_CODE = 4408;

/** The rejection of an attempt whose target (the token, mostly) was not ready within the timeout. */
export class ConnectTimeout extends Error {}

/** Where one attempt connects. */
export interface SocketTarget {
  url: string;
  protocols: string[] | null;
}

export interface SocketHooks {
  onFrame(data: unknown): void;
  onOpen(): void;
  /** Called before partysocket decides whether and when to retry. */
  onClose(code: number, reason: string): void;
  /** Called after it did (a retry may have been scheduled meanwhile). */
  afterClose(): void;
  /** An attempt failed before any socket existed: the target rejected, or `new WebSocket` threw. */
  onAttemptFailed(error: unknown): void;
  /** A retry is due in `delay` ms; `attempt` counts from 1 since the last stable connection. */
  delayFor(attempt: number): number;
  onRetryScheduled(attempt: number, delay: number): void;
  shouldReconnect(code: number): boolean;
}

export interface SocketOptions {
  /** Called once at the start of every attempt (reads the token). */
  target: () => Promise<SocketTarget>;
  stableAfter: number;
  /** Budget of one attempt in ms, token wait included; read at its start. */
  connectTimeout: () => number;
}

/** One partysocket instance, its cancellable retry timer and its attempt deadline. Discarded whole when closed. */
export class KimiSocket {
  private readonly rws: ReconnectingWebSocket;
  private pending: { timer: ReturnType<typeof setTimeout>; resolve: () => void } | null = null;
  private deadline: ReturnType<typeof setTimeout> | undefined;
  private attempt: Promise<SocketTarget> | null = null;
  /** Why the current attempt's target was rejected (partysocket keeps only the message). */
  private failure: unknown = null;
  private closed = false;

  constructor(
    private readonly options: SocketOptions,
    hooks: SocketHooks,
  ) {
    // partysocket asks for the URL, then the protocols, once per attempt: both come from one target.
    this.rws = new ReconnectingWebSocket(
      () => (this.attempt = this.begin()).then((t) => t.url),
      (() => this.attempt?.then((t) => t.protocols)) as () => Promise<string[]>,
      {
        startClosed: true,
        maxEnqueuedMessages: 0,
        minUptime: options.stableAfter,
        // Our deadline (begin) replaces partysocket's timeout.
        connectionTimeout: MAX_TIMER_MS,
        shouldReconnectOnClose: (event) => hooks.shouldReconnect(event.code),
      },
    );
    const internals = this.rws as unknown as PartysocketInternals;
    for (const name of ['_handleMessage', '_handleError', '_handleClose', '_wait', '_connect', '_disconnect'] as const) {
      if (typeof internals[name] !== 'function') throw new Error(`kimi-realtime: unsupported partysocket (no ${name})`);
    }
    internals._handleMessage = (event) => hooks.onFrame(event.data);
    internals._handleError = (event) => {
      if (!('error' in event)) return; // the browser's own error event: its close event follows
      this.stopDeadline();
      if (this.closed) return;
      hooks.onAttemptFailed(this.failure ?? (event as ErrorEvent).error);
      internals._connect();
    };
    const handleClose = internals._handleClose;
    internals._handleClose = (event) => {
      this.stopDeadline();
      hooks.onClose(event.code, event.reason);
      handleClose(event);
      hooks.afterClose();
    };
    internals._wait = () =>
      new Promise<void>((resolve) => {
        const attempt = internals._retryCount;
        const delay = attempt > 0 ? hooks.delayFor(attempt) : 0;
        const timer = setTimeout(() => {
          this.pending = null;
          resolve();
        }, delay);
        this.pending = { timer, resolve };
        if (attempt > 0) hooks.onRetryScheduled(attempt, delay);
      });
    this.rws.onopen = () => {
      this.stopDeadline();
      hooks.onOpen();
    };
    this.rws.binaryType = 'arraybuffer';
    this.rws.reconnect();
  }

  get isOpen(): boolean {
    return this.rws.readyState === ReconnectingWebSocket.OPEN;
  }

  get isWaiting(): boolean {
    return this.pending !== null;
  }

  send(text: string): void {
    this.rws.send(text);
  }

  /** Ends a pending retry wait now; returns false when no retry was waiting. */
  retryNow(): boolean {
    const pending = this.pending;
    if (!pending) return false;
    this.pending = null;
    clearTimeout(pending.timer);
    pending.resolve();
    return true;
  }

  /** Drops the current connection and connects again at once. */
  recycle(code: number, reason: string): void {
    this.rws.reconnect(code, reason);
  }

  /** Closes for good: no socket, no timer and no listener remain, and no further attempt starts. */
  close(code = 1000, reason = ''): void {
    this.closed = true;
    this.stopDeadline();
    this.rws.onopen = null;
    this.rws.close(code, reason);
    // A waiting retry is dropped, not released: released, it would read the token once more.
    if (this.pending) clearTimeout(this.pending.timer);
    this.pending = null;
  }

  /**
   * Starts an attempt: asks for its target and arms its deadline. Past the deadline, an attempt still
   * waiting for its target fails with `ConnectTimeout`; one whose socket is still connecting is
   * closed with `CONNECT_TIMEOUT_CODE` (then retried by partysocket like any close).
   */
  private begin(): Promise<SocketTarget> {
    this.stopDeadline();
    this.failure = null;
    if (this.closed) return new Promise(() => {});
    let waiting = true;
    return new Promise((resolve, reject) => {
      const fail = (error: unknown): void => {
        if (!waiting) return;
        waiting = false;
        this.failure = error;
        reject(error);
      };
      this.deadline = setTimeout(() => {
        this.deadline = undefined;
        if (waiting) fail(new ConnectTimeout());
        else if (this.rws.readyState === ReconnectingWebSocket.CONNECTING) {
          (this.rws as unknown as PartysocketInternals)._disconnect(CONNECT_TIMEOUT_CODE, 'connect timeout');
        }
      }, this.options.connectTimeout());
      this.options.target().then((target) => {
        if (waiting) resolve(target);
        waiting = false;
      }, fail);
    });
  }

  private stopDeadline(): void {
    clearTimeout(this.deadline);
    this.deadline = undefined;
  }
}
