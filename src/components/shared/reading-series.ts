import type { UsageReading } from '../../protocol/usage-readings.js';

export const DEFAULT_MAX_POINTS = 300;
const MIN_POINTS = 2;

/** `max-points` as a usable capacity: whole, at least 2; the default when not a number. */
export function capacityOf(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) ? Math.max(MIN_POINTS, Math.floor(n)) : DEFAULT_MAX_POINTS;
}

/**
 * Whether `held` comes after `reading`. A history row is placed by its metric id among requests (the
 * server numbers them in order, which no clock can upset); anything else by time. Live readings are
 * stamped no later than their arrival, and every time held is no later than its own: a live reading
 * comes after what arrived before it unless it carries an earlier time of its own (the tap's `ended_at`).
 */
const after = (held: UsageReading, reading: UsageReading): boolean =>
  reading.origin === 'history' && held.metricId !== null && reading.metricId !== null ? held.metricId > reading.metricId : held.time > reading.time;

/**
 * The readings of one source, in order, at most `capacity` (the oldest go first), each request once.
 * History and live readings merge here instead of replacing each other: a reconnect's `init` and
 * hydration rows slot in, and readings from frames that never had a row (log lines) stay.
 *
 * - Order: history rows by metric id among requests, everything else by time (see `after`). A row
 *   placed by its id keeps times in order: it is drawn no later than the reading after it and no
 *   earlier than the one before (a copy with that time is held), so a line never runs backwards and
 *   a row stamped in the future, or by a clock ahead, is never the newest.
 * - One time and one point per request: a request held from history and then seen live is replaced
 *   by the live reading, which keeps its own time (the tap's `ended_at`, or its arrival); a history
 *   row of a request already seen live is not added. Either way the request is where it was seen live.
 *
 * Appending in order is O(1); a late reading costs a short scan from the end.
 */
export class ReadingSeries {
  private items: UsageReading[] = [];
  /** The reading held for each metric id, so a request seen live and again in history counts once. */
  private readonly ids = new Map<number, UsageReading>();
  private cap: number;

  constructor(capacity: number = DEFAULT_MAX_POINTS) {
    this.cap = capacityOf(capacity);
  }

  get size(): number {
    return this.items.length;
  }

  get capacity(): number {
    return this.cap;
  }

  at(i: number): UsageReading | undefined {
    return this.items[i];
  }

  get last(): UsageReading | null {
    return this.items[this.items.length - 1] ?? null;
  }

  /** Adds a reading in order; false when it was already held or is older than a full window. */
  add(reading: UsageReading): boolean {
    const id = reading.metricId;
    const items = this.items;
    if (id !== null) {
      const held = this.ids.get(id);
      if (held) {
        // Only a live sighting replaces a history row of the same request.
        if (reading.origin !== 'live' || held.origin !== 'history') return false;
        items.splice(items.lastIndexOf(held), 1);
        this.ids.delete(id);
      }
    }
    let i = items.length;
    while (i > 0 && after(items[i - 1]!, reading)) i--;
    if (i === 0 && items.length >= this.cap) return false;
    let kept = reading;
    const next = items[i];
    const previous = items[i - 1];
    if (next && kept.time > next.time) kept = { ...kept, time: next.time };
    if (previous && kept.time < previous.time) kept = { ...kept, time: previous.time };
    if (i === items.length) items.push(kept);
    else items.splice(i, 0, kept);
    if (id !== null) this.ids.set(id, kept);
    while (items.length > this.cap) this.forget(items.shift()!);
    return true;
  }

  /** Position of a held reading, by identity; -1 when it is gone. */
  indexOf(reading: object | null): number {
    return reading ? this.items.lastIndexOf(reading as UsageReading) : -1;
  }

  resize(capacity: unknown): boolean {
    const cap = capacityOf(capacity);
    if (cap === this.cap) return false;
    this.cap = cap;
    while (this.items.length > cap) this.forget(this.items.shift()!);
    return true;
  }

  clear(): void {
    this.items = [];
    this.ids.clear();
  }

  toArray(): UsageReading[] {
    return this.items.slice();
  }

  private forget(reading: UsageReading): void {
    if (reading.metricId !== null) this.ids.delete(reading.metricId);
  }
}
