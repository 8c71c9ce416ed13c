import type { FrameProblemKind } from '../protocol/parse-frame.js';

/**
 * What went wrong. Frame problems come from the server's side; the rest from the page's use or
 * from the connection.
 * - `unknown-type`: a `type` this version does not know (delivered anyway; reported once per type).
 * - `reserved-type`: a server `type` named like an event the library dispatches itself
 *   (`message`, `status`, `error`, `alert-dismiss`, …); delivered as `kimi:message` only.
 * - `invalid-session-id`: a session reference (`session_id`, `session.id`, `session_ids`) that is not
 *   a string or a finite number; the frame is dropped and counted in `stats.malformed`.
 * - `out-of-range`: a usage frame (`metric_updated`, `log_metric`, `metric`, a history row of `init` or hydration) whose
 *   figures are out of range or contradict each other gave no reading (`kimi:metric`); the message
 *   names the field and its value (`excerpt`: the frame type). The frame is still delivered as `kimi:<type>`.
 *   Reported once per frame type and field.
 * - `invalid-option`: an attribute or property value that is not valid; the default is used instead.
 * - `queue-overflow`: `send()` while offline with a full queue (`max-queue`): this message was refused,
 *   not sent (`dropped` holds it); the queued ones are kept.
 * - `unserializable`: `send()` was given something JSON cannot represent; nothing was sent.
 * - `send-refused`: a command of `send()` was not sent: a bound of the shared connection was reached
 *   (`dropped` holds it).
 * - `send-unconfirmed`: the tab holding the shared connection went away before confirming a command of
 *   `send()` was written; it may or may not have reached the server and is not sent again (`dropped`).
 * - `auth`: the server closed with an authentication close code; retries stopped.
 * - `idle-timeout`: nothing arrived within `idle-timeout`; the connection was recycled.
 * - `token`: the token provider threw, returned something other than a string, or did not settle
 *   within `connect-timeout`; the attempt is retried with the normal backoff.
 * - `connection`: a connection attempt failed (details in `message`); one per failed attempt.
 * - `hydration`: the session's history could not be loaded over HTTP (live frames carry on).
 * - `session-not-found`: the server does not know the session asked for.
 * - `no-live-endpoint`: the server has no live stream to connect to (Kimi Proxy 2.x removed `/ws`);
 *   reported once per address, retries then wait the longest delay. Run `kimi-tap` in front of it.
 */
export type KimiErrorKind =
  | FrameProblemKind
  | 'unknown-type'
  | 'reserved-type'
  | 'invalid-session-id'
  | 'out-of-range'
  | 'invalid-option'
  | 'token'
  | 'queue-overflow'
  | 'unserializable'
  | 'send-refused'
  | 'send-unconfirmed'
  | 'auth'
  | 'idle-timeout'
  | 'connection'
  | 'hydration'
  | 'session-not-found'
  | 'no-live-endpoint';

export interface KimiErrorDetail {
  kind: KimiErrorKind;
  /** A sentence for people. */
  message: string;
  /** Start of the offending frame or message, when there is one. */
  excerpt?: string;
  /** For frame problems: true when the message could still be read and was delivered. */
  recovered?: boolean;
  /** For `queue-overflow` (refused), `send-refused`, `send-unconfirmed`: the message not sent, as it was passed to `send()` (its `requestId` added). */
  dropped?: unknown;
  /** For `auth` and `connection`: the close code (4408 when the attempt exceeded `connect-timeout`). */
  closeCode?: number;
  /** For `invalid-option`: the attribute name. */
  option?: string;
}

/** `kimi:error`: something went wrong and the element carried on. Bubbles and is composed. */
export class KimiErrorEvent extends CustomEvent<KimiErrorDetail> {
  constructor(detail: KimiErrorDetail) {
    super('kimi:error', { detail, bubbles: true, composed: true });
  }
}
