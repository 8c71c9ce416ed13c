import type { RequestFacts, UsageReading } from './usage-readings.js';
import type { RequestFailedMessage } from './messages.js';
import type { ServerClock } from './server-clock.js';
import { requestFacts } from './usage-readings.js';
import { sessionIdOf } from './session-filter.js';
import { rowId } from './ranges.js';

/**
 * The proxied requests of a sliding time window, each once, for totals and percentiles. Fed with
 * usage readings (`kimi:metric`, `proxy` source) and failures (`kimi:request_failed`); a request seen
 * live and again in history (a reconnect's `init`, hydration) counts once, by its metric id, and an
 * estimated row is replaced by the confirmed figures when they come. Memory is bounded: at most
 * `capacity` requests inside the window; past that a new request is refused and counted in
 * `refused` (a bound refuses, it never forgets: dropping an older one would change the totals).
 */

export interface LedgerEntry {
  metricId: number | null;
  sessionId: string | null;
  /** Epoch ms, browser clock: the reading's time. */
  time: number;
  request: RequestFacts;
  /** The request got no successful answer (`request_failed`, or a stream broken by `streaming_error`). */
  failed: boolean;
}

export const DEFAULT_LEDGER_CAPACITY = 10_000;

export class RequestLedger {
  private items: LedgerEntry[] = [];
  private readonly byId = new Map<number, LedgerEntry>();
  /** Requests refused because the window held `capacity` already. */
  refused = 0;
  /** Requests taken so far (new ones and confirmations of estimates): tells "more requests" from a re-pricing. */
  added = 0;

  constructor(
    /** Length of the window, ms; 0 keeps every request (up to `capacity`). */
    public windowMs = 0,
    public capacity = DEFAULT_LEDGER_CAPACITY,
  ) {}

  get size(): number {
    return this.items.length;
  }

  /** The requests in the window, oldest first (a copy). */
  entries(now: number): LedgerEntry[] {
    this.prune(now);
    return this.items.slice();
  }

  /** A `proxy` usage reading with request facts; false when ignored, already held or refused. */
  addReading(reading: UsageReading, now: number): boolean {
    if (reading.source !== 'proxy' || !reading.request) return false;
    // A metrics row of a request that failed (the tap keeps one, status ≥ 400) counts as an error:
    // failures survive a reload through hydration, as the successful requests do.
    const failed = (reading.request.status ?? 0) >= 400;
    return this.add({ metricId: reading.metricId, sessionId: reading.sessionId, time: reading.time, request: reading.request, failed }, now);
  }

  /** A `request_failed` frame (PROTOCOL.md §17.2), stamped `now` on arrival. */
  addFailure(message: RequestFailedMessage, now: number, clock?: ServerClock): boolean {
    const id = rowId(message.metric_id);
    return this.add(
      {
        metricId: id,
        sessionId: sessionIdOf(message.session_id) || null,
        time: now,
        request: requestFacts(message, null, null, false, clock, now),
        failed: true,
      },
      now,
    );
  }

  /** A `streaming_error`: the request of that metric id broke off; true when it is held. */
  markFailed(metricId: unknown): boolean {
    const entry = typeof metricId === 'number' ? this.byId.get(metricId) : undefined;
    if (!entry || entry.failed) return false;
    entry.failed = true;
    this.added++;
    return true;
  }

  add(entry: LedgerEntry, now: number): boolean {
    this.prune(now);
    if (this.windowMs > 0 && entry.time < now - this.windowMs) return false;
    const id = entry.metricId;
    const held = id === null ? undefined : this.byId.get(id);
    if (held) {
      // The confirmed counts of a request held as an estimate replace it; anything else is a repeat.
      if (!held.request.estimated || entry.request.estimated || entry.failed) return false;
      held.request = entry.request;
      this.added++;
      return true;
    }
    if (this.items.length >= this.capacity) {
      this.refused++;
      return false;
    }
    const items = this.items;
    let i = items.length;
    while (i > 0 && items[i - 1]!.time > entry.time) i--;
    if (i === items.length) items.push(entry);
    else items.splice(i, 0, entry);
    if (id !== null) this.byId.set(id, entry);
    this.added++;
    return true;
  }

  clear(): void {
    this.items = [];
    this.byId.clear();
    this.refused = 0;
  }

  /** Forgets the requests older than the window. */
  prune(now: number): void {
    if (this.windowMs <= 0) return;
    const limit = now - this.windowMs;
    let n = 0;
    while (n < this.items.length && this.items[n]!.time < limit) n++;
    if (!n) return;
    for (const gone of this.items.splice(0, n)) if (gone.metricId !== null) this.byId.delete(gone.metricId);
  }
}

/**
 * The p-th percentile (0–100) by the nearest-rank method: the smallest value with at least p % of
 * the values at or below it (`sorted[ceil(p/100 × n) − 1]`). Exact, an observed value, no
 * interpolation; null for no values.
 */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  const n = sorted.length;
  if (!n) return null;
  const rank = Math.min(n, Math.max(1, Math.ceil((p / 100) * n)));
  return sorted[rank - 1]!;
}
