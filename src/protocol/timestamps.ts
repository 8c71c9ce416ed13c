/**
 * Kimi Proxy sends three timestamp formats, none with a zone (PROTOCOL.md §2.3):
 * - SQLite `"2026-05-07 07:05:58"`: UTC.
 * - Python naive ISO `"2026-05-07T09:06:04.918273"` (fraction omitted when 0): the server's local time.
 * - epoch integers (`cline_usage_updated.latest_ts`): milliseconds, or seconds if small.
 */

export interface TimestampOptions {
  /**
   * Offset of the server's clock from UTC in minutes (UTC+2 → 120), for naive ISO timestamps.
   * Defaults to the browser's own offset at that date: right when the proxy runs on the same
   * machine as the browser, which is how Kimi Proxy is used.
   */
  serverUtcOffsetMinutes?: number;
}

const SQLITE = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const NAIVE_ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/;
/** Below this an epoch number is taken as seconds (1e11 s is year 5138; 1e11 ms is 1973). */
const SECONDS_LIMIT = 1e11;

/** Epoch milliseconds of a Kimi Proxy timestamp, or `NaN` when it cannot be read. */
export function parseKimiTimestamp(value: unknown, options: TimestampOptions = {}): number {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return NaN;
    return Math.abs(value) < SECONDS_LIMIT ? value * 1000 : value;
  }
  if (typeof value !== 'string') return NaN;
  let m = SQLITE.exec(value);
  if (m) return Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  m = NAIVE_ISO.exec(value);
  if (m) {
    const fraction = m[7] ? Number(`0.${m[7]}`) * 1000 : 0;
    const asUtc = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!) + fraction;
    const offset = options.serverUtcOffsetMinutes ?? -new Date(asUtc).getTimezoneOffset();
    return asUtc - offset * 60_000;
  }
  // An ISO string with an explicit zone (a future server) is unambiguous.
  if (/T.*(?:Z|[+-]\d{2}:?\d{2})$/.test(value)) return Date.parse(value);
  return NaN;
}
