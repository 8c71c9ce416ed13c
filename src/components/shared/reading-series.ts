import type { UsageReading } from '../../protocol/usage-readings.js';

export const DEFAULT_MAX_POINTS = 300;
const MIN_POINTS = 2;

/** `max-points` as a usable capacity: whole, at least 2; the default when not a number. */
export function capacityOf(value: unknown): number {
  const n = Number(value);
  return Number.isFinite(n) ? Math.max(MIN_POINTS, Math.floor(n)) : DEFAULT_MAX_POINTS;
}

/**
 * The readings of one source, in time order, at most `capacity` (the oldest go first), each request
 * once. History and live readings merge here instead of replacing each other: a reconnect's `init`
 * and hydration rows slot in by time, a request already held (same `metricId`) is not added again,
 * and readings from frames that never had a row (log lines) stay. Appending in time order is O(1);
 * a late reading costs a short scan from the end.
 */
export class ReadingSeries {
  private items: UsageReading[] = [];
  /** Metric ids held, so a request seen live and again in history counts once. */
  private readonly ids = new Set<number>();
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

  /** Adds a reading in time order; false when it was already held or is older than a full window. */
  add(reading: UsageReading): boolean {
    const id = reading.metricId;
    if (id !== null && this.ids.has(id)) return false;
    const items = this.items;
    let i = items.length;
    while (i > 0 && items[i - 1]!.time > reading.time) i--;
    if (i === 0 && items.length >= this.cap) return false;
    if (i === items.length) items.push(reading);
    else items.splice(i, 0, reading);
    if (id !== null) this.ids.add(id);
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
