// Wire-format helpers that make the simulator's text byte-compatible with the real
// Python server: compact JSON, raw UTF-8, whole floats written as `1.0`, and the three
// timestamp formats of docs/PROTOCOL.md §2.3.

/**
 * Python's float repr for the values we produce: whole numbers keep a `.0`
 * (JSON.stringify would write `0`), everything else is the shortest round-trip form,
 * which V8 and CPython agree on.
 * @param {number} x
 * @returns {string}
 */
export function pyFloat(x) {
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

/** Keys whose numeric values are Python floats on the real server (so `0` must go out as `0.0`). */
export const FLOAT_KEYS = new Set([
  'percentage',
  'cumulative_percentage',
  'memory_ratio',
  'avg_tokens',
  'auto_compaction_threshold',
  'compaction_ratio',
  'compression_ratio',
  'threshold_used',
  'similarity_score',
]);

/**
 * Compact JSON like Python's `json.dumps(obj, separators=(',', ':'), ensure_ascii=False)`,
 * with FLOAT_KEYS written as floats. Used for rare frames (init, replies); hot streamed
 * frames are built with template strings instead.
 * @param {unknown} value
 * @param {string} [key]
 * @returns {string}
 */
export function dumps(value, key) {
  if (value === null || value === undefined) return 'null';
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN';
      return key !== undefined && FLOAT_KEYS.has(key) ? pyFloat(value) : String(value);
    case 'string':
      return JSON.stringify(value);
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => dumps(v, key)).join(',')}]`;
      const parts = [];
      for (const k of Object.keys(value)) {
        if (value[k] === undefined) continue;
        parts.push(`${JSON.stringify(k)}:${dumps(value[k], k)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default:
      return 'null';
  }
}

const pad2 = (n) => (n < 10 ? `0${n}` : `${n}`);

/**
 * SQLite's CURRENT_TIMESTAMP format: UTC, space separator, seconds, no offset.
 * @param {number} ms epoch milliseconds
 */
export function sqliteUtc(ms) {
  const d = new Date(ms);
  return (
    `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} ` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`
  );
}

/** One formatter per IANA zone (creating one costs far more than using it). */
const zoneFormatters = new Map();

/**
 * Checks an IANA time zone name and returns it (undefined stays undefined: the process's zone).
 * @param {string|undefined} tz
 * @returns {string|undefined}
 */
export function checkTimeZone(tz) {
  if (tz === undefined) return undefined;
  if (typeof tz !== 'string' || !tz) throw new TypeError('tz must be an IANA time zone name such as "Europe/Paris"');
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw new RangeError(`unknown time zone "${tz}"`);
  }
  return tz;
}

/**
 * Offset of a zone from UTC at an instant, in ms (Paris in summer: +7,200,000). Without a zone, the
 * process's own zone. Intl knows the zone rules, so no time zone database is bundled here.
 * @param {number} ms epoch milliseconds
 * @param {string} [tz] IANA zone name
 */
export function zoneOffsetMs(ms, tz) {
  const sec = Math.floor(ms / 1000) * 1000;
  if (tz === undefined) return -new Date(sec).getTimezoneOffset() * 60_000;
  let f = zoneFormatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    zoneFormatters.set(tz, f);
  }
  const p = Object.fromEntries(f.formatToParts(sec).map(({ type, value }) => [type, Number(value)]));
  return Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second) - sec;
}

/**
 * Python `datetime.now().isoformat()`: naive local time, microseconds omitted when 0.
 * @param {number} ms epoch milliseconds
 * @param {number} [micros] 0..999999 within the second; defaults to the ms part
 * @param {string} [tz] IANA zone of the server's clock; the process's zone when absent
 */
export function localIso(ms, micros, tz) {
  const d = new Date(ms + zoneOffsetMs(ms, tz));
  const base =
    `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())}T` +
    `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
  const us = micros ?? Math.floor((((ms % 1000) + 1000) % 1000) * 1000);
  return us === 0 ? base : `${base}.${String(us).padStart(6, '0')}`;
}

/** Wall clock in ms with sub-millisecond precision (monotonic within a process). */
export const preciseNow = () => performance.timeOrigin + performance.now();

/**
 * Timestamp source for the hot path: Date formatting is done once per second and cached,
 * so a frame only pays for a string concatenation.
 */
export class Clock {
  /**
   * @param {() => number} [now] epoch ms, fractional part gives the microseconds
   * @param {string} [tz] IANA zone of the server's local time; the process's zone when absent
   */
  constructor(now = preciseNow, tz = undefined) {
    this.now = now;
    this.tz = checkTimeZone(tz);
    this._isoSec = -1;
    this._isoBase = '';
    this._sqlSec = -1;
    this._sql = '';
  }

  /** Local ISO of "now" (microseconds dropped when exactly 0, like Python). */
  iso() {
    const ms = this.now();
    const sec = Math.floor(ms / 1000);
    if (sec !== this._isoSec) {
      this._isoSec = sec;
      this._isoBase = localIso(sec * 1000, 0, this.tz);
    }
    const us = Math.floor((ms - sec * 1000) * 1000);
    return us === 0 ? this._isoBase : `${this._isoBase}.${String(us).padStart(6, '0')}`;
  }

  /** Local wall time `HH:MM:SS`, as in Python's `datetime.now().strftime('%H:%M:%S')`. */
  hms() {
    return this.iso().slice(11, 19);
  }

  /** SQLite UTC string for "now". */
  sqlite() {
    const ms = this.now();
    const sec = Math.floor(ms / 1000);
    if (sec !== this._sqlSec) {
      this._sqlSec = sec;
      this._sql = sqliteUtc(sec * 1000);
    }
    return this._sql;
  }
}
