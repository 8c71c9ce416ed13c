/**
 * A small copy of a message for keeping: strings cut to `MAX_KEPT_STRING` characters (marked "…"),
 * at most `MAX_KEPT_ITEMS` entries per list or object, `MAX_KEPT_DEPTH` levels. What an element keeps
 * from a frame must not keep the frame's megabytes alive; this copy costs a few hundred bytes.
 */
export const MAX_KEPT_STRING = 400;
const MAX_KEPT_ITEMS = 50;
const MAX_KEPT_DEPTH = 8;

export function compactMessage<T>(value: T): T {
  return compact(value, 0) as T;
}

function compact(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return value.length > MAX_KEPT_STRING ? `${value.slice(0, MAX_KEPT_STRING - 1)}…` : value;
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_KEPT_DEPTH) return null;
  if (Array.isArray(value)) return value.slice(0, MAX_KEPT_ITEMS).map((item) => compact(item, depth + 1));
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const key of Object.keys(value)) {
    if (n++ >= MAX_KEPT_ITEMS) break;
    // Assigning "__proto__" would set the copy's prototype, not a property: a server's key is data.
    if (key !== '__proto__') out[key] = compact((value as Record<string, unknown>)[key], depth + 1);
  }
  return out;
}
