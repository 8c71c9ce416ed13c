// Wire-format helpers that make the simulator's text byte-compatible with the real
// Python server: compact JSON, raw UTF-8, whole floats written as `1.0`, and the three
// timestamp formats of PROTOCOL.md §2.3.

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
  'percentage', 'cumulative_percentage', 'memory_ratio', 'avg_tokens', 'auto_compaction_threshold',
  'compaction_ratio', 'compression_ratio', 'threshold_used', 'similarity_score',
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
    case 'string': return JSON.stringify(value);
    case 'boolean': return value ? 'true' : 'false';
    case 'object': {
      if (Array.isArray(value)) return `[${value.map((v) => dumps(v, key)).join(',')}]`;
      const parts = [];
      for (const k of Object.keys(value)) {
        if (value[k] === undefined) continue;
        parts.push(`${JSON.stringify(k)}:${dumps(value[k], k)}`);
      }
      return `{${parts.join(',')}}`;
    }
    default: return 'null';
  }
}

const pad2 = (n) => (n < 10 ? `0${n}` : `${n}`);

/**
 * SQLite's CURRENT_TIMESTAMP format: UTC, space separator, seconds, no offset.
 * @param {number} ms epoch milliseconds
 */
export function sqliteUtc(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad2(d.getUTCMonth() + 1)}-${pad2(d.getUTCDate())} `
    + `${pad2(d.getUTCHours())}:${pad2(d.getUTCMinutes())}:${pad2(d.getUTCSeconds())}`;
}

/**
 * Python `datetime.now().isoformat()`: naive local time, microseconds omitted when 0.
 * @param {number} ms epoch milliseconds
 * @param {number} [micros] 0..999999 within the second; defaults to the ms part
 */
export function localIso(ms, micros) {
  const d = new Date(ms);
  const base = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())}T`
    + `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
  const us = micros ?? (((ms % 1000) + 1000) % 1000) * 1000;
  return us === 0 ? base : `${base}.${String(us).padStart(6, '0')}`;
}

/** Wall clock in ms with sub-millisecond precision (monotonic within a process). */
export const preciseNow = () => performance.timeOrigin + performance.now();

/**
 * Timestamp source for the hot path: Date formatting is done once per second and cached,
 * so a frame only pays for a string concatenation.
 */
export class Clock {
  /** @param {() => number} [now] epoch ms, fractional part gives the microseconds */
  constructor(now = preciseNow) {
    this.now = now;
    this._isoSec = -1; this._isoBase = '';
    this._sqlSec = -1; this._sql = '';
  }

  /** Local ISO of "now" (microseconds dropped when exactly 0, like Python). */
  iso() {
    const ms = this.now();
    const sec = Math.floor(ms / 1000);
    if (sec !== this._isoSec) {
      this._isoSec = sec;
      this._isoBase = localIso(sec * 1000, 0);
    }
    const us = Math.floor((ms - sec * 1000) * 1000);
    return us === 0 ? this._isoBase : `${this._isoBase}.${String(us).padStart(6, '0')}`;
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
