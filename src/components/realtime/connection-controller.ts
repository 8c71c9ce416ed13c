import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { BoundedQueue } from '../../internal/bounded-queue.js';
import {
  CLOSED_BY_PAGE,
  sameIdentity,
  type ConnectionSettings,
  type PageSocket,
  type SocketIdentity,
  type SocketMember,
} from '../../connection/socket-machine.js';
import { renameSocket, socketFor } from '../../connection/socket-registry.js';
import type { KimiConnectionMetrics } from '../../connection/connection-metrics.js';
import type { KimiErrorDetail } from '../../events/kimi-error-event.js';
import type { ConnectionState, KimiStatusDetail } from '../../events/kimi-status-event.js';
import { FrameProblem, excerptOf } from '../../protocol/parse-frame.js';
import type { KimiMessage } from '../../protocol/messages.js';
import { replyKey, replyTypeOf, type KimiReplyMap, type KimiRequestCommand } from '../../protocol/requests.js';
import { KimiRequestError, newRequestId, type KimiRequestErrorKind, type KimiRequestOptions } from './requests.js';
import { MAX_TIMER_MS, readNumberOption } from '../../internal/options.js';

export type { TokenSource, ConnectionSettings } from '../../connection/socket-machine.js';

/** A command on its way: its text, the reply it awaits (`replyKey`), and the request waiting for that reply. */
interface Outgoing {
  text: string;
  reply: string | undefined;
  request: PendingRequest | null;
}

interface PendingRequest {
  readonly reply: string;
  readonly type: string;
  readonly requestId: unknown;
  readonly out: Outgoing;
  resolve(message: KimiMessage): void;
  fail(kind: KimiRequestErrorKind, message: string, cause?: unknown): void;
  /** Written to the socket: only its connection can bring the reply. */
  sent: boolean;
}

const REQUEST_TIMEOUT = { fallback: 30_000, min: 0, max: MAX_TIMER_MS };

export interface ConnectionEvents {
  onFrame(message: KimiMessage | FrameProblem, bytes: number): void;
  onSkip(bytes: number): void;
  onStatus(detail: KimiStatusDetail): void;
  onError(detail: KimiErrorDetail): void;
}

/**
 * The connection of one `<kimi-realtime>`: joins a socket (`SocketMachine`) when the host is attached,
 * leaves it when the host leaves (unless it comes back in the same task), and keeps what is the
 * element's own: its state as last told, its counters, and the queue of what it sends while not open.
 * Elements with the same URL and credentials share the page's socket (`socketFor`); the socket closes
 * when the last one leaves.
 */
export class ConnectionController implements ReactiveController, SocketMember {
  state: ConnectionState = 'closed';
  attempt = 0;
  lastCloseCode: number | null = null;
  lastCloseReason = '';
  reconnects = 0;
  /** When false the host connects only through `connect()`. */
  auto = true;

