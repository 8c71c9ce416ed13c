import { MIN_TIME } from './ranges.js';
import { parseKimiTimestamp } from './timestamps.js';

/**
 * The server's clock as this browser sees it. Kimi Proxy stamps frames with its local time and no
 * offset, and metrics rows with UTC (PROTOCOL.md §2.3, §15). `log_metric` is stamped at send time,
 * so its distance to the arrival time is the server's UTC offset (rounded to 15 minutes: every zone
 * is a multiple) plus the clock skew between the two machines (the rest). Both are learned from
 * those frames unless the page sets the offset; every server time is then put on this browser's
 * clock, so live readings (stamped on arrival) and history (stamped by the server) line up.
 */
const QUARTER_HOUR = 15 * 60_000;
/** Farthest zones from UTC: −12:00 and +14:00. */
const MAX_OFFSET_MINUTES = 14 * 60;
const NAIVE_ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?$/;

export class ServerClock {
  /** Offset set by the page, minutes east of UTC; null to learn it. */
  fixedOffset: number | null = null;
  /** Server clock minus browser clock, ms (network delay included), learned from log frames. */
  skew = 0;
  private learnedOffset: number | null = null;
  private samples = 0;

  /** The server's UTC offset in minutes (UTC+1 → 60), set or learned; null while unknown. */
  get offsetMinutes(): number | null {
    return this.fixedOffset ?? this.learnedOffset;
  }

  /** Learns from a naive local timestamp taken by the server at send time and received at `arrival`. */
  observe(stamp: unknown, arrival: number): void {
    if (typeof stamp !== 'string' || !NAIVE_ISO.test(stamp)) return;
    const asUtc = parseKimiTimestamp(stamp, { serverUtcOffsetMinutes: 0 });
    if (!Number.isFinite(asUtc)) return;
    const difference = asUtc - arrival;
    if (this.fixedOffset === null) {
      const minutes = Math.round(difference / QUARTER_HOUR) * 15;
      if (Math.abs(minutes) > MAX_OFFSET_MINUTES) return;
      this.learnedOffset = minutes;
    }
    const residual = difference - (this.offsetMinutes ?? 0) * 60_000;
    if (Math.abs(residual) >= QUARTER_HOUR / 2) return;
    // A running mean over the first frames, then a slow average: one late frame must not move the axis.
    this.samples++;
    this.skew += (residual - this.skew) / Math.min(this.samples, 20);
  }

  /**
   * Epoch ms on this browser's clock of a server timestamp (naive local ISO, SQLite UTC or epoch
   * number); NaN when unreadable. While the offset is unknown, naive times are read in the
   * browser's own zone (the proxy usually runs on the same machine).
   */
  toBrowserTime(value: unknown): number {
    const offset = this.offsetMinutes;
    const time = parseKimiTimestamp(value, offset === null ? {} : { serverUtcOffsetMinutes: offset });
    return time - this.skew;
  }

  /**
   * A server time of something that arrived at `arrival` (epoch ms, this browser's clock), on this
   * browser's clock: never later than `arrival`, since nothing is stamped after it arrived. A server
   * clock ahead with no log frame to learn it from, or a row stamped `2099-…`, would otherwise put a
   * reading after every one that comes next and hide them. NaN when unreadable or before 2000.
   */
  readAt(value: unknown, arrival: number): number {
    const time = this.toBrowserTime(value);
    return time >= MIN_TIME ? Math.min(time, arrival) : NaN;
  }

  /** Forgets what was learned (another server). */
  reset(): void {
    this.learnedOffset = null;
    this.skew = 0;
    this.samples = 0;
  }
}
