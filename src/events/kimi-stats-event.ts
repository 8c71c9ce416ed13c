import type { KimiConnectionMetrics } from '../connection/connection-metrics.js';

/** Counters of one `<kimi-realtime>` since it was created. */
export interface KimiRealtimeStats {
  /** Every frame received: always `delivered + filtered + malformed`. */
  framesReceived: number;
  /** Messages dispatched as events (recovered `NaN`/`Infinity` frames included). */
  delivered: number;
  /** Messages dropped on purpose: other sessions' ones, and `pong` replies while `ping-interval` is on. */
  filtered: number;
  /** Frames dropped as unreadable: not a JSON object with a string `type`, or a session reference that is not a string or a finite number. */
  malformed: number;
  /** Bytes received: text frames in UTF-8, exactly as sent (before any compression on the wire). */
  bytesIn: number;
  /** Connections opened after the first one. */
  reconnects: number;
  lastCloseCode: number | null;
  lastCloseReason: string;
  /** Messages waiting in the send queue. */
  queueDepth: number;
  /** Epoch ms of the current connection's opening, or null when not open. */
  connectedSince: number | null;
  /** The socket's metrics (shared by the elements on it), or null while not connected. */
  connection: KimiConnectionMetrics | null;
}

/**
 * `kimi:stats`: the element's `stats`, at most once a second, only while a listener is registered
 * on the element itself (a listener on an ancestor alone does not start it). Bubbles and is composed.
 */
export class KimiStatsEvent extends CustomEvent<KimiRealtimeStats> {
  constructor(detail: KimiRealtimeStats) {
    super('kimi:stats', { detail, bubbles: true, composed: true });
  }
}
