import ReconnectingWebSocket from 'partysocket/ws';

/**
 * partysocket 1.3.0 (pinned) internals this library hooks, on the instance and before the first
 * connection. A test covers each hook, so an upgrade that changes them fails loudly.
 * - `_handleMessage`: partysocket copies every MessageEvent before re-dispatching it; the hook hands
 *   the frame straight to us instead (the copy cost up to 20 % of throughput, PERFORMANCE.md).
 * - `_handleError`: partysocket turns the browser's `error` event into a synthetic close with code
 *   1000, hiding the real code; the browser always follows `error` with `close`, so we wait for it.
 * - `_handleClose`: to record the close before partysocket schedules the retry.
 * - `_wait`: partysocket's retry timer is a bare `setTimeout` that survives `close()` and has no jitter;
 *   ours can be cancelled, cut short on `online`, and reports when it fires.
 */
interface PartysocketInternals {
  _retryCount: number;
  _handleMessage: (event: MessageEvent) => void;
  _handleError: (event: Event) => void;
  _handleClose: (event: CloseEvent) => void;
  _wait: () => Promise<void>;
}

export interface SocketHooks {
  onFrame(data: unknown): void;
  onOpen(): void;
  /** Called before partysocket decides whether and when to retry. */
  onClose(code: number, reason: string): void;
  /** Called after it did (a retry may have been scheduled meanwhile). */
  afterClose(): void;
  /** A retry is due in `delay` ms; `attempt` counts from 1 since the last stable connection. */
  delayFor(attempt: number): number;
  onRetryScheduled(attempt: number, delay: number): void;
  onConnectError(message: string): void;
  shouldReconnect(code: number): boolean;
}

export interface SocketOptions {
  url: () => Promise<string>;
  protocols: () => Promise<string[] | null>;
  stableAfter: number;
  connectTimeout: number;
}

/** One partysocket instance and its cancellable retry timer. Discarded whole when closed. */
export class KimiSocket {
  private readonly rws: ReconnectingWebSocket;
  private pending: { timer: ReturnType<typeof setTimeout>; resolve: () => void } | null = null;

  constructor(options: SocketOptions, hooks: SocketHooks) {
    this.rws = new ReconnectingWebSocket(options.url, options.protocols as () => Promise<string[]>, {
      startClosed: true,
      maxEnqueuedMessages: 0,
      minUptime: options.stableAfter,
      connectionTimeout: options.connectTimeout,
      shouldReconnectOnClose: (event) => hooks.shouldReconnect(event.code),
    });
    const internals = this.rws as unknown as PartysocketInternals;
    internals._handleMessage = (event) => hooks.onFrame(event.data);
    const handleError = internals._handleError;
    internals._handleError = (event) => {
      if (!('error' in event)) return; // the browser's own error event: its close event follows
      hooks.onConnectError((event as ErrorEvent).message);
      handleError(event);
    };
    const handleClose = internals._handleClose;
    internals._handleClose = (event) => {
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
    this.rws.onopen = () => hooks.onOpen();
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

  /** Closes for good: no socket, no timer and no listener remain. */
  close(code = 1000, reason = ''): void {
    this.rws.onopen = null;
    this.rws.close(code, reason);
    // partysocket's pending retry checks `_closeCalled` when its wait ends and then gives up.
    this.retryNow();
  }
}
