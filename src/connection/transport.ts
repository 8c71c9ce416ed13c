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
 * The browser's WebSocket, one attempt per `attempt()` call, never on its own: `SocketMachine` owns every
 * timer (delays, the attempt deadline, retries), so this is only the part that needs a socket.
 * - An attempt asks `next()` for its target in a microtask, never on a timer (a background tab throttles
 *   timers: Firefox up to 1 s), and not in the task that started it (`connect(); disconnect()` in one task
 *   never reads the token). One attempt at a time: `attempt()` while a target is awaited does nothing.
 * - A frame is handed on as the socket's `data`, nothing copied; the browser's `error` event is ignored
 *   (its `close` event follows, with the real code).
 * - `close(code, reason)` reports `close` at once with that code, and nothing more from that socket; a
 *   target that resolves after it never connects.
 * (Until this file, partysocket 1.3.0 did this with its retries, queue and timers turned off and three of
 * its internals replaced; the same behaviour, without 2 KB min+gzip of script-tag bundle.)
 */
export class Transport {
  private ws: WebSocket | null = null;
  private asking = false;
  private closed = false;

  /** `next` is called once at the start of every attempt and resolves with where to connect. */
  constructor(
    private readonly next: () => Promise<SocketTarget>,
    private readonly events: TransportEvents,
  ) {}

  get isOpen(): boolean {
    return !this.closed && this.ws?.readyState === WebSocket.OPEN;
  }

  /** The extensions the server accepted (`permessage-deflate`…), or "" when none or not open. */
  get extensions(): string {
    return this.ws?.extensions ?? '';
  }

  /** The subprotocol the server selected, or "". */
  get protocol(): string {
    return this.ws?.protocol ?? '';
  }

  /** Starts one attempt. Only while no socket is connecting or open (one that is, is closed first, reported with 1000). */
  attempt(): void {
    this.closed = false;
    if (this.live()) this.disconnect(1000, '');
    if (this.asking) return;
    this.asking = true;
    this.detach();
    Promise.resolve()
      .then(() => this.next())
      .then(({ url, protocols }) => {
        this.asking = false;
        if (this.closed) return;
        const ws = (this.ws = protocols ? new WebSocket(url, protocols) : new WebSocket(url));
        ws.binaryType = 'arraybuffer';
        ws.onopen = () => this.events.open();
        ws.onmessage = (event) => this.events.frame(event.data);
        ws.onclose = (event) => this.events.close(event.code, event.reason);
      })
      .catch((error: unknown) => {
        this.asking = false;
        this.events.failed(error);
      });
  }

  send(text: string): void {
    if (this.isOpen) this.ws!.send(text);
  }

  /**
   * Closes the connecting or open socket with this code; `close` is reported at once. An attempt still
   * waiting for its target never connects.
   */
  close(code: number, reason: string): void {
    this.closed = true;
    if (this.live()) this.disconnect(code, reason);
  }

  private live(): boolean {
    return this.ws !== null && this.ws.readyState < WebSocket.CLOSING;
  }

  private disconnect(code: number, reason: string): void {
    this.detach();
    try {
      this.ws!.close(code, reason);
      this.events.close(code, reason);
    } catch {
      // An invalid code (the browser throws): nothing closed, nothing reported.
    }
  }

  private detach(): void {
    if (this.ws) this.ws.onopen = this.ws.onmessage = this.ws.onclose = null;
  }
}
