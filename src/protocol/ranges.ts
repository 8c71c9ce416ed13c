/**
 * The ranges a number from the server must fall in before anything shows it, one converter per kind.
 * The server's figures are not checked on its side (a percentage of `1e308`, a window of `0.4`
 * tokens), and one absurd value would print 309 digits, divide by almost zero or flatten a chart's
 * axis. Outside its range a value is unknown (`null`): what is read from it is left out or shown
 * as unknown, never stretched to fit. Only numbers count: a numeric string is not a number here
 * (the protocol sends these fields as JSON numbers; PROTOCOL.md §3).
 *
 * | Kind        | Range                         | Why                                                      |
 * |-------------|-------------------------------|----------------------------------------------------------|
 * | tokens      | 0 – 100,000,000 (whole)       | 50× the largest context window offered today             |
 * | window      | 1,000 – 100,000,000 (whole)   | no model has a window under 1,000 tokens                 |
 * | percentage  | 0 – 1,000                     | log lines can exceed 100 % (PROTOCOL.md §4.6); 10× is not a reading |
 * | count       | 0 – 1,000,000,000 (whole)     | messages, requests, repeats                              |
 * | duration    | 0 – 86,400,000 ms (one day)   | a request's time to first byte or to its end             |
 * | time        | 2000-01-01 – the moment it arrived | a reading cannot come from the future (see ServerClock) |
 * | id          | 0 – 2^53 − 1 (whole)          | a SQLite row id; past it ids are not exact              |
 */

export const MAX_TOKENS = 100_000_000;
export const MIN_WINDOW = 1_000;
export const MAX_PERCENTAGE = 1_000;
export const MAX_COUNT = 1_000_000_000;
export const MAX_DURATION_MS = 86_400_000;
/** Earliest time a reading can carry (epoch ms of 2000-01-01 UTC). */
export const MIN_TIME = 946_684_800_000;

const inRange = (value: unknown, min: number, max: number): value is number => typeof value === 'number' && value >= min && value <= max;

/** Tokens in a context or a request, whole; null outside 0 – 100,000,000. */
export function tokenCount(value: unknown): number | null {
  return inRange(value, 0, MAX_TOKENS) ? Math.round(value) : null;
}

/** A context window in tokens, whole; null outside 1,000 – 100,000,000. */
export function windowSize(value: unknown): number | null {
  return inRange(value, MIN_WINDOW, MAX_TOKENS) ? Math.round(value) : null;
}

/** A share in percent; null outside 0 – 1,000. */
export function percentage(value: unknown): number | null {
  return inRange(value, 0, MAX_PERCENTAGE) ? value : null;
}

/** A count of things (messages, requests), whole; null outside 0 – 1,000,000,000. */
export function countOf(value: unknown): number | null {
  return inRange(value, 0, MAX_COUNT) ? Math.round(value) : null;
}

/** A duration in ms; null outside 0 – one day. */
export function durationMs(value: unknown): number | null {
  return inRange(value, 0, MAX_DURATION_MS) ? value : null;
}

/** A row id (`metric_id`, `MetricRow.id`): a whole number from 0 to 2^53 − 1; null otherwise. */
export function rowId(value: unknown): number | null {
  return Number.isSafeInteger(value) && (value as number) >= 0 ? (value as number) : null;
}
