import type { FrameProblemKind } from '../protocol/parse-frame.js';

/**
 * What went wrong. Frame problems come from the server's side; the rest from the page's use or
 * from the connection.
 * - `unknown-type`: a `type` this version does not know (delivered anyway; reported once per type).
 * - `reserved-type`: a server `type` named like a lifecycle event; delivered as `kimi:message` only.
 * - `queue-overflow`: `send()` while offline with a full queue; the oldest queued message was dropped.
 * - `unserializable`: `send()` was given something JSON cannot represent; nothing was sent.
 * - `auth`: the server closed with an authentication close code; retries stopped.
 * - `idle-timeout`: nothing arrived within `idle-timeout`; the connection was recycled.
 * - `connection`: a connection attempt failed (details in `message`).
 * - `hydration`: the session's history could not be loaded over HTTP (live frames carry on).
 * - `session-not-found`: the server does not know the session asked for.
 */
export type KimiErrorKind =
  | FrameProblemKind
  | 'unknown-type'
  | 'reserved-type'
  | 'queue-overflow'
  | 'unserializable'
  | 'auth'
  | 'idle-timeout'
  | 'connection'
  | 'hydration'
  | 'session-not-found';

export interface KimiErrorDetail {
  kind: KimiErrorKind;
  /** A sentence for people. */
  message: string;
  /** Start of the offending frame or message, when there is one. */
  excerpt?: string;
  /** For frame problems: true when the message could still be read and was delivered. */
  recovered?: boolean;
  /** For `queue-overflow`: the message that was dropped, as it was passed to `send()`. */
  dropped?: unknown;
  /** For `auth` and connection problems. */
  closeCode?: number;
}

/** `kimi:error`: something went wrong and the element carried on. Bubbles and is composed. */
export class KimiErrorEvent extends CustomEvent<KimiErrorDetail> {
  constructor(detail: KimiErrorDetail) {
    super('kimi:error', { detail, bubbles: true, composed: true });
  }
}