  private socket: PageSocket | null = null;
  private checking = false;
  private told: KimiStatusDetail | null = null;
  private everOpened = false;
  private readonly queue: BoundedQueue<Outgoing>;
  private readonly requests = new Set<PendingRequest>();
  private departure: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly host: ReactiveControllerHost & HTMLElement,
    readonly settings: ConnectionSettings & { readonly maxQueue: number },
    private readonly events: ConnectionEvents,
    private readonly identityOf: () => SocketIdentity,
  ) {
    this.queue = new BoundedQueue(settings.maxQueue);
    host.addController(this);
  }

  /** The socket this element wants now. */
  get identity(): SocketIdentity {
    return this.identityOf();
  }

  get queueDepth(): number {
    return this.queue.size;
  }

  /** The socket's metrics, or null while not connected. */
  get metrics(): KimiConnectionMetrics | null {
    return this.socket?.snapshot ?? null;
  }

  /** Epoch ms of the current connection's opening, or null when not open. */
  get connectedSince(): number | null {
    return this.socket?.connectedSince ?? null;
  }

  hostConnected(): void {
    // A document with no window (made by DOMImplementation, or of a removed iframe) holds no socket.
    const view = this.host.ownerDocument.defaultView;
    this.watch(view);
    if (this.departure !== null) {
      // Moved within the page in one task: keep the connection.
      clearTimeout(this.departure);
      this.departure = null;
      if (!view) this.disconnect();
      return;
    }
    if (this.auto && view) this.connect();
  }

  hostDisconnected(): void {
    if (!this.socket) return;
    this.departure = setTimeout(() => {
      this.departure = null;
      this.disconnect();
    }, 0);
  }

  /**
   * The host lives in another window's document (adopted into an iframe): when that document goes
   * away (the iframe removed or navigated), the browser never disconnects the host, so the socket is
   * left here, on the window's `pagehide`.
   */
  private watch(view: Window | null): void {
    if (view === this.watched) return;
    this.watched?.removeEventListener('pagehide', this.documentGone);
    this.watched = view === window ? null : view;
    this.watched?.addEventListener('pagehide', this.documentGone);
  }

  private watched: Window | null = null;

  private readonly documentGone = (): void => {
    this.watch(null);
    this.disconnect();
  };

  /** Opens the connection, or retries at once when a retry is waiting. */
  connect(): void {
    if (this.socket) {
      this.socket.retryNow();
      return;
    }
    this.socket = socketFor(this.identity);
    this.socket.join(this);
  }

  /**
   * The URL, credentials or `own-connection` changed: move to the socket they now name, if connected.
   * Checked at the end of the task, so a page that changes the token of every element at once keeps
   * their socket: when only the credentials changed, and alike for every element on the socket, the
   * socket takes them for its next attempt without reconnecting (as a lone element always did).
   */
  identityChanged(): void {
    if (this.checking) return;
    this.checking = true;
    queueMicrotask(() => {
      this.checking = false;
      const socket = this.socket;
      const wanted = this.identity;
      if (!socket || sameIdentity(socket.identity, wanted)) return;
      const same = socket.identity.url === wanted.url && socket.members.every((m) => sameIdentity(m.identity, wanted));
      if (same && renameSocket(socket, wanted)) return;
      this.disconnect();
      this.connect();
    });
  }

  /** Leaves the connection (closing the socket) and stops retrying. Queued messages are kept for the next `connect()`. */
  disconnect(): void {
    if (this.departure !== null) {
      clearTimeout(this.departure);
      this.departure = null;
    }
    const socket = this.socket;
    if (!socket) return;
    this.socket = null;
    socket.leave(this);
    this.failRequests(false, 'the element was disconnected');
    if (this.state === 'open') {
      this.lastCloseCode = CLOSED_BY_PAGE;
      this.lastCloseReason = 'closed by page';
    }
    this.status({ state: 'closed', attempt: this.attempt, nextRetryAt: null, closeCode: this.lastCloseCode, closeReason: this.lastCloseReason });
  }

  /** Retries at once if a retry is waiting. Returns whether it did. */
  retryNow(): boolean {
    return this.socket?.retryNow() ?? false;
  }

  /**
   * Serializes and sends, or queues while not open. Returns true when sent now. A command with a
   * reply gets a `requestId` when it has none, so its reply reaches this element only.
   */
  send(message: unknown): boolean {
    const out = this.outgoing(message, (what) => this.events.onError({ kind: 'unserializable', message: `send() ${what}.` }));
    return out !== null && this.write(out);
  }

  /** Sends a command and resolves with its reply; see `KimiRealtime.request`. */
  request<C extends KimiRequestCommand>(command: C, options: KimiRequestOptions = {}): Promise<KimiReplyMap[C['type']]> {
    const { value, type, replyType, requestId } = addressed(command, true);
    return new Promise((resolve, reject) => {
      const fail = (kind: KimiRequestErrorKind, message: string, cause?: unknown): void =>
        reject(new KimiRequestError(kind, `${type} (requestId ${JSON.stringify(requestId)}): ${message}.`, type, requestId, { cause }));
      const timeout = readNumberOption(options.timeout, REQUEST_TIMEOUT);
      if (!replyType) return fail('invalid', 'not a command with a reply (memory_compress_preview, memory_compress_execute, memory_similarity_search)');
      if (timeout === undefined) return fail('invalid', `timeout must be a number of ms from 0 to ${MAX_TIMER_MS}`);
      const { signal } = options;
      if (signal?.aborted) return fail('aborted', 'aborted before it was sent', signal.reason);
      if (!this.socket) return fail('disconnected', `the element is not connected (${this.state})`);
      const out = this.outgoing(value, (what) => fail('invalid', what));
      if (!out) return;
      const timer = setTimeout(() => request.fail('timeout', `no reply within ${timeout} ms`), timeout);
      const onAbort = (): void => request.fail('aborted', 'aborted', signal?.reason);
      const settle = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.requests.delete(request);
        // A command still waiting to be sent never is.
        if (!request.sent) this.queue.remove(out);
      };
      const request: PendingRequest = {
        reply: out.reply!,
        type,
        requestId,
        out,
        sent: false,
        resolve: (message) => {
          settle();
          resolve(message as KimiReplyMap[C['type']]);
        },
        fail: (kind, message, cause) => {
          settle();
          // Given up on a written command: its reply slot no longer counts against the socket's bound (a late reply is still this element's event).
          if (request.sent && (kind === 'timeout' || kind === 'aborted')) this.socket?.expire(this, request);
          fail(kind, message, cause);
        },
      };
      out.request = request;
      this.requests.add(request);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.write(out);
    });
  }

  /** The text of a message (a command with a reply gets a `requestId`), or null when JSON cannot represent it. */
  private outgoing(message: unknown, refuse: (what: string) => void): Outgoing | null {
    const { value, replyType, requestId } = addressed(message, false);
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      refuse(`could not serialize the message: ${(error as Error).message}`);
      return null;
    }
    if (text === undefined) {
      refuse('was given a value JSON cannot represent');
      return null;
    }
    return { text, reply: replyType && replyKey(replyType, requestId), request: null };
  }

  /** Sends now when open and nothing waits, else queues. Returns true when sent now. */
  private write(out: Outgoing): boolean {
    if (this.socket?.isOpen && this.queue.size === 0) return this.transmit(out);
    if (!this.queue.push(out)) this.refuseQueued(out);
    return false;
  }

  /** Hands `out` to the socket; a command the socket refuses (a bound is reached) is reported. Returns whether it was accepted. */
  private transmit(out: Outgoing): boolean {
    const refused = this.socket!.send(out.text, out.reply, this, out.request ?? undefined);
    if (refused !== undefined) {
      this.unsent(out.text, false, refused, out.request);
      return false;
    }
    if (out.request) out.request.sent = true;
    return true;
  }

  /**
   * A command that was not written (`written` false: refused by a bound), or whose fate is unknown
   * (the tab holding the socket went away before confirming it): its request (`ref`) is rejected, a
   * plain command is reported as `kimi:error` with the command. Never sent again.
   */
  unsent(text: string, written: false | 'unknown', why: string, ref: unknown): void {
    const request = ref as PendingRequest | null | undefined;
    if (request) {
      if (this.requests.has(request)) request.fail(written === false ? 'refused' : 'disconnected', why);
      return;
    }
    this.events.onError({
      kind: written === false ? 'send-refused' : 'send-unconfirmed',
      message: `send(): ${why}.`,
      excerpt: excerptOf(text),
      dropped: JSON.parse(text),
    });
  }

  /**
   * Rejects the requests that can no longer be answered: those already sent (the connection that
   * would answer them is gone), and with `sentOnly` false the queued ones too (the element left).
   */
  private failRequests(sentOnly: boolean, why: string): void {
    for (const request of [...this.requests]) if (request.sent || !sentOnly) request.fail('disconnected', why);
  }

  /**
   * Applies a new `max-queue`. Queued messages are kept, also beyond a smaller bound (they were
   * accepted): new ones are refused until the queue has drained below it.
   */
  resizeQueue(capacity: number): void {
    this.queue.resize(capacity);
  }

  /** A message the full queue refused: never sent, reported with the message (a request is rejected instead). */
  private refuseQueued({ text, request }: Outgoing): void {
    const why = `refused: the send queue is full (max-queue ${this.queue.capacity})`;
    if (request) return request.fail('queue-overflow', why);
    this.events.onError({
      kind: 'queue-overflow',
      message: `send() ${why}.`,
      excerpt: excerptOf(text),
      dropped: JSON.parse(text),
    });
  }

  /** From the socket (and `disconnect()`): the state changed or a retry was scheduled. */
  status(detail: KimiStatusDetail): void {
    // A socket of another tab may repeat itself (a tab joining asks for it): told once.
    const last = this.told;
    if (
      last &&
      last.state === detail.state &&
      last.attempt === detail.attempt &&
      last.nextRetryAt === detail.nextRetryAt &&
      last.closeCode === detail.closeCode
    )
      return;
    this.told = detail;
    if (detail.closeCode !== null) {
      this.lastCloseCode = detail.closeCode;
      this.lastCloseReason = detail.closeReason;
    }
    this.attempt = detail.attempt;
    // The socket closed by itself (credentials refused): it is not ours any more.
    if (detail.state === 'closed') this.socket = null;
    if (detail.state !== 'open')
      this.failRequests(detail.state !== 'closed', `the connection closed before the reply came (code ${detail.closeCode ?? 'none'})`);
    const opened = detail.state === 'open' && this.state !== 'open';
    if (opened) {
      if (this.everOpened) this.reconnects++;
      this.everOpened = true;
    }
    this.state = detail.state;
    this.events.onStatus(detail);
    if (opened) this.flush();
  }

  error(detail: KimiErrorDetail): void {
    this.events.onError(detail);
  }

  frame(message: KimiMessage | FrameProblem, bytes: number, _data?: unknown, ref?: unknown): void {
    this.events.onFrame(message, bytes);
    // The reply to one of this element's requests (the socket found whose it is): the event went out first.
    const request = ref as PendingRequest | undefined;
    if (request && this.requests.has(request)) request.resolve(message as KimiMessage);
  }

  skip(bytes: number): void {
    this.events.onSkip(bytes);
  }

  /** Sends what waited, once and in order: the queue is emptied as it is sent, on this one path. */
  private flush(): void {
    let out: Outgoing | undefined;
    while (this.socket?.isOpen && (out = this.queue.shift()) !== undefined) this.transmit(out);
  }
}

/**
 * A message as it is sent: a command with a reply gets a `requestId` when it has none (so its reply
 * reaches this element only); `forRequest`: a request's id is minted even for a command without
 * reply, to name it in the rejection. The one place ids are minted and reply types looked up.
 */
function addressed(message: unknown, forRequest: boolean): { value: unknown; type: string; replyType: string | undefined; requestId: unknown } {
  const type = (message as { type?: unknown } | null)?.type;
  const replyType = replyTypeOf(type);
  let requestId = (message as { requestId?: unknown } | null)?.requestId;
  let value = message;
  if (requestId === undefined && (replyType !== undefined || forRequest)) {
    requestId = newRequestId();
    if (replyType !== undefined) value = { ...(message as object), requestId };
  }
  return { value, type: String(type), replyType, requestId };
}
