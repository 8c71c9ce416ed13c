import ReconnectingWebSocket from 'partysocket/ws';
import { MAX_TIMER_MS } from '../internal/options.js';

/**
 * partysocket 1.3.0 (pinned) members this library replaces on the instance, before the first attempt,
 * because no public option does the same. The constructor checks they exist and throws otherwise,
 * and a test covers each, so an upgrade that changes them fails loudly.
 * - `_handleMessage`: partysocket copies every MessageEvent before re-dispatching it; the hook hands
 *   the frame straight on instead (the copy cost up to 20 % of throughput on a 2-core machine, more
 *   on larger frames).
 * - `_handleError`: partysocket turns every error into a synthetic close with code 1000 (hiding the
 *   real code) and retries at once. The browser's own `error` event is always followed by `close`,
 *   so it is ignored here; an attempt that failed before a socket existed (target rejected, `new
 *   WebSocket` threw) is reported, and the caller decides when to retry.
 * - `_wait`: partysocket waits on a timer before every attempt, even with a delay of 0. `SocketMachine`
 *   has already waited as long as it meant to, and a background tab's timers are throttled (Firefox:
 *   up to 1 s), so a tab taking over a shared connection lost up to a second there. The hook resolves
 *   at once: the attempt starts in a microtask.
 * Everything else is public API: `onopen`/`onclose`, `shouldReconnectOnClose` (always false:
 * partysocket never retries by itself, `SocketMachine` schedules every attempt and starts it with
 * `reconnect()`), the async URL and protocol providers (the attempt's target), `close(code, reason)`,
 * `extensions` and `protocol`.
 */
const HOOKED = ['_handleMessage', '_handleError', '_wait'] as const;
interface Internals {
  _handleMessage(event: Event): void;
  _handleError(event: Event): void;
  _wait(): Promise<void>;
}

/** Throws unless `socket` has the members this adapter replaces (see above). */
export function checkInternals(socket: object): Internals {
  for (const name of HOOKED) {
    if (typeof (socket as Partial<Record<string, unknown>>)[name] !== 'function')
      throw new Error(`kimi-realtime: unsupported partysocket version (no ${name}); partysocket 1.3.0 is required`);
  }
  return socket as Internals;
}

/** Where one attempt connects. */
export interface SocketTarget {
  url: string;
  protocols: string[] | null;
}

export interface TransportEvents {
  frame(data: unknown): void;
  open(): void;
  /** The socket closed (or `close()` was called on a connecting or open one). */
  close(code: number, reason: string): void;
  /** The attempt failed before any socket existed: the target rejected, or `new WebSocket` threw. */
  failed(error: unknown): void;
}

/**
 * One partysocket instance used as a plain socket that can connect again: it makes one attempt per
 * `attempt()` call, never on its own.
 */
export class Transport {
  private readonly rws: ReconnectingWebSocket;
  private target: Promise<SocketTarget> | null = null;
  /** Why the current attempt's target was rejected (partysocket passes on only the message). */
  private failure: unknown = null;

  /** `next` is called once at the start of every attempt and resolves with where to connect. */
  constructor(next: () => Promise<SocketTarget>, events: TransportEvents) {
    // partysocket asks for the URL, then the protocols, once per attempt: both come from one target.
    this.rws = new ReconnectingWebSocket(
      () =>
        (this.target = next()).then(
          (t) => t.url,
          (error: unknown) => {
            this.failure = error;
            throw error;
          },
        ),
      (() => this.target?.then((t) => t.protocols)) as () => Promise<string[]>,
      {
        startClosed: true,
        maxEnqueuedMessages: 0,
        // No delay of its own before an attempt (SocketMachine waited already; see _wait), no timeout of its own
        // (SocketMachine's covers the token wait too and reports its own close code).
        minReconnectionDelay: 0,
        connectionTimeout: MAX_TIMER_MS,
        shouldReconnectOnClose: () => false,
      },
    );
    const internals = checkInternals(this.rws);
    internals._handleMessage = (event) => events.frame((event as MessageEvent).data);
    internals._handleError = (event) => {
      if (!('error' in event)) return; // the browser's own error event: its close event follows
      const why = this.failure ?? (event as ErrorEvent).error;
      this.failure = null;
      events.failed(why);
    };
    internals._wait = () => Promise.resolve();
    this.rws.onopen = () => events.open();
    this.rws.onclose = (event) => events.close(event.code, event.reason);
    this.rws.binaryType = 'arraybuffer';
  }

  get isOpen(): boolean {
    return this.rws.readyState === ReconnectingWebSocket.OPEN;
  }

  /** The extensions the server accepted (`permessage-deflate`…), or "" when none or not open. */
  get extensions(): string {
    return this.rws.extensions;
  }

  /** The subprotocol the server selected, or "". */
  get protocol(): string {
    return this.rws.protocol;
  }

  /** Starts one attempt. Only while no socket is connecting or open. */
  attempt(): void {
    this.failure = null;
    this.rws.reconnect();
  }

  send(text: string): void {
    this.rws.send(text);
  }

  /**
   * Closes the connecting or open socket with this code; `close` is reported at once (partysocket
   * dispatches it synchronously). An attempt still waiting for its target never connects.
   */
  close(code: number, reason: string): void {
    this.rws.close(code, reason);
  }
}
