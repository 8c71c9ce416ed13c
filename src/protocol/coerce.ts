/**
 * Some fields are echoed from HTTP bodies without validation (docs/PROTOCOL.md §2.4): `enabled` can be
 * `"false"`, which is truthy in JavaScript. These read them the way a person would.
 */

const TRUE_WORDS = new Set(['true', '1', 'yes', 'on']);
const FALSE_WORDS = new Set(['false', '0', 'no', 'off', '']);

/** `true`/`false` for booleans, 0/1 and their usual spellings; `null` when it is neither. */
export function toBoolean(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value === 1 ? true : value === 0 ? false : null;
  if (typeof value === 'string') {
    const word = value.trim().toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
  }
  return null;
}

/** An integer from a number or a numeric string; `null` otherwise. */
export function toInteger(value: unknown): number | null {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isInteger(n) ? n : null;
}
