export interface KimiRequestOptions {
  /** ms to wait for the reply (0 – 2^31−1); default 30,000. The wait in the send queue counts. */
  timeout?: number;
  /** Aborting it rejects the request; a command still queued is then never sent. */
  signal?: AbortSignal;
}

/**
 * Why a `request()` was rejected:
 * - `timeout`: no reply within `timeout`;
 * - `aborted`: the signal was aborted (`cause` is its reason);
 * - `disconnected`: the element was not connected, or its connection closed (or it was disconnected,
 *   removed, or moved to another socket) before the reply came; the server answers on the asking
 *   connection only;
 * - `queue-overflow`: the send queue was full (`max-queue`): the command was refused, not sent;
 * - `refused`: a bound of the shared connection was reached (1,000 replies awaited on it, or 1,000
 *   commands of a tab awaiting the leader tab's confirmation); the command was not sent;
 * - `invalid`: not a command with a reply, not serializable, or a bad `timeout`.
 */
export type KimiRequestErrorKind = 'timeout' | 'aborted' | 'disconnected' | 'queue-overflow' | 'refused' | 'invalid';

/** The rejection of `request()`. */
export class KimiRequestError extends Error {
  override name = 'KimiRequestError';

  constructor(
    readonly kind: KimiRequestErrorKind,
    message: string,
    /** The command's type and its `requestId` (generated when absent). */
    readonly command: string,
    readonly requestId: unknown,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const PAGE = Math.random().toString(36).slice(2, 10);
let counter = 0;

/** A `requestId` no other request of this page (or, almost surely, any other tab) uses. */
export const newRequestId = (): string => `kimi-${PAGE}-${++counter}`;
