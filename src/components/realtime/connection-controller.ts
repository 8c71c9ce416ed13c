import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { BoundedQueue } from '../../internal/bounded-queue.js';
import { CLOSED_BY_PAGE, sameIdentity, type ConnectionSettings, type SocketIdentity, type SocketMachine, type SocketMember } from '../../internal/socket-machine.js';
import { renameSocket, socketFor } from '../../internal/socket-registry.js';
import type { KimiErrorDetail } from '../../events/kimi-error-event.js';
import type { ConnectionState, KimiStatusDetail } from '../../events/kimi-status-event.js';
import { excerptOf, type FrameProblem } from '../../protocol/parse-frame.js';
import type { KimiMessage } from '../../protocol/messages.js';

export type { TokenSource, ConnectionSettings } from '../../internal/socket-machine.js';

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

  private socket: SocketMachine | null = null;
  private checking = false;
  private everOpened = false;
  private readonly queue: BoundedQueue<string>;
  private departure: ReturnType<typeof setTimeout> | null = null;

  constructor(
    host: ReactiveControllerHost & HTMLElement,
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

  /** Epoch ms of the current connection's opening, or null when not open. */
  get connectedSince(): number | null {
    return this.socket?.connectedSince ?? null;
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
    const overflow = this.queue.push(text);
    if (overflow) this.reportDropped(overflow.dropped);
    return false;
  }

  /** Applies a new `max-queue`; the oldest messages beyond it are dropped and reported. */
  resizeQueue(capacity: number): void {
    if (capacity === this.queue.capacity) return;
    for (const dropped of this.queue.resize(capacity)) this.reportDropped(dropped);
  }

  private reportDropped(text: string): void {
    this.events.onError({
      kind: 'queue-overflow',
      message: `The send queue is full (max-queue ${this.queue.capacity}); the oldest queued message was dropped.`,
      excerpt: excerptOf(text),
      dropped: JSON.parse(text),
    });
  }

  /** From the socket (and `disconnect()`): the state changed or a retry was scheduled. */
  status(detail: KimiStatusDetail): void {
    if (detail.closeCode !== null) {
      this.lastCloseCode = detail.closeCode;
      this.lastCloseReason = detail.closeReason;
    }
    this.attempt = detail.attempt;
    // The socket closed by itself (credentials refused): it is not ours any more.
    if (detail.state === 'closed') this.socket = null;
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

  frame(message: KimiMessage | FrameProblem, bytes: number): void {
    this.events.onFrame(message, bytes);
  }

  skip(bytes: number): void {
    this.events.onSkip(bytes);
  }

  /** Sends what waited, once and in order: the queue is emptied as it is sent, on this one path. */
  private flush(): void {
    let text: string | undefined;
    while (this.socket?.isOpen && (text = this.queue.shift()) !== undefined) this.socket.send(text);
  }
}
